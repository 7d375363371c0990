import { RETRYABLE_ERROR_CODES, type SandboxErrorCode } from './error-codes';

const BASE_MARKER = Symbol.for('@kode/core/error');

/** Fields every {@link SandboxError} may carry besides its message. */
export interface SandboxErrorOptions {
  /** The backend that raised it (`'local'`, `'opensandbox'`, …). */
  backend?: string;
  /** Advice for the user: what to check or change. Never contains secrets. */
  hint?: string;
  /** The server's request id, when the failure came from an HTTP call. */
  requestId?: string;
  /** Overrides the code's default retryability. */
  retryable?: boolean;
  /** The HTTP status of the failed request, when there was one. */
  status?: number;
  /** How long the server asked the caller to wait before retrying (`Retry-After`), in milliseconds. */
  retryAfterMs?: number;
  /** The original error. */
  cause?: unknown;
}

/**
 * Base class of every error the sandbox layer throws on purpose.
 *
 * - `code` is stable API; `message` is for humans and may change.
 * - `retryable` says whether the same call may succeed later (connection, timeouts, rate limits).
 * - Checks work across duplicate copies of `@kode/core`: use {@link SandboxError.isInstance} or a
 *   subclass's `isInstance`, not `instanceof`.
 * - Messages, hints and causes never carry API keys: backends redact them before constructing.
 */
export class SandboxError extends Error {
  /** The stable error code. */
  readonly code: SandboxErrorCode;
  /** Whether retrying the same operation unchanged may succeed. */
  readonly retryable: boolean;
  /** The backend that raised the error, when known. */
  readonly backend: string | undefined;
  /** Advice for the user, when there is any. */
  readonly hint: string | undefined;
  /** The server's request id, when the error came from a request. */
  readonly requestId: string | undefined;
  /** The HTTP status of the failed request, when there was one (e.g. 503). */
  readonly status: number | undefined;
  /** The server's `Retry-After`, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(code: SandboxErrorCode, message: string, options: SandboxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SandboxError';
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_ERROR_CODES.has(code);
    this.backend = options.backend;
    this.hint = options.hint;
    this.requestId = options.requestId;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    Object.defineProperty(this, BASE_MARKER, { value: true });
  }

  /** True for any `SandboxError` (any subclass, any copy of `@kode/core`). */
  static isInstance(value: unknown): value is SandboxError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BASE_MARKER] === true;
  }

  /** A JSON-safe view (code, message, hint, backend, requestId, retryable), for logs and tool results. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.backend === undefined ? {} : { backend: this.backend }),
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.requestId === undefined ? {} : { requestId: this.requestId }),
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
    };
  }
}

/** True when `value` is a `SandboxError` whose code is `code`, across package copies. */
export function hasErrorCode(value: unknown, code: SandboxErrorCode): value is SandboxError {
  return SandboxError.isInstance(value) && value.code === code;
}
