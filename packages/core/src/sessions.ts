import type { ExecOptions, ExecResult } from './exec';

/** Options of {@link SandboxSessions.create}. */
export interface CreateSessionOptions {
  /** Directory the session starts in; relative paths resolve against `workDir`. Default `workDir`. Must exist. */
  cwd?: string;
  /** Variables exported into the session when it starts (they persist like an `export`). */
  env?: Record<string, string>;
}

/**
 * A shell that remembers: its working directory and exported variables persist from one `exec`
 * to the next (`cd` and `export` behave as in a terminal; functions, aliases and unexported
 * variables do not persist). Sessions of one
 * sandbox are independent of each other. Commands of one session run one at a time: a second
 * `exec` waits for the first.
 */
export interface ExecSession {
  /** Opaque id, unique within the sandbox. */
  readonly id: string;
  /**
   * Runs `command` in the session's shell with the same options, checks, timeouts, abort and
   * output caps as `sandbox.exec` (docs/contract.md, rule 24). `cwd` changes the session's
   * directory before the command (it persists, like `cd`); `env` applies to this command only. A
   * timeout or abort kills the command, not the session: exported variables and the directory
   * from earlier commands stay. Not retried.
   * @throws InvalidArgumentError (bad arguments, closed session), FileNotFoundError (missing cwd),
   * NotInitializedError, DisposedError, transport errors
   */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Ends the shell and frees its resources. Idempotent; also done by `sandbox.dispose()`. */
  close(): Promise<void>;
}

/** Shell sessions of a sandbox; present when `capabilities.exec.sessions`. */
export interface SandboxSessions {
  /**
   * Starts a new session.
   * @throws UnsupportedCapabilityError when `capabilities.exec.sessions` is false;
   * InvalidArgumentError, FileNotFoundError (missing cwd), NotInitializedError, DisposedError
   */
  create(options?: CreateSessionOptions): Promise<ExecSession>;
}
