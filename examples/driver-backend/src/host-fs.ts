import type { Dirent, Stats } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { InvalidArgumentError, type DirEntry, type FileStat, type FileType } from '@kode/core';
import type { DriverFileList, DriverFs } from '@kode/driver';
import type { WatchPort, WatchSnapshotRequest, WatchStatEntry } from '@kode/watch';
import { EXAMPLE_KIND, toSandboxError, type FailureContext } from './host-errors';

function typeOf(entry: Stats | Dirent): FileType {
  return entry.isFile() ? 'file' : entry.isDirectory() ? 'directory' : entry.isSymbolicLink() ? 'symlink' : 'other';
}

/** Runs one host call, mapping its failure to a typed error. */
async function host<T>(where: FailureContext, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toSandboxError(error, where);
  }
}

/** Every entry below `dir` (depth first), symlinks reported as themselves and never descended. */
async function walk(dir: string, recursive: boolean): Promise<Array<{ path: string; type: FileType }>> {
  const found: Array<{ path: string; type: FileType }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    found.push({ path, type: typeOf(entry) });
    if (recursive && entry.isDirectory()) found.push(...(await walk(path, true).catch(() => [])));
  }
  return found;
}

/**
 * `DriverFs` on the host's `node:fs/promises`. Paths arrive absolute and checked by the front,
 * which also sorts listings, matches globs and decides `mkdir`/`rm` from `stat`. Writes are plain
 * (truncate and write): an atomic temp-file-and-rename would show the driver's own temporary
 * files to file watchers.
 */
export class HostFs implements DriverFs {
  /** @param temp the existing directory `fs.temp()` hands out paths in */
  constructor(private readonly temp: () => string) {}

  /** A file's bytes. @throws FileNotFoundError, InvalidArgumentError (a directory) */
  readBytes(path: string): Promise<Uint8Array> {
    return host({ operation: `read ${path}`, path }, async () => new Uint8Array(await readFile(path)));
  }

  /** Replaces a file, creating parent directories. Idempotent. */
  write(path: string, data: Uint8Array): Promise<void> {
    return host({ operation: `write ${path}`, path }, async () => {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, data);
    });
  }

  /** `lstat` of a path. @throws FileNotFoundError */
  stat(path: string): Promise<FileStat> {
    return host({ operation: `stat ${path}`, path }, async () => {
      const stats = await lstat(path);
      return { type: typeOf(stats), size: stats.size, mtimeMs: stats.mtimeMs, mode: stats.mode & 0o7777 };
    });
  }

  /** Entries of a directory (all descendants with `recursive`), unsorted. @throws FileNotFoundError, InvalidArgumentError (not a directory) */
  async list(path: string, options: { recursive: boolean }): Promise<DirEntry[]> {
    const target = await host({ operation: `list ${path}`, path }, () => stat(path)); // follows a link to a directory
    if (!target.isDirectory()) throw new InvalidArgumentError(`Cannot list ${path}: it is not a directory.`, { backend: EXAMPLE_KIND });
    const entries = await host({ operation: `list ${path}`, path }, () => walk(path, options.recursive));
    return entries.map((entry) => ({ name: entry.path.slice(entry.path.lastIndexOf('/') + 1), path: entry.path, type: entry.type }));
  }

  /** Creates a directory the front found missing (parents too with `recursive`). @throws FileNotFoundError (missing parent) */
  async mkdir(path: string, options: { recursive: boolean }): Promise<void> {
    await host({ operation: `mkdir ${path}`, path }, () => mkdir(path, { recursive: options.recursive }));
  }

  /** Removes what the front has just `stat`ed: a whole tree for a directory, else the entry itself. */
  remove(path: string, options: { type: FileType }): Promise<void> {
    return host({ operation: `rm ${path}`, path }, () => (options.type === 'directory' ? rm(path, { recursive: true }) : unlink(path)));
  }

  /** Moves `from` to `to`, replacing a non-directory, creating parents. @throws FileNotFoundError, InvalidArgumentError (a directory at `to`) */
  async rename(from: string, to: string): Promise<void> {
    const source = await this.stat(from);
    const existing = await this.stat(to).catch(() => undefined);
    if (existing?.type === 'directory') throw new InvalidArgumentError(`Cannot rename ${from} to ${to}: a directory is in the way.`, { backend: EXAMPLE_KIND });
    await host({ operation: `rename ${from} to ${to}`, path: from }, async () => {
      await mkdir(dirname(to), { recursive: true });
      if (existing !== undefined && source.type === 'directory') await unlink(to); // POSIX refuses a directory onto a file
      await rename(from, to);
    });
  }

  /** Regular files below `root`, relative to it; `[]` when `root` is missing. */
  async files(root: string): Promise<DriverFileList> {
    const entries = await walk(root, true).catch(() => []);
    return { files: entries.filter((entry) => entry.type === 'file').map((entry) => relative(root, entry.path)) };
  }

  /** The directory `fs.temp()` hands out paths in (created by `start`). */
  tempDir = (): string => this.temp();
}

/**
 * The polling-only `WatchPort`: `snapshot` stats every watched path (and its children or
 * descendants) with `lstat`. No `stream`, so there is no native watching
 * (`capabilities.watch.native: false`). Missing paths are left out.
 */
export const hostWatchPort: WatchPort = {
  async snapshot(request: WatchSnapshotRequest): Promise<WatchStatEntry[]> {
    const entries: WatchStatEntry[] = [];
    const add = async (path: string): Promise<Stats | undefined> => {
      const stats = await lstat(path).catch(() => undefined);
      if (stats !== undefined) entries.push({ path, type: typeOf(stats), size: stats.size, mtimeMs: stats.mtimeMs });
      return stats;
    };
    for (const path of request.paths) {
      if (!(await add(path))?.isDirectory()) continue;
      for (const child of await walk(path, request.recursive).catch(() => [])) await add(child.path);
    }
    return entries;
  },
};
