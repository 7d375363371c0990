/** Default cap on each of stdout and stderr kept by `exec`: 10 MiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 10 * 1024 * 1024;

/** Default per-command timeout when neither the call nor the sandbox sets one: 120 s. */
export const DEFAULT_EXEC_TIMEOUT_MS = 120_000;

/** The exit code `exec` reports when it killed a command for running past its timeout. */
export const TIMEOUT_EXIT_CODE = 124;

/** Options of {@link Sandbox.exec}. Every field is optional. */
export interface ExecOptions {
  /** Working directory; relative paths resolve against `workDir`. Default: `workDir`. */
  cwd?: string;
  /** Extra environment variables, added to the sandbox's own. */
  env?: Record<string, string>;
  /**
   * Milliseconds before the whole process tree is killed; the result then has `timedOut: true` and
   * `code: 124`. Default: the sandbox's `execTimeoutMs` (120 000). `0` means no limit.
   */
  timeoutMs?: number;
  /** Aborting kills the process tree and rejects the call with `signal.reason`. */
  signal?: AbortSignal;
  /** Called with each chunk of stdout as it arrives (text, UTF-8 decoded). */
  onStdout?: (chunk: string) => void;
  /** Called with each chunk of stderr as it arrives (text, UTF-8 decoded). */
  onStderr?: (chunk: string) => void;
  /** Bytes kept per stream; the rest is dropped and `truncated` set. Default 10 MiB. */
  maxOutputBytes?: number;
}

/**
 * What a finished command produced. A non-zero `code` is data, not an error: transport and backend
 * failures reject instead.
 */
export interface ExecResult {
  /** Exit code: 0..255, `124` after a timeout, `128 + n` when killed by signal `n`. */
  code: number;
  /** Standard output, UTF-8 decoded, at most `maxOutputBytes` bytes. */
  stdout: string;
  /** Standard error, UTF-8 decoded, at most `maxOutputBytes` bytes. */
  stderr: string;
  /** True when the command was killed for exceeding `timeoutMs`. */
  timedOut: boolean;
  /** True when stdout or stderr was cut at `maxOutputBytes`. */
  truncated: boolean;
  /** Wall-clock milliseconds from start to the final event. */
  durationMs: number;
}
