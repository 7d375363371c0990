import { randomBytes } from 'node:crypto';
import { type Dirent, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type DirEntry,
  type FileStat,
  type FileType,
  type GlobOptions,
  InvalidArgumentError,
  type ListOptions,
  type MkdirOptions,
  normalizeGlobPattern,
  resolveSandboxPath,
  type RmOptions,
  type SandboxFs,
  selectGlobMatches,
} from '@kode/core';
import picomatch from 'picomatch';
import { listRegularFiles } from './glob-walk';
import { errnoCode, mapHostError, mapLookupError } from './host-errors';
import { LOCAL_KIND } from './local-config';
import { type PathGuard } from './path-guard';

/** What {@link LocalFs} needs from its sandbox. */
export interface FsHost {
  /** Throws `NotInitializedError`/`DisposedError` unless the sandbox is ready. */
  assertReady(): void;
  /** Absolute working directory (the real path once initialised). */
  workDir(): string;
  /** Confinement of every path. */
  readonly guard: PathGuard;
  /** Existing directory (inside the guard's roots) that `temp()` hands out paths in. */
  tempDir(): string;
}

/** The entry type of a `Stats` or `Dirent`. */
export function fileTypeOf(entry: Stats | Dirent): FileType {
  if (entry.isSymbolicLink()) return 'symlink';
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'directory';
  return 'other';
}

function randomSuffix(): string {
  return randomBytes(6).toString('hex');
}

function toBuffer(data: unknown): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new InvalidArgumentError('write data must be a string or a Uint8Array.', { backend: LOCAL_KIND });
}

/**
 * Files of a `LocalSandbox`, on the host file system. Every path is resolved against `workDir`
 * and its real path (symlinks resolved; for a path that does not exist yet, the real path of its
 * nearest existing ancestor) must lie inside `workDir`, an `allowPaths` entry or the sandbox's temp
 * directory, else `PathOutsideSandboxError`. Operations on an entry itself (`stat`, `exists`, `rm`,
 * `rename`) do not follow a symlink in the last component; the others do.
 */
export class LocalFs implements SandboxFs {
  /** @param host the owning sandbox's hooks */
  constructor(private readonly host: FsHost) {}

  /** `path` made absolute against `workDir` and normalised; no I/O. @throws InvalidArgumentError for an empty path */
  resolve(path: string): string {
    this.host.assertReady();
    return resolveSandboxPath(this.host.workDir(), path);
  }

  /** Lexical check of `path` against the roots; the I/O methods additionally check real paths. */
  isInside(path: string): boolean {
    return this.host.guard.isInsideLexical(this.resolve(path));
  }

  /** Reads a file as UTF-8. @throws FileNotFoundError, PathOutsideSandboxError, InvalidArgumentError (a directory) */
  async read(path: string): Promise<string> {
    return (await this.readBuffer(path, 'read')).toString('utf8');
  }

  /** Reads a file's bytes. @throws FileNotFoundError, PathOutsideSandboxError, InvalidArgumentError (a directory) */
  async readBytes(path: string): Promise<Uint8Array> {
    const buffer = await this.readBuffer(path, 'readBytes');
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  /**
   * Replaces the file atomically: the data goes to a temporary file in the same directory, which
   * is then renamed over the target (readers see the old or the new content, never a mix). Parent
   * directories are created; an existing file keeps its permission bits; writing through a symlink
   * replaces the link's target. Strings are written as UTF-8.
   * @throws PathOutsideSandboxError, InvalidArgumentError (bad data, target is a directory)
   */
  async write(path: string, data: string | Uint8Array): Promise<void> {
    const { absolute, real } = await this.checked(path, { op: 'write', followFinal: true });
    const bytes = toBuffer(data);
    const dir = dirname(real);
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw mapHostError(error, { op: 'write', path: absolute });
    }
    let existingMode: number | undefined;
    try {
      const current = await stat(real);
      if (current.isDirectory()) throw new InvalidArgumentError(`write: ${absolute} is a directory.`, { backend: LOCAL_KIND });
      existingMode = current.mode & 0o7777;
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw mapHostError(error, { op: 'write', path: absolute });
    }
    const temp = join(dir, `.${basename(real)}.kode-${randomSuffix()}.tmp`);
    try {
      await writeFile(temp, bytes, { flag: 'wx' });
      if (existingMode !== undefined) await chmod(temp, existingMode);
      await rename(temp, real);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw mapHostError(error, { op: 'write', path: absolute });
    }
  }

  /** Whether the path exists (lstat: a dangling symlink exists). @throws PathOutsideSandboxError */
  async exists(path: string): Promise<boolean> {
    const { real } = await this.checked(path, { op: 'exists', followFinal: false });
    try {
      await lstat(real);
      return true;
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw mapHostError(error, { op: 'exists', path: real });
    }
  }

  /** Metadata with lstat semantics (a symlink is reported, not followed); `mode` is the permission bits. @throws FileNotFoundError, PathOutsideSandboxError */
  async stat(path: string): Promise<FileStat> {
    const { absolute, real } = await this.checked(path, { op: 'stat', followFinal: false });
    try {
      const info = await lstat(real);
      return { type: fileTypeOf(info), size: info.size, mtimeMs: info.mtimeMs, mode: info.mode & 0o777 };
    } catch (error) {
      throw mapLookupError(error, { op: 'stat', path: absolute });
    }
  }

  /**
   * Entries of a directory sorted by path; with `recursive`, every descendant (parents before
   * children; symlinked directories are listed, not entered). Paths are under the path you gave.
   * @throws FileNotFoundError, PathOutsideSandboxError, InvalidArgumentError (not a directory)
   */
  async list(dir: string, options: ListOptions = {}): Promise<DirEntry[]> {
    const { absolute, real } = await this.checked(dir, { op: 'list', followFinal: true });
    const out: DirEntry[] = [];
    const walk = async (hostDir: string, shownDir: string, top: boolean): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(hostDir, { withFileTypes: true });
      } catch (error) {
        if (!top && errnoCode(error) === 'ENOENT') return; // vanished while listing
        throw mapHostError(error, { op: 'list', path: top ? absolute : shownDir });
      }
      const nested: Promise<void>[] = [];
      for (const entry of entries) {
        const shown = shownDir === '/' ? `/${entry.name}` : `${shownDir}/${entry.name}`;
        const type = fileTypeOf(entry);
        out.push({ name: entry.name, path: shown, type });
        if (options.recursive === true && type === 'directory') nested.push(walk(join(hostDir, entry.name), shown, false));
      }
      await Promise.all(nested);
    };
    await walk(real, absolute, true);
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * Creates a directory; with `recursive` (default) also its parents, and an existing directory is
   * fine. @throws FileNotFoundError (missing parent without recursive), InvalidArgumentError (exists), PathOutsideSandboxError
   */
  async mkdir(path: string, options: MkdirOptions = {}): Promise<void> {
    const { absolute, real } = await this.checked(path, { op: 'mkdir', followFinal: true });
    try {
      await mkdir(real, { recursive: options.recursive ?? true });
    } catch (error) {
      throw mapHostError(error, { op: 'mkdir', path: absolute });
    }
  }

  /**
   * Removes a file or symlink (never its target), or a directory with `recursive`. With `force` a
   * missing path is fine. Refuses to remove a sandbox root itself.
   * @throws FileNotFoundError (unless force), InvalidArgumentError (directory without recursive, a root), PathOutsideSandboxError
   */
  async rm(path: string, options: RmOptions = {}): Promise<void> {
    const { absolute, real } = await this.checked(path, { op: 'rm', followFinal: false });
    if (this.host.guard.allRoots.some((root) => root.real === real)) {
      throw new InvalidArgumentError(`rm: ${absolute} is a sandbox root and cannot be removed.`, { backend: LOCAL_KIND });
    }
    try {
      await rm(real, { recursive: options.recursive ?? false, force: options.force ?? false });
    } catch (error) {
      throw mapHostError(error, { op: 'rm', path: absolute });
    }
  }

  /**
   * Moves `from` to `to` (neither is followed if a symlink), replacing a file at `to` and creating
   * its parents. @throws FileNotFoundError, PathOutsideSandboxError, InvalidArgumentError
   */
  async rename(from: string, to: string): Promise<void> {
    const source = await this.checked(from, { op: 'rename', followFinal: false });
    const target = await this.checked(to, { op: 'rename', followFinal: false });
    try {
      await lstat(source.real);
    } catch (error) {
      throw mapHostError(error, { op: 'rename', path: source.absolute });
    }
    try {
      await mkdir(dirname(target.real), { recursive: true });
      await rename(source.real, target.real);
    } catch (error) {
      throw mapHostError(error, { op: 'rename', path: `${source.absolute} -> ${target.absolute}` });
    }
  }

  /**
   * Regular files under `cwd` (default `workDir`) matching `pattern` with picomatch semantics,
   * sorted; symlinks are neither followed nor listed. Relative to `cwd` unless `absolute`.
   * @throws InvalidArgumentError (bad pattern or limit), FileNotFoundError (missing cwd), PathOutsideSandboxError
   */
  async glob(pattern: string, options: GlobOptions = {}): Promise<string[]> {
    const cwd = await this.checked(options.cwd ?? '.', { op: 'glob', followFinal: true });
    const normalized = normalizeGlobPattern(pattern, cwd.absolute);
    if (options.ignore !== undefined && (!Array.isArray(options.ignore) || options.ignore.some((p) => typeof p !== 'string'))) {
      throw new InvalidArgumentError('glob ignore must be an array of patterns.', { backend: LOCAL_KIND });
    }
    let files: string[];
    try {
      files = await listRegularFiles({ root: cwd.real, pattern: normalized, ignore: options.ignore });
    } catch (error) {
      throw mapHostError(error, { op: 'glob', path: cwd.absolute });
    }
    const matches = selectGlobMatches({
      files,
      pattern: normalized,
      ignore: options.ignore,
      dot: options.dot,
      limit: options.limit,
      compile: (p, o) => picomatch(p, o),
    });
    if (options.absolute !== true) return matches;
    return matches.map((file) => (cwd.absolute === '/' ? `/${file}` : `${cwd.absolute}/${file}`));
  }

  /**
   * A fresh absolute path in the sandbox's private temp directory (removed by `dispose()`), which
   * is always inside the sandbox's reach. The directory exists; the path does not.
   * @throws InvalidArgumentError for a prefix with `/` or NUL
   */
  async temp(prefix = 'tmp-'): Promise<string> {
    this.host.assertReady();
    if (typeof prefix !== 'string' || prefix.includes('/') || prefix.includes('\0') || prefix === '.' || prefix === '..') {
      throw new InvalidArgumentError('temp prefix must be a string without "/" or NUL bytes.', { backend: LOCAL_KIND });
    }
    return Promise.resolve(join(this.host.tempDir(), `${prefix}${Date.now().toString(36)}-${randomSuffix()}`));
  }

  private async readBuffer(path: string, op: string): Promise<Buffer> {
    const { absolute, real } = await this.checked(path, { op, followFinal: true });
    try {
      return await readFile(real);
    } catch (error) {
      throw mapLookupError(error, { op, path: absolute });
    }
  }

  /** Resolves `path`, checks its real path and re-checks readiness (the check awaited I/O). */
  private async checked(path: string, options: { op: string; followFinal: boolean }): Promise<{ absolute: string; real: string }> {
    const absolute = this.resolve(path);
    const real = await this.host.guard.check(absolute, options);
    this.host.assertReady();
    return { absolute, real };
  }
}
