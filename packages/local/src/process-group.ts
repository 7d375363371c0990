import { type ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import { constants } from 'node:os';
import { errnoCode } from './host-errors';

/** The shell every command runs in. */
export const SHELL = '/bin/bash';

/** Grace between SIGTERM and SIGKILL when a process tree is stopped, in milliseconds. */
export const KILL_GRACE_MS = 1000;

/** How long {@link ProcessGroup.kill} waits for the group to vanish after SIGKILL, in milliseconds. */
const REAP_WAIT_MS = 2000;

/**
 * Groups whose leader (the `bash -c`) still runs; killed when Node exits. A group is dropped when
 * its leader exits, so a recycled group id is never signalled at exit.
 */
const liveGroups = new Set<ProcessGroup>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const group of liveGroups) group.signal('SIGKILL');
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a process with this exact pid exists (any owner, zombies included). */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) !== 'ESRCH';
  }
}

/**
 * The process group of one spawned `bash -c` (its leader; group id = leader pid), signalled as a
 * whole. Guards against recycled ids: once the leader has been reaped, the group is signalled only
 * while no process owns the leader's pid. (Linux never hands out a pid that is still some live
 * group's id, so if a process has that pid again, our group is empty and the id belongs to a
 * stranger.)
 */
export class ProcessGroup {
  private leaderExited = false;

  /** @param pgid the leader's pid @param leader the leader's ChildProcess */
  constructor(
    readonly pgid: number,
    leader: ChildProcess,
  ) {
    liveGroups.add(this);
    installExitHook();
    leader.once('exit', () => {
      this.leaderExited = true;
      liveGroups.delete(this);
    });
  }

  /** Sends `signal` (0 = probe) to every member; false when the group no longer exists. */
  signal(signal: NodeJS.Signals | 0): boolean {
    if (this.leaderExited && pidExists(this.pgid)) return false;
    try {
      process.kill(-this.pgid, signal);
      return true;
    } catch (error) {
      if (errnoCode(error) === 'ESRCH') return false;
      throw error;
    }
  }

  /** Whether any member still exists (an unreaped leader counts). */
  alive(): boolean {
    return this.signal(0);
  }

  /**
   * Stops the whole group: sends `signal` (default SIGTERM), then SIGKILL after `graceMs` if
   * anything is left, and resolves once the group is empty (at worst shortly after SIGKILL).
   * A no-op for a group that is already gone.
   */
  async kill(options: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
    const signal = options.signal ?? 'SIGTERM';
    if (!this.signal(signal)) return;
    if (signal !== 'SIGKILL' && (await this.waitGone(options.graceMs ?? KILL_GRACE_MS))) return;
    if (!this.signal('SIGKILL')) return;
    await this.waitGone(REAP_WAIT_MS);
  }

  /** Polls until the group is empty or `ms` passes; true when it is empty. */
  private async waitGone(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (let pause = 5; ; pause = Math.min(pause * 2, 50)) {
      if (!this.alive()) return true;
      if (Date.now() >= deadline) return false;
      await delay(pause);
    }
  }
}

/** Options of {@link spawnGroup}. */
export interface SpawnGroupOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdio: StdioOptions;
}

/**
 * Spawns `bash -c command` as the leader of a new process group (detached), so the whole tree can
 * be signalled at once. `group` is undefined when the spawn failed (the child then emits
 * `'error'`). The group is sent SIGKILL if this Node process exits while the leader still runs.
 */
export function spawnGroup(command: string, options: SpawnGroupOptions): { child: ChildProcess; group: ProcessGroup | undefined } {
  const child = spawn(SHELL, ['-c', command], { cwd: options.cwd, env: options.env, stdio: options.stdio, detached: true });
  return { child, group: child.pid === undefined ? undefined : new ProcessGroup(child.pid, child) };
}

/** Exit code for a child that ended with `code` or by `signal`: the code, or `128 + n` for signal `n`. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  if (signal !== null) return 128 + (constants.signals[signal] ?? 0);
  return 1;
}
