import { BackendError, FileNotFoundError, InvalidArgumentError, SandboxError } from '@kode/core';
import { LOCAL_KIND } from './local-config';

/** The errno code of a Node system error, if `error` is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code } = error as { code?: unknown };
  return typeof code === 'string' ? code : undefined;
}

/**
 * Maps a Node file-system error to the sandbox error for it, keeping the original as `cause`:
 * `ENOENT` → `FileNotFoundError`; `ENOTDIR`, `EISDIR`, `EEXIST`, `ENOTEMPTY`, `EINVAL`,
 * `ENAMETOOLONG`, `ELOOP` → `InvalidArgumentError`; anything else → `BackendError`.
 * A value that is already a `SandboxError` is returned unchanged.
 */
export function mapHostError(error: unknown, context: { op: string; path: string }): SandboxError {
  if (SandboxError.isInstance(error)) return error;
  const code = errnoCode(error);
  const { op, path } = context;
  const options = { backend: LOCAL_KIND, cause: error };
  switch (code ?? '') {
    case 'ENOENT':
      return new FileNotFoundError(`${op}: no such file or directory: ${path}`, { ...options, path });
    case 'ENOTDIR':
      return new InvalidArgumentError(`${op}: a component of ${path} is not a directory.`, options);
    case 'EISDIR':
    case 'ERR_FS_EISDIR':
      return new InvalidArgumentError(`${op}: ${path} is a directory.`, {
        ...options,
        hint: op === 'rm' ? 'Pass { recursive: true } to remove a directory.' : undefined,
      });
    case 'EEXIST':
      return new InvalidArgumentError(`${op}: ${path} already exists.`, options);
    case 'ENOTEMPTY':
      return new InvalidArgumentError(`${op}: directory ${path} is not empty.`, options);
    case 'EINVAL':
      return new InvalidArgumentError(`${op}: invalid argument for ${path}.`, options);
    case 'ENAMETOOLONG':
      return new InvalidArgumentError(`${op}: path name too long: ${path}`, options);
    case 'ELOOP':
      return new InvalidArgumentError(`${op}: too many levels of symbolic links at ${path}.`, options);
    default: {
      const detail = error instanceof Error ? error.message : String(error);
      return new BackendError(`${op} ${path} failed: ${detail}`, {
        backend: LOCAL_KIND,
        cause: error,
        hint: code === 'EACCES' || code === 'EPERM' ? 'The host user lacks permission for this path.' : undefined,
      });
    }
  }
}

/**
 * {@link mapHostError} for a lookup of one path (stat, read, a command's cwd): a path with a
 * regular file as a component (`ENOTDIR`) does not exist, so it is a `FileNotFoundError` there,
 * as on the other backends (docs/contract.md).
 */
export function mapLookupError(error: unknown, context: { op: string; path: string }): SandboxError {
  if (errnoCode(error) === 'ENOTDIR') {
    return new FileNotFoundError(`${context.op}: no such file or directory: ${context.path} (a component is not a directory)`, { backend: LOCAL_KIND, cause: error, path: context.path });
  }
  return mapHostError(error, context);
}
