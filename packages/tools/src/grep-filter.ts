import picomatch from 'picomatch';

/** Options of {@link createPathFilter}. */
export interface PathFilterOptions {
  /** Only paths matching this glob (relative to the search root). Default: every path (`**`). */
  glob?: string | undefined;
  /** Paths matching any of these, or below a directory matching one, are left out. */
  ignore?: readonly string[] | undefined;
  /** Whether names starting with `.` can match (the include glob's `dot`). */
  dot: boolean;
}

/**
 * A predicate over POSIX paths relative to the search root with exactly `fs.glob`'s semantics
 * (the core's `selectGlobMatches`): the include glob with `dot`, and ignore patterns compiled with
 * `dot: true` that also exclude everything below a matching ancestor directory.
 */
export function createPathFilter(options: PathFilterOptions): (relative: string) => boolean {
  const include = picomatch(options.glob ?? '**', { dot: options.dot });
  const ignored = (options.ignore ?? []).map((p) => picomatch(p.replace(/\/+$/, ''), { dot: true }));
  return (relative) => {
    if (!include(relative)) return false;
    if (ignored.length === 0) return true;
    const parts = relative.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (ignored.some((m) => m(prefix))) return false;
    }
    return true;
  };
}

/** Ignore patterns that are plain relative paths (no glob syntax), which `rg --glob '!/<p>'` prunes with the same meaning. */
export function plainIgnorePaths(ignore: readonly string[] | undefined): string[] {
  return (ignore ?? []).filter((p) => /^[A-Za-z0-9_.@+-][A-Za-z0-9_.@+/-]*$/.test(p) && !p.split('/').includes('..') && !p.split('/').includes('.'));
}

/** Whether the glob names a dot segment explicitly (then the command must not skip hidden paths itself). */
export function globNamesDotSegment(glob: string | undefined): boolean {
  return glob !== undefined && glob.split('/').some((segment) => segment.startsWith('.'));
}

const GLOB_MAGIC = /[*?[\]{}()!]/;

/**
 * Splits a path that contains glob syntax into its static directory prefix and the glob below
 * it: `src/**\/*.ts` → `{ root: 'src', glob: '**\/*.ts' }`; `*.md` → `{ root: '.', glob: '*.md' }`.
 * Returns `undefined` for a path without glob syntax.
 */
export function splitGlobPath(path: string): { root: string; glob: string } | undefined {
  if (!GLOB_MAGIC.test(path)) return undefined;
  const parts = path.split('/');
  const staticParts: string[] = [];
  while (parts.length > 1 && !GLOB_MAGIC.test(parts[0] ?? '')) staticParts.push(parts.shift() ?? '');
  let root = staticParts.join('/');
  if (root === '') root = path.startsWith('/') ? '/' : '.';
  return { root, glob: parts.join('/') };
}
