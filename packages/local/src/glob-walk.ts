import { type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';

/**
 * Lists the regular files under `root` (an absolute host directory) as POSIX paths relative to
 * it, in no particular order: the candidates `DriverFs.files` hands the front, which selects the
 * glob matches. Symbolic links (to files or directories) are neither followed nor listed.
 * Unreadable or vanished directories below `root` are skipped.
 * @throws the host error of reading `root` itself (e.g. ENOENT, ENOTDIR)
 */
export async function listRegularFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string, relative: string, top: boolean): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (top) throw error;
      return;
    }
    const pending: Promise<void>[] = [];
    for (const entry of entries) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isFile()) files.push(path);
      else if (entry.isDirectory()) pending.push(walk(`${dir}/${entry.name}`, path, false));
    }
    await Promise.all(pending);
  };
  await walk(root, '', true);
  return files;
}
