import { CommandExitError, type Sandbox as E2BClient } from 'e2b';
import type { SandboxError } from '@kode/core';
import type { E2BErrorContext } from './map-error';

/** Result of an internal helper command. */
export interface ScriptResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** What the fs, processes, exec and watch parts of the E2B driver share. Internal. */
export interface E2BContext {
  readonly workDir: string;
  /** The connected client. @throws BackendError before the driver started */
  client(): E2BClient;
  /** Maps an `e2b` failure (adds sandbox id and secrets). */
  fail(error: unknown, context: Omit<E2BErrorContext, 'secrets' | 'sandboxId'>): SandboxError;
  /**
   * Maps the failure of an IDEMPOTENT call. When envd was unavailable (the client hides the HTTP
   * status of Connect calls: a gone sandbox and a 503 look alike), asks the control plane once:
   * gone → `SandboxNotFoundError`; still there → the error, retryable, so the front retries it.
   */
  failIdempotent(error: unknown, context: Omit<E2BErrorContext, 'secrets' | 'sandboxId'>): Promise<SandboxError>;
}

/** Timeout for internal helper commands (status, kill, snapshots), in ms. */
export const HELPER_TIMEOUT_MS = 60_000;

/**
 * Runs a short helper script through `commands.run` and returns its result whatever the exit code
 * (the `e2b` client throws `CommandExitError` for non-zero exits). Transport failures are mapped
 * as idempotent (every helper script only reads state or sends a signal).
 */
export async function runScript(context: E2BContext, options: { script: string; operation: string; signal?: AbortSignal; cwd?: string }): Promise<ScriptResult> {
  const client = context.client();
  try {
    const result = await client.commands.run(options.script, {
      timeoutMs: HELPER_TIMEOUT_MS,
      stdin: false,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  } catch (error) {
    if (error instanceof CommandExitError) return { exitCode: error.exitCode, stdout: error.stdout, stderr: error.stderr };
    throw await context.failIdempotent(error, { operation: options.operation });
  }
}
