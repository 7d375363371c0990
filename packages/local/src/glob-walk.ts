import { type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import type { DriverFilesHint } from '@kode/driver';
import picomatch from 'picomatch';

/** Characters that make a pattern segment dynamic (anything else is matched literally). */
const GLOB_SYNTAX = /[*?[\]{}()!+@\\]/;

/** Leading literal directory segments of `pattern` (never its last segment). */
function literalPrefix(pattern: string): string[] {
  const prefix: string[] = [];
  for (const segment of pattern.split('/').slice(0, -1)) {
    if (segment === '' || segment === '.' || GLOB_SYNTAX.test(segment)) break;
    prefix.push(segment);
  }
  return prefix;
}

/**
 * Lists the regular files under `root` (an absolute host directory) as POSIX paths relative to
 * it, in no particular order: the candidates `DriverFs.files` hands the front, which selects the
 * glob matches. Symbolic links (to files or directories) are neither followed nor listed.
 * Unreadable or vanished directories below `root` are skipped. With a `hint`, directories that
 * cannot hold a match are not entered: those an ignore pattern matches, and below `root` any
 * other than the pattern's literal leading directories (files met on the way are still returned:
 * the front filters with the full pattern).
 * @throws the host error of reading `root` itself (e.g. ENOENT, ENOTDIR)
 */
export async function listRegularFiles(root: string, hint?: DriverFilesHint): Promise<string[]> {
  const prefix = hint === undefined ? [] : literalPrefix(hint.pattern);
  const ignored = (hint?.ignore ?? []).map((p) => picomatch(p.replace(/\/+$/, ''), { dot: true }));
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
        files.push(path);
      } else if (entry.isDirectory() && (depth >= prefix.length || entry.name === prefix[depth]) && !ignored.some((m) => m(path))) {
        pending.push(walk(`${dir}/${entry.name}`, path, depth + 1));
      }
    }
    await Promise.all(pending);
  };
  await walk(root, '', 0);
  return files;
}
