import { type ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import { constants } from 'node:os';
import { errnoCode } from './host-errors';

/** The shell every command runs in. */
export const SHELL = '/bin/bash';

/** Grace between SIGTERM and SIGKILL when a process tree is stopped, in milliseconds. */
export const KILL_GRACE_MS = 1000;

/** How long {@link killProcessGroup} waits for the group to vanish after SIGKILL, in milliseconds. */
const REAP_WAIT_MS = 2000;

/**
 * Process groups whose leader (the `bash -c`) is still running; killed when Node exits. A group is
 * dropped when its leader exits, so a reused group id is never signalled at exit.
 */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
  });
}

/** Options of {@link spawnGroup}. */
export interface SpawnGroupOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdio: StdioOptions;
}

/**
 * Spawns `bash -c command` as the leader of a new process group (detached), so the whole tree can
 * be signalled at once. The group is killed (SIGKILL) when this Node process exits while its
 * leader still runs.
 */
export function spawnGroup(command: string, options: SpawnGroupOptions): ChildProcess {
  const child = spawn(SHELL, ['-c', command], { cwd: options.cwd, env: options.env, stdio: options.stdio, detached: true });
  const pgid = child.pid;
  if (pgid !== undefined) {
    installExitHook();
    liveGroups.add(pgid);
    child.once('exit', () => liveGroups.delete(pgid));
  }
  return child;
}

/** Sends `signal` to every process of group `pgid`; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ESRCH') return false;
    throw error;
  }
}

/** Whether any process of group `pgid` still exists (zombies included). */
export function groupAlive(pgid: number): boolean {
  return signalGroup(pgid, 0);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `pgid` has no process left or `ms` passes; true when it is empty. */
async function waitGroupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (let pause = 5; ; pause = Math.min(pause * 2, 50)) {
    if (!groupAlive(pgid)) return true;
    if (Date.now() >= deadline) return false;
    await delay(pause);
  }
}

/**
 * Stops the whole process group `pgid`: sends `signal` (default SIGTERM), then SIGKILL after
 * `graceMs` if anything is left, and resolves once the group is empty (or, at worst, a short while
 * after SIGKILL). Safe to call for a group that is already gone.
 */
export async function killProcessGroup(pgid: number, options: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
  const signal = options.signal ?? 'SIGTERM';
  if (!signalGroup(pgid, signal)) return;
  if (signal !== 'SIGKILL' && (await waitGroupGone(pgid, options.graceMs ?? KILL_GRACE_MS))) return;
  if (!signalGroup(pgid, 'SIGKILL')) return;
  await waitGroupGone(pgid, REAP_WAIT_MS);
}

/** Exit code for a child that ended with `code` or by `signal`: the code, or `128 + n` for signal `n`. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  if (signal !== null) return 128 + (constants.signals[signal] ?? 0);
  return 1;
}
