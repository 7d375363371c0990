/**
 * Every stable error code of the sandbox layer. Codes are API: they never change meaning within a
 * major version. Messages may improve at any time, so match on `code` (or `isInstance`), never on text.
 */
export const SANDBOX_ERROR_CODES = [
  'INVALID_ARGUMENT',
  'NOT_INITIALIZED',
  'DISPOSED',
  'UNSUPPORTED',
  'SANDBOX_NOT_FOUND',
  'FILE_NOT_FOUND',
  'PATH_OUTSIDE_SANDBOX',
  'CONNECTION_FAILED',
  'AUTHENTICATION_FAILED',
  'IMAGE_PULL_FAILED',
  'SANDBOX_START_FAILED',
  'READY_TIMEOUT',
  'REQUEST_TIMEOUT',
  'RATE_LIMITED',
  'BACKEND_ERROR',
] as const;

/** A stable error code; see {@link SANDBOX_ERROR_CODES}. */
export type SandboxErrorCode = (typeof SANDBOX_ERROR_CODES)[number];

/** Codes whose operations may succeed when retried unchanged (after a back-off). */
export const RETRYABLE_ERROR_CODES: ReadonlySet<SandboxErrorCode> = new Set<SandboxErrorCode>([
  'CONNECTION_FAILED',
  'READY_TIMEOUT',
  'REQUEST_TIMEOUT',
  'RATE_LIMITED',
]);
