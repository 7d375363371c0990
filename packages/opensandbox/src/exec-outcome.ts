import { BackendError, TIMEOUT_EXIT_CODE, type SandboxError } from '@kode/core';
import type { DriverExecResult } from '@kode/driver';
import type { CommandStreamResult } from './command-stream';
import { exitCodeOf } from './exit-code';

/** Extra time past `timeoutMs` the client grants the server's own command timeout before interrupting the command itself (ms). */
export const CLIENT_TIMEOUT_GRACE_MS = 2_000;

/** Room for an output event's JSON envelope (type, timestamp, escapes) on top of the output cap, in bytes. */
export const LINE_ENVELOPE_BYTES = 64 * 1024;

/** How {@link execOutcome} reads one run. */
export interface ExecOutcomeContext {
  /** The run's `timeoutMs` (`0` = none): a non-zero exit past it is a timeout. */
  timeoutMs: number;
  /** Whether the transport cut a line at the cap. */
  truncated: boolean;
  /** The run's abort signal (its reason is thrown on abort). */
  signal: AbortSignal;
  /** What ran, for messages: `'exec'`, `'session.exec'`. */
  what: string;
  /** The error for an `error` event that carries no exit code (the command never started). */
  startFailure: (detail: string) => SandboxError;
  /** The error for a transport failure before the command started. */
  failure: (error: unknown) => SandboxError;
}

/**
 * The driver result of one command stream, shared by `exec` and session runs: the exit code from
 * the final event, `124` past the deadline, abort → `signal.reason`, a stream cut after the start
 * → a non-retryable `BackendError` (the command may have run).
 */
export function execOutcome(result: CommandStreamResult, context: ExecOutcomeContext): DriverExecResult {
  const { end } = result;
  const { timeoutMs, truncated } = context;
  switch (end.kind) {
    case 'complete':
      return { code: 0, timedOut: false, truncated };
    case 'error': {
      const code = exitCodeOf({ value: end.value, detail: end.detail });
      if (code === undefined) throw context.startFailure(end.value);
      const pastDeadline = timeoutMs > 0 && result.durationMs >= timeoutMs;
      return { code, timedOut: pastDeadline && code !== 0, truncated };
    }
    case 'deadline':
      return { code: TIMEOUT_EXIT_CODE, timedOut: true, truncated };
    case 'aborted':
      throw context.signal.reason;
    case 'failed':
      throw context.failure(end.error);
    case 'cut':
      throw new BackendError(
        `OpenSandbox: ${context.what} failed: the command stream ended before the command finished${result.id ? ` (command ${result.id})` : ''}.`,
        { backend: 'opensandbox', retryable: false, hint: 'The connection to the sandbox was cut; the command may or may not have run, so it is not retried.' },
      );
  }
}
