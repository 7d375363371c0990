import { InvalidArgumentError } from './errors/error-classes';

/** Normalises a POSIX path: collapses `//`, `.` and `..` (never above `/` for absolute paths). */
export function normalizePosixPath(path: string): string {
  const absolute = path.startsWith('/');
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!absolute) parts.push('..');
      continue;
    }
    parts.push(part);
  }
  const joined = parts.join('/');
  return absolute ? `/${joined}` : joined || '.';
}

/**
 * Resolves `path` against the absolute POSIX directory `workDir`. Absolute paths are normalised
 * and kept. @throws InvalidArgumentError for an empty path or one containing a NUL byte
 */
export function resolveSandboxPath(workDir: string, path: string): string {
  assertValidPath(path);
  return normalizePosixPath(path.startsWith('/') ? path : `${workDir}/${path}`);
}

/** Whether the absolute POSIX path `path` is `root` or lies below it (lexically). */
export function isPathInside(root: string, path: string): boolean {
  const r = normalizePosixPath(root);
  const p = normalizePosixPath(path);
  return r === '/' || p === r || p.startsWith(`${r}/`);
}

/** `path` relative to `from` (both absolute POSIX), e.g. `('/a', '/a/b/c')` → `'b/c'`. */
export function relativePosixPath(from: string, path: string): string {
  const a = normalizePosixPath(from).split('/').filter(Boolean);
  const b = normalizePosixPath(path).split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...Array<string>(a.length - i).fill('..'), ...b.slice(i)].join('/') || '.';
}

/** Throws `InvalidArgumentError` unless `path` is a non-empty string without NUL bytes. */
export function assertValidPath(path: unknown, name = 'path'): asserts path is string {
  if (typeof path !== 'string' || path.length === 0) {
    throw new InvalidArgumentError(`${name} must be a non-empty string.`);
  }
  if (path.includes('\0')) {
    throw new InvalidArgumentError(`${name} must not contain a NUL byte.`);
  }
}
