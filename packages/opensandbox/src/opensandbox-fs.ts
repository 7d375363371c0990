import { randomBytes } from 'node:crypto';
import type { FileInfo } from '@alibaba-group/opensandbox';
import {
  BackendError,
  FileNotFoundError,
  hasErrorCode,
  InvalidArgumentError,
  normalizeGlobPattern,
  quoteShellArg,
  resolveSandboxPath,
  selectGlobMatches,
  type DirEntry,
  type FileStat,
  type FileType,
  type GlobOptions,
  type ListOptions,
  type MkdirOptions,
  type RmOptions,
  type SandboxFs,
} from '@kode/core';
import picomatch from 'picomatch';
import { runCommandStream } from './command-stream';
import type { OpenSandboxContext } from './context';

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
 * `SandboxFs` on execd's files API. Binary-safe upload and download, `stat` from `getFileInfo`,
 * `list` from one `listDirectory` walk, `glob` from one `find` exec (matching is done here with
 * the shared picomatch semantics, never with the server's basename-only search).
 */
export class OpenSandboxFs implements SandboxFs {
  constructor(private readonly ctx: OpenSandboxContext) {}

  /** Absolute sandbox path for `path` (relative paths join `workDir`). Pure. @throws InvalidArgumentError */
  resolve(path: string): string {
    return resolveSandboxPath(this.ctx.workDir, path);
  }

  /** Always `true`: the whole sandbox is ours. Validates the path. @throws InvalidArgumentError */
  isInside(path: string): boolean {
    this.resolve(path);
    return true;
  }

  /** Reads a file as UTF-8 (one request). @throws FileNotFoundError */
  async read(path: string): Promise<string> {
    return new TextDecoder().decode(await this.readBytes(path));
  }

  /**
   * Reads a file's bytes (one request; a failed read of a directory costs one more).
   * @throws FileNotFoundError @throws InvalidArgumentError when the path is a directory
   */
  async readBytes(path: string): Promise<Uint8Array> {
    const target = this.resolve(path);
    const sdk = this.ctx.client();
    try {
      return await sdk.files.readBytes(target);
    } catch (error) {
      const mapped = this.ctx.toError(error, { operation: `read ${target}`, path: target });
      if (mapped.code === 'FILE_NOT_FOUND') throw mapped;
      // execd answers a directory with a body it never sends (500, or 200 through the server
      // proxy, then a cut connection): tell that apart from a transport failure.
      const info = await this.info(target).catch(() => undefined);
      if (info?.type === 'directory') {
        throw new InvalidArgumentError(`OpenSandbox: read ${target} failed: it is a directory.`, { backend: 'opensandbox', cause: error });
      }
      throw mapped;
    }
  }

  /** Writes (replaces) a file; execd creates parent directories (one request). */
  async write(path: string, data: string | Uint8Array): Promise<void> {
    const target = this.resolve(path);
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw new InvalidArgumentError('fs.write data must be a string or a Uint8Array.', { backend: 'opensandbox' });
    }
    const sdk = this.ctx.client();
    try {
      await sdk.files.writeFiles([{ path: target, data }]);
    } catch (error) {
      throw this.ctx.toError(error, { operation: `write ${target}`, path: target });
    }
  }

  /** Whether the path exists, symlinks not followed (one request). */
  async exists(path: string): Promise<boolean> {
    try {
      await this.info(this.resolve(path));
      return true;
    } catch (error) {
      if (hasErrorCode(error, 'FILE_NOT_FOUND')) return false;
      throw error;
    }
  }

  /** Metadata of a path (`lstat`; one request). @throws FileNotFoundError */
  async stat(path: string): Promise<FileStat> {
    return toStat(await this.info(this.resolve(path)));
  }

  /** Entries of a directory sorted by path; `recursive` walks the whole tree (one request). @throws FileNotFoundError */
  async list(dir: string, options: ListOptions = {}): Promise<DirEntry[]> {
    const target = this.resolve(dir);
    const entries = await this.walk(target, options.recursive === true ? FULL_WALK_DEPTH : 1);
    return entries
      .filter((info) => info.path !== target)
      .map((info) => ({ name: baseName(info.path), path: info.path, type: fileTypeOf(info.type) }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Creates a directory; with `recursive` (default) parents too, and an existing directory is fine. */
  async mkdir(path: string, options: MkdirOptions = {}): Promise<void> {
    const target = this.resolve(path);
    const sdk = this.ctx.client();
    if (options.recursive === false) {
      const siblings = await this.walk(parentOf(target), 1);
      if (siblings.some((info) => info.path === target)) {
        throw new InvalidArgumentError(`Cannot create directory ${target}: it already exists.`, { backend: 'opensandbox' });
      }
    }
    try {
      // mode 0: create with the default permissions and leave an existing directory's mode alone.
      await sdk.files.createDirectories([{ path: target, mode: 0 }]);
    } catch (error) {
      throw this.ctx.toError(error, { operation: `mkdir ${target}`, path: target });
    }
  }

  /** Removes a file, or a directory with `recursive`. @throws FileNotFoundError unless `force` */
  async rm(path: string, options: RmOptions = {}): Promise<void> {
    const target = this.resolve(path);
    if (target === '/') throw new InvalidArgumentError('Refusing to remove /.', { backend: 'opensandbox' });
    let info: FileInfo;
    try {
      info = await this.info(target);
    } catch (error) {
      if (options.force === true && hasErrorCode(error, 'FILE_NOT_FOUND')) return;
      throw error;
    }
    const sdk = this.ctx.client();
    if (info.type === 'directory' && options.recursive !== true) {
      throw new InvalidArgumentError(`Cannot remove ${target}: it is a directory; pass { recursive: true }.`, { backend: 'opensandbox' });
    }
    try {
      if (info.type === 'directory') await sdk.files.deleteDirectories([target]);
      else await sdk.files.deleteFiles([target]);
    } catch (error) {
      throw this.ctx.toError(error, { operation: `rm ${target}`, path: target });
    }
  }

  /** Moves `from` to `to`, replacing a file at `to` and creating its parents. @throws FileNotFoundError */
  async rename(from: string, to: string): Promise<void> {
    const src = this.resolve(from);
    const dest = this.resolve(to);
    const sdk = this.ctx.client();
    try {
      await sdk.files.moveFiles([{ src, dest }]);
      return;
    } catch (error) {
      const mapped = this.ctx.toError(error, { operation: `rename ${src} to ${dest}`, path: src });
      if (mapped.code === 'FILE_NOT_FOUND') throw mapped;
      // execd refuses to overwrite: replace an existing non-directory at `to`, then retry once.
      let existing: FileInfo | undefined;
      try {
        existing = await this.info(dest);
      } catch {
        throw mapped;
      }
      if (existing.type === 'directory') throw mapped;
      try {
        await sdk.files.deleteFiles([dest]);
        await sdk.files.moveFiles([{ src, dest }]);
      } catch (retryError) {
        throw this.ctx.toError(retryError, { operation: `rename ${src} to ${dest}`, path: src });
      }
    }
  }

  /**
   * Paths matching `pattern` with the shared glob semantics: ONE exec of `find <cwd> -type f
   * -print0` (regular files only, symlinks neither followed nor listed), then picomatch here via
   * `selectGlobMatches`. A missing `cwd` gives `[]`.
   */
  async glob(pattern: string, options: GlobOptions = {}): Promise<string[]> {
    const cwd = this.resolve(options.cwd ?? this.ctx.workDir);
    const relativePattern = normalizeGlobPattern(pattern, cwd);
    if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 0)) {
      throw new InvalidArgumentError(`glob limit must be a non-negative integer, got ${String(options.limit)}.`, { backend: 'opensandbox' });
    }
    const files = await this.regularFiles(cwd);
    const matches = selectGlobMatches({
      files,
      pattern: relativePattern,
      ignore: options.ignore,
      dot: options.dot,
      limit: options.limit,
      compile: (p, o) => picomatch(p, o),
    });
    return options.absolute === true ? matches.map((m) => resolveSandboxPath(cwd, m)) : matches;
  }

  /** A fresh path under `/tmp` (which exists in every image); no I/O. @throws InvalidArgumentError for a prefix with `/` */
  temp(prefix = 'tmp-'): Promise<string> {
    return new Promise((resolve) => {
      this.ctx.client();
      if (typeof prefix !== 'string' || prefix.includes('/') || prefix.includes('\0')) {
        throw new InvalidArgumentError('temp prefix must be a string without "/" or NUL.', { backend: 'opensandbox' });
      }
      resolve(`/tmp/${prefix}${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`);
    });
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

  /** Regular files below `root`, relative to it, from one `find` exec; `[]` when `root` is not a directory. */
  private async regularFiles(root: string): Promise<string[]> {
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
    if (end.kind === 'error' && end.value === '3') return [];
    if (end.kind !== 'complete') {
      throw new BackendError(`OpenSandbox: listing the files below ${root} failed (${end.kind === 'error' ? `exit ${end.value}` : end.kind}).`, { backend: 'opensandbox' });
    }
    const files: string[] = [];
    for (const entry of chunks.join('\n').split('\0')) {
      if (entry.startsWith('./') && entry.length > 2) files.push(entry.slice(2));
    }
    return files;
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
