import { type ChildProcess } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BackendError, clampTimerMs, DEFAULT_MAX_OUTPUT_BYTES, InvalidArgumentError, type ProcessOutput, type ProcessSignal, type ProcessStatus } from '@kode/core';
import type { DriverProcesses, DriverStartRequest } from '@kode/driver';
import { LOCAL_KIND } from './local-config';
import { exitCodeOf, type ProcessGroup, spawnGroup } from './process-group';
import { spawnFailure } from './run-command';

/** What {@link LocalDriverProcesses} needs from its driver. */
export interface ProcessHost {
  /** The existing real directory and merged environment (`process.env` + config `env` + `env`) for a command. */
  prepare(request: { cwd: string; env: Record<string, string> | undefined }): Promise<{ cwd: string; env: NodeJS.ProcessEnv }>;
  /** Directory (existing, private to the sandbox) for output logs. */
  logDir(): string;
}

interface ProcessEntry {
  id: string;
  command: string;
  group: ProcessGroup;
  logPath: string;
  running: boolean;
  code: number | undefined;
  exited: Promise<void>;
}

/** Bytes returned by one `output()` call at most; page on with the returned cursor. */
export const MAX_OUTPUT_CHUNK_BYTES = DEFAULT_MAX_OUTPUT_BYTES;

/** Length of the longest prefix of `bytes` that does not end inside a UTF-8 character. */
function completeUtf8Length(bytes: Uint8Array): number {
  let start = bytes.length - 1;
  while (start >= 0 && start > bytes.length - 4 && ((bytes[start] ?? 0) & 0xc0) === 0x80) start--;
  if (start < 0) return bytes.length;
  const lead = bytes[start] ?? 0;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return bytes.length - start >= need ? bytes.length : start;
}

/**
 * `DriverProcesses` of the local driver: each process runs `bash -c` in its own process group,
 * detached from the call that started it, with stdout and stderr appended to one log file (so
 * they interleave in true write order) that `output` reads by byte cursor. Processes are children
 * of this Node process: they do not survive it, and ids do not survive a new sandbox instance.
 * Argument checks are the front's.
 */
export class LocalDriverProcesses implements DriverProcesses {
  private readonly entries = new Map<string, ProcessEntry>();
  private counter = 0;

  /** @param host the owning sandbox's hooks */
  constructor(private readonly host: ProcessHost) {}

  /**
   * Starts `request.command` and returns its id (`proc-<n>`) once it is running.
   * @throws FileNotFoundError for a missing cwd; InvalidArgumentError when cwd is not a directory;
   * BackendError when bash cannot start
   */
  async start(request: DriverStartRequest): Promise<{ id: string }> {
    const { command } = request;
    const { cwd, env } = await this.host.prepare(request);
    const id = `proc-${++this.counter}`;
    const logPath = join(this.host.logDir(), `${id}.log`);
    const log = await open(logPath, 'a');
    let spawned: { child: ChildProcess; group: ProcessGroup | undefined };
    try {
      spawned = spawnGroup(command, { cwd, env, stdio: ['ignore', log.fd, log.fd] });
    } catch (error) {
      await log.close();
      throw new BackendError(`Could not start a background process: ${(error as Error).message}`, { backend: LOCAL_KIND, cause: error });
    }
    const { child, group } = spawned;
    // Listeners go on before any await: a short command can exit (or fail to spawn) meanwhile.
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    child.on('error', () => undefined); // later errors come from signalling, handled where we signal
    const entry: ProcessEntry = {
      id,
      command,
      group: group as ProcessGroup,
      logPath,
      running: true,
      code: undefined,
      exited: new Promise<void>((resolve) => {
        child.once('exit', (code, signal) => {
          entry.running = false;
          entry.code = exitCodeOf(code, signal);
          resolve();
        });
      }),
    };
    await log.close(); // the child holds its own copies of the descriptor
    if (group === undefined) {
      throw spawnFailure(await spawnError, cwd);
    }
    child.unref();
    this.entries.set(id, entry);
    return { id };
  }

  /**
   * Output written since `cursor` (a byte offset; default 0), stdout and stderr interleaved.
   * At most {@link MAX_OUTPUT_CHUNK_BYTES} per call; while the process runs, a UTF-8 character
   * split at the end is held back until it is complete.
   * @throws InvalidArgumentError for an unknown id or a cursor past the end
   */
  async output(id: string, options: { cursor: number }): Promise<ProcessOutput> {
    const entry = this.entry(id);
    const { cursor } = options;
    const running = entry.running;
    const code = entry.code;
    const size = (await stat(entry.logPath)).size;
    if (cursor > size) {
      throw new InvalidArgumentError(`cursor ${cursor} is past the end of the output (${size} bytes).`, { backend: LOCAL_KIND });
    }
    const length = Math.min(size - cursor, MAX_OUTPUT_CHUNK_BYTES);
    const bytes = Buffer.alloc(length);
    if (length > 0) {
      const handle = await open(entry.logPath, 'r');
      try {
        await handle.read(bytes, 0, length, cursor);
      } finally {
        await handle.close();
      }
    }
    const keep = running || length < size - cursor ? completeUtf8Length(bytes) : length;
    const data = new TextDecoder().decode(bytes.subarray(0, keep));
    return code === undefined ? { data, cursor: cursor + keep, running } : { data, cursor: cursor + keep, running, code };
  }

  /**
   * Resolves when the process exits, or after `timeoutMs` (`0`: no limit) with `running: true`.
   * Aborting `signal` stops the wait (not the process) and rejects with `signal.reason`.
   * @throws InvalidArgumentError for an unknown id
   */
  async wait(id: string, options: { timeoutMs: number; signal: AbortSignal }): Promise<ProcessStatus> {
    const entry = this.entry(id);
    const { timeoutMs, signal } = options;
    if (signal.aborted) throw signal.reason;
    if (entry.running) {
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      try {
        await Promise.race([
          entry.exited,
          new Promise<void>((resolve, reject) => {
            if (timeoutMs > 0) timer = setTimeout(resolve, clampTimerMs(timeoutMs));
            onAbort = () => reject(signal.reason as Error);
            signal.addEventListener('abort', onAbort, { once: true });
          }),
        ]);
      } finally {
        clearTimeout(timer);
        if (onAbort) signal.removeEventListener('abort', onAbort);
      }
    }
    return this.status(entry);
  }

  /**
   * Signals the process's whole group. `'SIGTERM'` (default) escalates to SIGKILL after a grace
   * and, like `'SIGKILL'`, resolves once the group is gone; `'SIGINT'`/`'SIGHUP'` are only sent.
   * Children left behind by a finished command are still in its group and are killed too.
   * Idempotent: a finished process whose group is empty is left alone.
   * @throws InvalidArgumentError for an unknown id
   */
  async kill(id: string, signal: ProcessSignal): Promise<void> {
    const entry = this.entry(id);
    await this.signal(entry, signal);
  }

  /** Every process started by this sandbox, in start order. */
  async list(): Promise<ProcessStatus[]> {
    return Promise.resolve([...this.entries.values()].map((entry) => this.status(entry)));
  }

  /** Kills every process group still alive (SIGTERM, then SIGKILL after a grace). Used by the driver's `stop`. */
  async killAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map((entry) => this.signal(entry, 'SIGTERM')));
  }

  private async signal(entry: ProcessEntry, signal: ProcessSignal): Promise<void> {
    if (signal === 'SIGTERM' || signal === 'SIGKILL') {
      await entry.group.kill({ signal });
      if (entry.running) await entry.exited;
      return;
    }
    entry.group.signal(signal);
  }

  private status(entry: ProcessEntry): ProcessStatus {
    const base = { id: entry.id, command: entry.command, running: entry.running };
    return entry.code === undefined ? base : { ...base, code: entry.code };
  }

  private entry(id: string): ProcessEntry {
    const entry = this.entries.get(id);
    if (!entry) throw new InvalidArgumentError(`Unknown process id ${JSON.stringify(id)}.`, { backend: LOCAL_KIND, hint: 'Use an id returned by processes.start() on this sandbox.' });
    return entry;
  }
}
