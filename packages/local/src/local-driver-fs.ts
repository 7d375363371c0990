import { type Dirent, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type DirEntry, type FileStat, type FileType, InvalidArgumentError } from '@kode/core';
import type { DriverFileList, DriverFilesHint, DriverFs, DriverReadStream } from '@kode/driver';
import { listRegularFiles } from './glob-walk';
import { errnoCode, mapHostError, mapLookupError } from './host-errors';
import { LOCAL_KIND } from './local-config';
import { ownTempPathFor } from './own-temp-files';
import { hostRealPath, type PathGuard } from './path-guard';

/** Bytes per read of `openReadStream` (one chunk in flight). */
export const LOCAL_STREAM_CHUNK_BYTES = 256 * 1024;

/** The entry type of a `Stats` or `Dirent`. */
export function fileTypeOf(entry: Stats | Dirent): FileType {
  if (entry.isSymbolicLink()) return 'symlink';
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'directory';
  return 'other';
}

/** What {@link LocalDriverFs} needs from its driver. */
export interface LocalFsHost {
  /** Confinement of every path (roots set by `start`). */
  readonly guard: PathGuard;
  /** The sandbox's private temp directory for `fs.temp()` (exists once started). */
  tempDir(): string;
}

/**
 * `DriverFs` on the host file system. Paths arrive absolute, normalised and already confined by
 * the front (`confine`, on real paths, before every operation); argument checks, sorting, glob
 * selection and the `mkdir`/`rm` decisions are the front's. Host errors are mapped by
 * `mapHostError` (`ENOENT` → `FileNotFoundError`, `EISDIR`/`ENOTDIR`/… → `InvalidArgumentError`).
 */
export class LocalDriverFs implements DriverFs {
  /** @param host the owning driver's hooks */
  constructor(private readonly host: LocalFsHost) {}

  /**
   * Raises `PathOutsideSandboxError` unless the real path of `path` (symlinks resolved; for a path
   * that does not exist yet, the real path of its nearest existing ancestor, following dangling
   * links) lies inside `workDir`, an `allowPaths` entry or the private temp directory.
   */
  async confine(path: string, options: { followFinal: boolean }): Promise<void> {
    await this.host.guard.check(path, { followFinal: options.followFinal });
  }

  /** Lexical form of {@link LocalDriverFs.confine} (no I/O). */
  isInside(path: string): boolean {
    return this.host.guard.isInsideLexical(path);
  }

  /** A file's bytes. @throws FileNotFoundError, InvalidArgumentError (a directory) */
  async readBytes(path: string): Promise<Uint8Array> {
    try {
      const buffer = await readFile(path);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      throw mapLookupError(error, { op: 'read', path });
    }
  }

  /**
   * Replaces the file atomically: the data goes to `.<name>.kode-<hex>.tmp` in the target's real
   * directory, which is then renamed over the target (readers see the old or the new content,
   * never a mix; the watch port hides that temporary file). Parent directories are created; an
   * existing file keeps its permission bits; writing through a symlink replaces the link's target.
   * @throws InvalidArgumentError (target is a directory)
   */
  async write(path: string, data: Uint8Array): Promise<void> {
    const real = await hostRealPath(path, { followFinal: true });
    const dir = dirname(real);
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw mapHostError(error, { op: 'write', path });
    }
    let existingMode: number | undefined;
    try {
      const current = await stat(real);
      if (current.isDirectory()) throw new InvalidArgumentError(`write: ${path} is a directory.`, { backend: LOCAL_KIND });
      existingMode = current.mode & 0o7777;
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw mapHostError(error, { op: 'write', path });
    }
    const temp = ownTempPathFor(real);
    try {
      await writeFile(temp, data, { flag: 'wx' });
      if (existingMode !== undefined) await chmod(temp, existingMode);
      await rename(temp, real);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw mapHostError(error, { op: 'write', path });
    }
  }

  /**
   * Opens a file for reading in {@link LOCAL_STREAM_CHUNK_BYTES} chunks, one read per pull (memory
   * O(chunk)); the handle is closed at the end, on cancel and on abort.
   * @throws FileNotFoundError, InvalidArgumentError (a directory)
   */
  async openReadStream(path: string, options: { signal: AbortSignal }): Promise<DriverReadStream> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      throw mapLookupError(error, { op: 'read', path });
    }
    let size: number;
    try {
      const info = await handle.stat();
      if (info.isDirectory()) throw new InvalidArgumentError(`read: ${path} is a directory.`, { backend: LOCAL_KIND });
      size = info.size;
    } catch (error) {
      await handle.close();
      throw error instanceof InvalidArgumentError ? error : mapHostError(error, { op: 'read', path });
    }
    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      await handle.close().catch(() => undefined);
    };
    options.signal.addEventListener('abort', () => void close(), { once: true });
    const stream = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const buffer = new Uint8Array(LOCAL_STREAM_CHUNK_BYTES);
          let bytesRead: number;
          try {
            ({ bytesRead } = await handle.read(buffer, 0, buffer.byteLength, null));
          } catch (error) {
            await close();
            throw mapHostError(error, { op: 'read', path });
          }
          if (bytesRead === 0) {
            await close();
            controller.close();
            return;
          }
          controller.enqueue(bytesRead === buffer.byteLength ? buffer : buffer.subarray(0, bytesRead));
        },
        cancel: close,
      },
      { highWaterMark: 0 },
    );
    return { stream, size };
  }

  /**
   * Writes `source` to `path` (a fresh temporary name the front chose; created exclusively), one
   * chunk at a time, creating parent directories; the front renames it over the target. A failure
   * removes what was written. @throws InvalidArgumentError (a parent is a file)
   */
  async writeStream(path: string, source: AsyncIterable<Uint8Array>, options: { signal: AbortSignal }): Promise<void> {
    try {
      await mkdir(dirname(path), { recursive: true });
    } catch (error) {
      throw mapHostError(error, { op: 'write', path });
    }
    let handle: FileHandle;
    try {
      handle = await open(path, 'wx');
    } catch (error) {
      throw mapHostError(error, { op: 'write', path });
    }
    try {
      for await (const chunk of source) {
        options.signal.throwIfAborted();
        let offset = 0;
        while (offset < chunk.byteLength) {
          const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset, null);
          offset += bytesWritten;
        }
      }
      await handle.close();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlink(path).catch(() => undefined);
      throw error;
    }
  }

  /** `lstat`; `mode` is the permission bits. @throws FileNotFoundError */
  async stat(path: string): Promise<FileStat> {
    try {
      const info = await lstat(path);
      return { type: fileTypeOf(info), size: info.size, mtimeMs: info.mtimeMs, mode: info.mode & 0o777 };
    } catch (error) {
      throw mapLookupError(error, { op: 'stat', path });
    }
  }

  /**
   * Entries of a directory, in no particular order; with `recursive` every descendant (symlinked
   * directories are listed, not entered). @throws FileNotFoundError, InvalidArgumentError (not a directory)
   */
  async list(path: string, options: { recursive: boolean }): Promise<DirEntry[]> {
    const out: DirEntry[] = [];
    const walk = async (dir: string, top: boolean): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (!top && errnoCode(error) === 'ENOENT') return; // vanished while listing
        throw mapHostError(error, { op: 'list', path: dir });
      }
      const nested: Promise<void>[] = [];
      for (const entry of entries) {
        const shown = dir === '/' ? `/${entry.name}` : `${dir}/${entry.name}`;
        const type = fileTypeOf(entry);
        out.push({ name: entry.name, path: shown, type });
        if (options.recursive && type === 'directory') nested.push(walk(shown, false));
      }
      await Promise.all(nested);
    };
    await walk(path, true);
    return out;
  }

  /** Creates a directory (parents too with `recursive`). @throws FileNotFoundError (missing parent) */
  async mkdir(path: string, options: { recursive: boolean }): Promise<void> {
    try {
      await mkdir(path, { recursive: options.recursive });
    } catch (error) {
      throw mapHostError(error, { op: 'mkdir', path });
    }
  }

  /**
   * Removes a file or link (never its target), or a directory tree. Refuses a sandbox root itself
   * (`workDir`, an `allowPaths` entry, the temp directory). @throws InvalidArgumentError (a root)
   */
  async remove(path: string, options: { type: FileStat['type'] }): Promise<void> {
    const real = await hostRealPath(path, { followFinal: false });
    if (this.host.guard.allRoots.some((root) => root.real === real)) {
      throw new InvalidArgumentError(`rm: ${path} is a sandbox root and cannot be removed.`, { backend: LOCAL_KIND });
    }
    try {
      await rm(path, { recursive: options.type === 'directory', force: false });
    } catch (error) {
      throw mapHostError(error, { op: 'rm', path });
    }
  }

  /**
   * Moves `from` to `to` (neither followed if a symlink), replacing a non-directory at `to` and
   * creating its parents. @throws FileNotFoundError (`from` missing), InvalidArgumentError (a directory at `to`)
   */
  async rename(from: string, to: string): Promise<void> {
    try {
      await lstat(from);
    } catch (error) {
      throw mapHostError(error, { op: 'rename', path: from });
    }
    let target: Stats | undefined;
    try {
      target = await lstat(to);
    } catch (error) {
      const code = errnoCode(error);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw mapHostError(error, { op: 'rename', path: to });
    }
    if (target?.isDirectory() === true) {
      throw new InvalidArgumentError(`rename: ${to} is a directory; remove it first or rename into a path inside it.`, { backend: LOCAL_KIND });
    }
    try {
      await mkdir(dirname(to), { recursive: true });
      await rename(from, to);
    } catch (error) {
      throw mapHostError(error, { op: 'rename', path: `${from} -> ${to}` });
    }
  }

  /**
   * Regular files below `root` (symlinks neither followed nor listed); a missing root gives none.
   * Directories the `hint` rules out (ignored, or off the pattern's literal leading path) are not entered.
   */
  async files(root: string, hint?: DriverFilesHint): Promise<DriverFileList> {
    try {
      return { files: await listRegularFiles(root, hint) };
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return { files: [] };
      throw mapHostError(error, { op: 'glob', path: root });
    }
  }

  /** The sandbox's private temp directory (removed by `dispose()`), always inside its reach. */
  tempDir(): string {
    return this.host.tempDir();
  }
}

