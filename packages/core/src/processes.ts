/** A signal `processes.kill` can send. */
export type ProcessSignal = 'SIGTERM' | 'SIGKILL' | 'SIGINT' | 'SIGHUP';

/** Options of {@link SandboxProcesses.start}. */
export interface StartProcessOptions {
  /** Working directory; relative paths resolve against `workDir`. Default `workDir`. */
  cwd?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/** The handle {@link SandboxProcesses.start} returns. */
export interface StartedProcess {
  /** Opaque id, valid across reconnects to the same sandbox when `capabilities.processes.reconnect`. */
  id: string;
}

/** Options of {@link SandboxProcesses.output}. */
export interface ProcessOutputOptions {
  /** Where the previous call stopped (its `cursor`). Default `0`: from the start. */
  cursor?: number;
}

/** Output of a background process since a cursor. */
export interface ProcessOutput {
  /** stdout and stderr interleaved as written, UTF-8 decoded, from the given cursor on. */
  data: string;
  /** Byte offset to pass as `cursor` next time to get only newer output. */
  cursor: number;
  /** True while the process runs. */
  running: boolean;
  /** Exit code once it has finished (`128 + n` when killed by signal `n`). */
  code?: number;
}

/** Status of one background process. */
export interface ProcessStatus {
  id: string;
  /** The command line as given to `start`. */
  command: string;
  running: boolean;
  /** Exit code once finished. */
  code?: number;
}

/** Options of {@link SandboxProcesses.wait}. */
export interface WaitProcessOptions {
  /** Stop waiting after this many milliseconds and resolve with the current status (`running: true`). */
  timeoutMs?: number;
  /** Aborting stops waiting (the process keeps running) and rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Background work that outlives one call: started detached, read incrementally by cursor, waited
 * for, killed with its whole process tree.
 */
export interface SandboxProcesses {
  /** Starts `command` in the background and returns at once. */
  start(command: string, options?: StartProcessOptions): Promise<StartedProcess>;
  /** Output since `cursor`. @throws InvalidArgumentError for an unknown id */
  output(id: string, options?: ProcessOutputOptions): Promise<ProcessOutput>;
  /** Resolves when the process exits, or when `timeoutMs` passes (then `running` is still true). */
  wait(id: string, options?: WaitProcessOptions): Promise<ProcessStatus>;
  /** Sends `signal` (default `'SIGTERM'`, then SIGKILL after a grace period) to the whole tree. Idempotent: killing a finished process is a no-op. */
  kill(id: string, signal?: ProcessSignal): Promise<void>;
  /** Every process started in this sandbox (running or finished) that the backend still knows. */
  list(): Promise<ProcessStatus[]>;
}
