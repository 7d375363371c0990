import { redactSecrets } from '../redact';
import { BackendError } from './error-classes';
import { SandboxError } from './sandbox-error';

const MAX_CAUSE_DEPTH = 4;

/**
 * A copy of `cause` safe to print: a plain `Error` with the same `name`, the message and stack
 * redacted, and the same treatment applied to its own `cause` (at most 4 levels). Everything else
 * the original carried (request configs, headers, response bodies) is dropped, so
 * `console.error(error)` cannot print a key an HTTP client kept on its error object.
 */
export function sanitizeCause(cause: unknown, secrets: ReadonlyArray<string | undefined>, depth = 0): unknown {
  if (cause === undefined || cause === null) return undefined;
  if (depth >= MAX_CAUSE_DEPTH) return undefined;
  const source = cause instanceof Error ? cause : undefined;
  const name = source?.name ?? 'Error';
  const message = redactSecrets(source ? source.message : typeof cause === 'string' ? cause : 'non-Error value', secrets);
  const inner = source && 'cause' in source ? sanitizeCause(source.cause, secrets, depth + 1) : undefined;
  const copy = new Error(message, inner === undefined ? undefined : { cause: inner });
  copy.name = name;
  const code = (source as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' || typeof code === 'number') Object.defineProperty(copy, 'code', { value: code, enumerable: true });
  copy.stack = source?.stack === undefined ? `${name}: ${message}` : redactSecrets(source.stack, secrets);
  return copy;
}

/**
 * Makes `error` safe to print and returns it as a `SandboxError`: a `SandboxError` keeps its class
 * and fields with `message`, `hint` and `stack` redacted and its `cause` chain replaced by
 * {@link sanitizeCause}; anything else becomes a `BackendError` naming `operation`. Idempotent.
 */
export function sanitizeError(
  error: unknown,
  context: { secrets: ReadonlyArray<string | undefined>; backend: string; operation: string },
): SandboxError {
  const { secrets } = context;
  if (!SandboxError.isInstance(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new BackendError(redactSecrets(`${context.backend}: ${context.operation} failed: ${message}`, secrets), {
      backend: context.backend,
      cause: sanitizeCause(error, secrets),
    });
  }
  error.message = redactSecrets(error.message, secrets);
  if (error.stack !== undefined) error.stack = redactSecrets(error.stack, secrets);
  if (error.hint !== undefined) Object.defineProperty(error, 'hint', { value: redactSecrets(error.hint, secrets), enumerable: true });
  if ('cause' in error && error.cause !== undefined) {
    Object.defineProperty(error, 'cause', { value: sanitizeCause(error.cause, secrets), enumerable: false, writable: true, configurable: true });
  }
  return error;
}
