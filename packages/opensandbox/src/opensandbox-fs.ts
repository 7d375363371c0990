import type { FileInfo } from '@alibaba-group/opensandbox';
import { BackendError, FileNotFoundError, InvalidArgumentError, quoteShellArg, type DirEntry, type FileStat, type FileType } from '@kode/core';
import type { DriverFileList, DriverFs, DriverReadStream } from '@kode/driver';
import { runCommandStream } from './command-stream';
import type { OpenSandboxContext } from './context';
import { openDownloadStream, uploadStream } from './execd-files-stream';

/** Depth passed to execd's `GET /directories/list` for a full walk. */
export const FULL_WALK_DEPTH = 4096;
/** Server-side limit of the `find` behind one glob. */
const GLOB_TIMEOUT_SECONDS = 300;

function fileTypeOf(type: unknown): FileType {
  return type === 'file' || type === 'directory' || type === 'symlink' ? type : 'other';
}

/** execd reports permissions as an integer whose decimal digits are the octal bits (755); returns the bits (0o755). */
export function modeFromOctalDigits(mode: unknown): number {
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0) return 0;
  const bits = Number.parseInt(String(mode), 8);
  return Number.isNaN(bits) ? 0 : bits;
}

function baseName(path: string): string {
  const parts = path.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? '/';
}

function parentOf(path: string): string {
  const index = path.lastIndexOf('/');
  return index <= 0 ? '/' : path.slice(0, index);
}

function toStat(info: FileInfo): FileStat {
  return {
    type: fileTypeOf(info.type),
    size: typeof info.size === 'number' ? info.size : 0,
    mtimeMs: info.modifiedAt instanceof Date ? info.modifiedAt.getTime() : 0,
    mode: modeFromOctalDigits(info.mode),
  };
}

/**
 * `DriverFs` on execd's files API: binary-safe upload and download, `stat` from `getFileInfo`,
 * `list` from one `listDirectory` walk, glob candidates from one `find` exec. Paths arrive
 * absolute; checks, sorting and glob matching are the front's.
 */
export class OpenSandboxDriverFs implements DriverFs {
  constructor(private readonly ctx: OpenSandboxContext) {}

  /** A file's bytes (one request; a directory is reported as `InvalidArgumentError`). */
  async readBytes(target: string): Promise<Uint8Array> {
    const sdk = this.ctx.client();
    try {
      return await sdk.files.readBytes(target);
    } catch (error) {
      const mapped = this.ctx.toError(error, { operation: `read ${target}`, path: target });
      if (mapped.code === 'FILE_NOT_FOUND') throw mapped;
      // Real execd answers a directory download with a 500 or a cut response: ask what the path is.
      const info = await this.info(target).catch(() => undefined);
      if (info?.type === 'directory') throw new InvalidArgumentError(`Cannot read ${target}: it is a directory.`, { backend: 'opensandbox' });
      throw mapped;
    }
  }

  /** Writes (replaces) a file; execd creates parent directories (one request). */
  async write(target: string, data: Uint8Array): Promise<void> {
    const sdk = this.ctx.client();
    try {
      await sdk.files.writeFiles([{ path: target, data }]);
    } catch (error) {
      throw this.ctx.toError(error, { operation: `write ${target}`, path: target });
    }
  }

  /**
   * Opens a file for streaming: `getFileInfo` first (a missing path or a directory is refused
   * before any byte, and gives the size), then one `GET /files/download` whose body is handed over
   * as it arrives (memory O(chunk)); aborting `signal` closes the connection.
   * @throws FileNotFoundError, InvalidArgumentError (a directory)
   */
  async openReadStream(target: string, options: { signal: AbortSignal }): Promise<DriverReadStream> {
    const info = await this.info(target);
    if (info.type === 'directory') throw new InvalidArgumentError(`Cannot read ${target}: it is a directory.`, { backend: 'opensandbox' });
    try {
      const stream = await openDownloadStream(this.ctx.client(), target, options.signal);
      return typeof info.size === 'number' ? { stream, size: info.size } : { stream };
    } catch (error) {
      if (options.signal.aborted) throw error;
      throw this.ctx.toError(error, { operation: `read ${target}`, path: target });
    }
  }

  /**
   * Streams `source` to `target` as one multipart `POST /files/upload` over the SDK's base URL and
   * headers with backpressure (memory O(chunk); see `uploadStream`); execd creates parent
   * directories. Aborting `signal` destroys the request.
   */
  async writeStream(target: string, source: AsyncIterable<Uint8Array>, options: { signal: AbortSignal }): Promise<void> {
    try {
      await uploadStream({ sdk: this.ctx.client(), path: target, source, signal: options.signal });
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason;
      throw this.ctx.toError(error, { operation: `write ${target}`, path: target });
    }
  }

  /** Metadata of a path (`lstat`; one request). @throws FileNotFoundError */
  async stat(target: string): Promise<FileStat> {
    return toStat(await this.info(target));
  }

  /** Entries of a directory, or of the whole tree with `recursive` (one request). */
  async list(target: string, options: { recursive: boolean }): Promise<DirEntry[]> {
    const entries = await this.walk(target, options.recursive ? FULL_WALK_DEPTH : 1);
    return entries.map((info) => ({ name: baseName(info.path), path: info.path, type: fileTypeOf(info.type) }));
  }

  /** Creates a directory (parents too; mode 0 = the server's default). */
  async mkdir(target: string, options: { recursive: boolean }): Promise<void> {
    const sdk = this.ctx.client();
    if (!options.recursive) await this.info(parentOf(target)); // FILE_NOT_FOUND when the parent is missing
    try {
      await sdk.files.createDirectories([{ path: target, mode: 0 }]);
    } catch (error) {
      throw this.ctx.toError(error, { operation: `mkdir ${target}`, path: target });
    }
  }

  /** Removes an entry the front has stat-ed (one request); a symbolic link itself, never its target. */
  async remove(target: string, options: { type: FileType }): Promise<void> {
    // execd's DELETE /files follows links (a link to a directory is "a directory", a dangling one
    // "missing" and left alone), so a link itself is removed with `rm` in the sandbox.
    if (options.type === 'symlink') return this.removeLink(target);
    const sdk = this.ctx.client();
    try {
      if (options.type === 'directory') await sdk.files.deleteDirectories([target]);
      else await sdk.files.deleteFiles([target]);
    } catch (error) {
      throw this.ctx.toError(error, { operation: `rm ${target}`, path: target });
    }
  }

  /** Moves `src` to `dest`, replacing a non-directory at `dest` (execd refuses to overwrite, so it is deleted first). */
  async rename(src: string, dest: string): Promise<void> {
    const sdk = this.ctx.client();
    try {
      await sdk.files.moveFiles([{ src, dest }]);
      return;
    } catch (error) {
      const mapped = this.ctx.toError(error, { operation: `rename ${src} to ${dest}`, path: src });
      if (mapped.code === 'FILE_NOT_FOUND') throw mapped;
      let existing: FileInfo | undefined;
      try {
        existing = await this.info(dest);
      } catch {
        throw mapped;
      }
      if (existing.type === 'directory') {
        throw new InvalidArgumentError(`Cannot rename ${src} to ${dest}: a directory is in the way.`, { backend: 'opensandbox', cause: mapped });
      }
      try {
        await sdk.files.deleteFiles([dest]);
        await sdk.files.moveFiles([{ src, dest }]);
      } catch (retryError) {
        throw this.ctx.toError(retryError, { operation: `rename ${src} to ${dest}`, path: src });
      }
    }
  }

  /** Regular files below `root` from ONE `find` exec (symlinks neither followed nor listed); `[]` when `root` is not a directory. */
  async files(root: string): Promise<DriverFileList> {
    const chunks: string[] = [];
    const result = await runCommandStream({
      sdk: this.ctx.client(),
      command: `cd -- ${quoteShellArg(root)} 2>/dev/null || exit 3; find . -type f -print0 2>/dev/null; exit 0`,
      options: { workingDirectory: '/', timeoutSeconds: GLOB_TIMEOUT_SECONDS },
      onLine: (stream, line) => {
        if (stream === 'stdout') chunks.push(line);
      },
    });
    const { end } = result;
    if (end.kind === 'failed') throw this.ctx.toError(end.error, { operation: `glob in ${root}` });
    if (end.kind === 'error' && end.value === '3') return { files: [] };
    if (end.kind !== 'complete') {
      // A cut or stalled listing changed nothing: the same call may succeed (the front retries it).
      throw new BackendError(`OpenSandbox: listing the files below ${root} failed (${end.kind === 'error' ? `exit ${end.value}` : end.kind}).`, {
        backend: 'opensandbox',
        retryable: end.kind === 'cut' || end.kind === 'deadline',
      });
    }
    const files: string[] = [];
    for (const entry of chunks.join('\n').split('\0')) {
      if (entry.startsWith('./') && entry.length > 2) files.push(entry.slice(2));
    }
    return { files };
  }

  /** `/tmp`, which exists in every image. */
  tempDir(): string {
    return '/tmp';
  }

  private async info(target: string): Promise<FileInfo> {
    const sdk = this.ctx.client();
    let infos: Record<string, FileInfo>;
    try {
      infos = await sdk.files.getFileInfo([target]);
    } catch (error) {
      throw this.ctx.toError(error, { operation: `stat ${target}`, path: target });
    }
    const info = infos[target] ?? Object.values(infos)[0];
    if (!info) throw new FileNotFoundError(`OpenSandbox: no such file or directory: ${target}`, { backend: 'opensandbox', path: target });
    return info;
  }

  /** Removes the symbolic link `target` itself (never what it points to) with one `rm -f`. */
  private async removeLink(target: string): Promise<void> {
    const result = await runCommandStream({
      sdk: this.ctx.client(),
      command: `rm -f -- ${quoteShellArg(target)}`,
      options: { workingDirectory: '/', timeoutSeconds: GLOB_TIMEOUT_SECONDS },
      onLine: () => undefined,
    });
    const { end } = result;
    if (end.kind === 'failed') throw this.ctx.toError(end.error, { operation: `rm ${target}`, path: target });
    if (end.kind !== 'complete') {
      throw new BackendError(`OpenSandbox: removing the link ${target} failed (${end.kind === 'error' ? `exit ${end.value}` : end.kind}).`, { backend: 'opensandbox' });
    }
  }

  private async walk(root: string, depth: number): Promise<FileInfo[]> {
    const sdk = this.ctx.client();
    try {
      return await sdk.files.listDirectory({ path: root, depth });
    } catch (error) {
      if ((error as { statusCode?: unknown }).statusCode === 400) {
        throw new InvalidArgumentError(`Cannot list ${root}: it is not a directory.`, { backend: 'opensandbox', cause: error });
      }
      throw this.ctx.toError(error, { operation: `list ${root}`, path: root });
    }
  }
}
