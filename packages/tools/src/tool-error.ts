import { SandboxError, type SandboxErrorCode } from '@kode/core';

/**
 * Stable codes of a failed tool call. Sandbox failures keep their `SandboxErrorCode`; the rest are
 * the tools' own. Codes are API; messages are for the model and may improve.
 */
export type ToolErrorCode =
  | SandboxErrorCode
  /** The input failed schema validation; `field` names the first offending field. */
  | 'INVALID_INPUT'
  /** The runner was asked for a tool it does not have. */
  | 'UNKNOWN_TOOL'
  /** `old_string` (or a multi-edit's) was not found in the file. */
  | 'NO_MATCH'
  /** `old_string` occurs more than once and `replace_all` was not set. */
  | 'AMBIGUOUS_MATCH'
  /** The read tracker saw the file change since it was last read. */
  | 'FILE_CHANGED'
  /** The read tracker has no read of this existing file on record. */
  | 'FILE_NOT_READ'
  /** A file operation was given a directory. */
  | 'IS_DIRECTORY'
  /** A text operation was given a binary file. */
  | 'BINARY_FILE'
  /** The file is larger than the tool reads in one call. */
  | 'FILE_TOO_LARGE'
  /** No background process with that id is known to the sandbox. */
  | 'PROCESS_NOT_FOUND'
  /** The caller's `signal` aborted the call. */
  | 'ABORTED'
  /** An unexpected exception; the message says what it was. */
  | 'INTERNAL';

/** The `error` of a failed {@link ToolResult}. JSON-safe. */
export interface ToolError {
  /** Stable code; see {@link ToolErrorCode}. */
  code: ToolErrorCode;
  /** What went wrong, written for the model. */
  message: string;
  /** What to do about it, when there is advice. */
  hint?: string;
  /** The input field at fault (dotted path such as `edits.1.old_string`), for validation errors. */
  field?: string;
  /** Whether the same call may succeed if retried unchanged. */
  retryable: boolean;
}

/** What every tool's `execute` resolves with; it never rejects. */
export type ToolResult<T> = { ok: true; data: T } | { ok: false; error: ToolError };

/**
 * Thrown inside a tool for an expected, explained failure (no match, stale file, …). `execute`
 * turns it into `{ ok: false, error }`; it never reaches the caller as an exception.
 */
export class ToolFailure extends Error {
  /** Stable code. */
  readonly code: ToolErrorCode;
  /** Advice for the model. */
  readonly hint: string | undefined;
  /** The input field at fault. */
  readonly field: string | undefined;

  constructor(code: ToolErrorCode, message: string, options: { hint?: string; field?: string } = {}) {
    super(message);
    this.name = 'ToolFailure';
    this.code = code;
    this.hint = options.hint;
    this.field = options.field;
  }
}

function isAbortReason(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted === true && error === signal.reason) return true;
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError') && signal?.aborted === true;
}

/**
 * Maps anything a tool threw to a {@link ToolError}: a {@link ToolFailure} keeps its code, a
 * `SandboxError` (any copy of `@kode/core`) keeps its code, hint and retryability, an abort of
 * `signal` becomes `ABORTED`, and anything else `INTERNAL` with the exception's message.
 */
export function toToolError(error: unknown, signal?: AbortSignal): ToolError {
  if (error instanceof ToolFailure) {
    return {
      code: error.code,
      message: error.message,
      retryable: false,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      ...(error.field === undefined ? {} : { field: error.field }),
    };
  }
  if (isAbortReason(error, signal)) {
    return { code: 'ABORTED', message: 'The tool call was aborted before it finished.', retryable: true };
  }
  if (SandboxError.isInstance(error)) {
    return {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : `Unexpected failure: ${String(error)}`;
  return { code: 'INTERNAL', message, retryable: false };
}
