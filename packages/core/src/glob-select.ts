import { InvalidArgumentError } from './errors/error-classes';
import { isPathInside, normalizePosixPath, relativePosixPath } from './paths';

/** Compiles a glob pattern into a predicate over POSIX relative paths (picomatch in practice). */
export type GlobMatcherFactory = (pattern: string, options: { dot: boolean }) => (path: string) => boolean;

/** Input of {@link selectGlobMatches}. */
export interface GlobSelectOptions {
  /** Candidate regular files, POSIX paths relative to the glob's cwd. */
  files: Iterable<string>;
  /** The pattern, already normalised by {@link normalizeGlobPattern}. */
  pattern: string;
  ignore?: string[] | undefined;
  dot?: boolean | undefined;
  limit?: number | undefined;
  /** Compiles patterns; pass picomatch (`(p, o) => picomatch(p, o)`). */
  compile: GlobMatcherFactory;
}

/**
 * Turns the `pattern` given to `fs.glob` into one relative to `cwd`. An absolute pattern below
 * `cwd` is made relative; any other absolute pattern, an empty one or one with `..` segments is
 * rejected. @throws InvalidArgumentError
 */
export function normalizeGlobPattern(pattern: string, cwd: string): string {
  if (typeof pattern !== 'string' || pattern.trim() === '') {
    throw new InvalidArgumentError('glob pattern must be a non-empty string.');
  }
  let relative = pattern;
  if (pattern.startsWith('/')) {
    const prefix = normalizePosixPath(cwd);
    if (!isPathInside(prefix, pattern) || normalizePosixPath(pattern) === prefix) {
      throw new InvalidArgumentError(`glob pattern ${JSON.stringify(pattern)} is absolute and not below cwd ${prefix}; pass a relative pattern or set cwd.`);
    }
    relative = relativePosixPath(prefix, pattern);
  }
  if (relative.split('/').includes('..')) {
    throw new InvalidArgumentError(`glob pattern ${JSON.stringify(pattern)} must not contain '..' segments; set cwd instead.`);
  }
  return relative.replace(/^(\.\/)+/, '');
}

/**
 * The one definition of glob results shared by every backend: from `files` (regular files, POSIX
 * paths relative to the glob's cwd), keep those matching `pattern` and no `ignore` pattern, where
 * an ignore pattern that matches an ancestor directory excludes everything below it; sort by
 * JavaScript's default string order and cut at `limit`.
 * @throws InvalidArgumentError for a bad `limit`
 */
export function selectGlobMatches(options: GlobSelectOptions): string[] {
  const { files, pattern, compile } = options;
  const { limit } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new InvalidArgumentError(`glob limit must be a non-negative integer, got ${String(limit)}.`);
  }
  const dot = options.dot ?? false;
  const isMatch = compile(pattern, { dot });
  const ignored = (options.ignore ?? []).map((p) => compile(p.replace(/\/+$/, ''), { dot: true }));
  const isIgnored = (path: string): boolean => {
    if (ignored.length === 0) return false;
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (ignored.some((m) => m(prefix))) return true;
    }
    return false;
  };
  const out: string[] = [];
  for (const file of files) if (isMatch(file) && !isIgnored(file)) out.push(file);
  out.sort();
  return limit === undefined ? out : out.slice(0, limit);
}
