import { BackendError, FileNotFoundError, InvalidArgumentError, type SandboxError } from '@kode/core';

/** The backend kind of this example, used in every error it raises. */
export const EXAMPLE_KIND = 'example';

/** Where a failure happened: what was being done (e.g. `read /tmp/x`) and the path concerned. */
export interface FailureContext {
  operation: string;
  path?: string;
}

/**
 * The driver's one error mapping: a Node.js `fs`/`child_process` failure becomes the typed error
 * the contract names. A missing path, or a parent that is a regular file (`ENOTDIR`), is
 * `FileNotFoundError`; a directory where a file is needed, or an entry in the way, is
 * `InvalidArgumentError`; anything else is a non-retryable `BackendError`. Pure.
 */
export function toSandboxError(error: unknown, where: FailureContext): SandboxError {
  const code = (error as { code?: unknown } | null)?.code;
  const reason = error instanceof Error ? error.message : String(error);
  const options = { backend: EXAMPLE_KIND, cause: error };
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new FileNotFoundError(`Cannot ${where.operation}: no such file or directory.`, { ...options, ...(where.path === undefined ? {} : { path: where.path }) });
    case 'EISDIR':
      return new InvalidArgumentError(`Cannot ${where.operation}: it is a directory.`, options);
    case 'EEXIST':
    case 'ENOTEMPTY':
      return new InvalidArgumentError(`Cannot ${where.operation}: an entry is in the way.`, options);
    default:
      return new BackendError(`Cannot ${where.operation}: ${reason}`, { ...options, retryable: false });
  }
}
