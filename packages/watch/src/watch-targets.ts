import { assertValidPath, InvalidArgumentError, normalizePosixPath } from '@kode/core';
import type { WatchStatEntry } from './watch-port';

/**
 * Validates and normalises the paths of a watch request: a non-empty array of absolute POSIX
 * paths without NUL bytes; returns them normalised and de-duplicated, in first-seen order.
 * @throws InvalidArgumentError for anything else
 */
export function normalizeWatchPaths(paths: unknown): string[] {
  if (!Array.isArray(paths) || paths.length === 0) {
    throw new InvalidArgumentError('watch paths must be a non-empty array of absolute paths.');
  }
  const seen = new Set<string>();
  for (const raw of paths as unknown[]) {
    assertValidPath(raw, 'watch path');
    if (!raw.startsWith('/')) {
      throw new InvalidArgumentError(`watch path must be absolute (resolve it against the workDir first): ${JSON.stringify(raw)}`);
    }
    seen.add(normalizePosixPath(raw));
  }
  return [...seen];
}

/** The parent of an absolute normalised path (`'/'` for `'/'` and for top-level entries). */
export function parentPath(path: string): string {
  const index = path.lastIndexOf('/');
  return index <= 0 ? '/' : path.slice(0, index);
}

/**
 * The watched targets of one watch, answering "is this path one I report?": a target itself,
 * or (a target being a directory) its direct children, or all descendants when `recursive`.
 * Siblings and ancestors of a target are never selected.
 */
export class WatchTargets {
  /** The normalised target paths. */
  readonly paths: readonly string[];
  /** Whether descendants deeper than one level are included. */
  readonly recursive: boolean;
  private readonly set: ReadonlySet<string>;

  constructor(paths: readonly string[], recursive: boolean) {
    this.paths = paths;
    this.recursive = recursive;
    this.set = new Set(paths);
  }

  /** Whether events for `path` (absolute, normalised) belong to this watch. */
  includes(path: string): boolean {
    if (this.set.has(path)) return true;
    let child = path;
    let depth = 1;
    while (child !== '/') {
      const parent = parentPath(child);
      if (this.set.has(parent) && (this.recursive || depth === 1)) return true;
      if (!this.recursive) return false;
      child = parent;
      depth++;
    }
    return false;
  }

  /** The entries of a snapshot that belong to this watch, keyed by path (last duplicate wins). */
  select(entries: Iterable<WatchStatEntry>): Map<string, WatchStatEntry> {
    const selected = new Map<string, WatchStatEntry>();
    for (const entry of entries) if (this.includes(entry.path)) selected.set(entry.path, entry);
    return selected;
  }
}
