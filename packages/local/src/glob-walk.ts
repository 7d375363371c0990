import { type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import picomatch from 'picomatch';

/** Characters that make a pattern segment dynamic (anything else is matched literally). */
const GLOB_SYNTAX = /[*?[\]{}()!+@\\]/;

/** Options of {@link listRegularFiles}. */
export interface WalkOptions {
  /** Absolute directory to walk. */
  root: string;
  /** The normalised pattern; its leading literal directories limit the walk. */
  pattern: string;
  /** Ignore patterns (relative to `root`); a directory they match is not entered. */
  ignore?: string[] | undefined;
}

/** Leading literal directory segments of `pattern` (never its last segment). */
function literalPrefix(pattern: string): string[] {
  const segments = pattern.split('/');
  const prefix: string[] = [];
  for (const segment of segments.slice(0, -1)) {
    if (segment === '' || segment === '.' || GLOB_SYNTAX.test(segment)) break;
    prefix.push(segment);
  }
  return prefix;
}

/**
 * Lists the regular files under `root` as POSIX paths relative to it, in no particular order.
 * Symbolic links (to files or directories) are neither followed nor listed. Directories matched by
 * an ignore pattern are pruned, and below `root` only the pattern's literal leading directories
 * are entered (files met on the way are still returned: the caller filters with the full pattern).
 * Unreadable or vanished directories below `root` are skipped.
 */
export async function listRegularFiles(options: WalkOptions): Promise<string[]> {
  const prefix = literalPrefix(options.pattern);
  const ignored = (options.ignore ?? []).map((p) => picomatch(p.replace(/\/+$/, ''), { dot: true }));
  const files: string[] = [];
  const walk = async (dir: string, relative: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (depth === 0) throw error;
      return;
    }
    const pending: Promise<void>[] = [];
    for (const entry of entries) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isFile()) {
        files.push(path); // candidates only: the caller filters with the full pattern
      } else if (entry.isDirectory() && (depth >= prefix.length || entry.name === prefix[depth]) && !ignored.some((m) => m(path))) {
        pending.push(walk(`${dir}/${entry.name}`, path, depth + 1));
      }
    }
    await Promise.all(pending);
  };
  await walk(options.root, '', 0);
  return files;
}
