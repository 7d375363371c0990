import { randomUUID } from 'node:crypto';
import { FileType as E2BFileType, type EntryInfo } from 'e2b';
import picomatch from 'picomatch';
import {
  FileNotFoundError,
  InvalidArgumentError,
  normalizeGlobPattern,
  normalizePosixPath,
  relativePosixPath,
  resolveSandboxPath,
  selectGlobMatches,
  UnsupportedCapabilityError,
  type DirEntry,
  type FileStat,
  type GlobOptions,
  type ListOptions,
  type MkdirOptions,
  type RmOptions,
  type SandboxFs,
} from '@kode/core';
import type { E2BContext } from './e2b-context';
import { entryMode, entryType } from './entry-type';
import { listDirEntries, type ListedEntry } from './envd-list';

/** `files.list` depth meaning "everything" (envd walks with Go's WalkDir; no symlinks followed). */
const UNLIMITED_DEPTH = 4096;

function parentOf(path: string): string {
  const index = path.lastIndexOf('/');
  return index <= 0 ? '/' : path.slice(0, index);
}

/**
 * Files of an E2B sandbox through the `e2b` client's `files.*` (envd's Filesystem service and
 * `/files`). Any absolute path is the sandbox's; relative paths resolve against `workDir`.
 */
export class E2BFs implements SandboxFs {
  constructor(private readonly context: E2BContext) {}

  /** Absolute sandbox path for `path`. Pure. @throws InvalidArgumentError for empty or NUL-containing paths */
  resolve(path: string): string {
    return resolveSandboxPath(this.context.workDir, path);
  }

  /** Remote sandboxes own every path: always `true` (after validating the path). */
  isInside(path: string): boolean {
    this.resolve(path);
    return true;
  }

  /** UTF-8 text of a file. @throws FileNotFoundError */
  async read(path: string): Promise<string> {
    const abs = this.resolve(path);
    try {
      return await this.context.client().files.read(abs, { format: 'text' });
    } catch (error) {
      throw this.context.fail(error, { operation: `read ${abs}`, path: abs });
    }
  }

  /** Bytes of a file. @throws FileNotFoundError */
  async readBytes(path: string): Promise<Uint8Array> {
    const abs = this.resolve(path);
    try {
      return await this.context.client().files.read(abs, { format: 'bytes' });
    } catch (error) {
      throw this.context.fail(error, { operation: `read ${abs}`, path: abs });
    }
  }

  /** Replaces a file (envd creates parent directories). @throws InvalidArgumentError when `path` is a directory */
  async write(path: string, data: string | Uint8Array): Promise<void> {
    const abs = this.resolve(path);
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new InvalidArgumentError('fs.write data must be a string or a Uint8Array.', { backend: 'e2b' });
    const body = typeof data === 'string' ? data : data.slice().buffer;
    try {
      await this.context.client().files.write(abs, body);
    } catch (error) {
      throw this.context.fail(error, { operation: `write ${abs}`, path: abs });
    }
  }

  /**
   * Whether the path exists (`lstat`: a dangling symlink exists). A path under a regular file does
   * not exist (envd answers it with an internal error, mapped to not-found).
   */
  async exists(path: string): Promise<boolean> {
    const abs = this.resolve(path);
    try {
      return await this.context.client().files.exists(abs);
    } catch (error) {
      const mapped = this.context.fail(error, { operation: `stat ${abs}`, path: abs });
      if (FileNotFoundError.isInstance(mapped)) return false;
      throw mapped;
    }
  }

  private async info(abs: string): Promise<EntryInfo> {
    try {
      return await this.context.client().files.getInfo(abs);
    } catch (error) {
      throw this.context.fail(error, { operation: `stat ${abs}`, path: abs });
    }
  }

  /**
   * Type, size, mtime and permission bits with `lstat` semantics: a symbolic link (dangling or
   * not) is `symlink` with the link's own bits. envd types a link by its target, so the type comes
   * from envd's `permissions` string (the `lstat` mode, `Lrwxrwxrwx` for a link).
   * @throws FileNotFoundError (missing, or under a regular file)
   */
  async stat(path: string): Promise<FileStat> {
    const abs = this.resolve(path);
    const info = await this.info(abs);
    return { type: entryType(info), size: info.size, mtimeMs: info.modifiedTime?.getTime() ?? 0, mode: entryMode(info) };
  }

  private async listEntries(abs: string, depth: number): Promise<ListedEntry[]> {
    try {
      return await listDirEntries(this.context.client(), { path: abs, depth });
    } catch (error) {
      throw this.context.fail(error, { operation: `list ${abs}`, path: abs });
    }
  }

  /**
   * Entries of a directory (all descendants with `recursive`; links listed, not entered), sorted
   * by path; dangling links included, every link typed `symlink`; one request. @throws FileNotFoundError
   */
  async list(dir: string, options: ListOptions = {}): Promise<DirEntry[]> {
    const abs = this.resolve(dir);
    const entries = await this.listEntries(abs, options.recursive ? UNLIMITED_DEPTH : 1);
    return entries
      .map((e): DirEntry => ({ name: e.name, path: normalizePosixPath(e.path), type: e.type }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Creates a directory (parents too unless `recursive: false`). */
  async mkdir(path: string, options: MkdirOptions = {}): Promise<void> {
    const abs = this.resolve(path);
    const client = this.context.client();
    if (options.recursive === false) {
      const parent = parentOf(abs);
      const parentInfo = await this.info(parent).catch((error: unknown) => {
        if (FileNotFoundError.isInstance(error)) throw new FileNotFoundError(`Cannot create ${abs}: parent directory ${parent} does not exist.`, { backend: 'e2b', path: parent });
        throw error;
      });
      // envd types a link by its target: a link to a directory is a fine parent.
      if (parentInfo.type !== E2BFileType.DIR) throw new InvalidArgumentError(`Cannot create ${abs}: ${parent} is not a directory.`, { backend: 'e2b' });
    }
    let created: boolean;
    try {
      created = await client.files.makeDir(abs);
    } catch (error) {
      throw this.context.fail(error, { operation: `mkdir ${abs}`, path: abs });
    }
    if (!created && options.recursive === false) throw new InvalidArgumentError(`Cannot create ${abs}: it already exists.`, { backend: 'e2b' });
  }

  /**
   * Removes a file or a symbolic link (never what it points to, dangling or not), or a directory
   * with `recursive`. @throws FileNotFoundError unless `force`
   */
  async rm(path: string, options: RmOptions = {}): Promise<void> {
    const abs = this.resolve(path);
    if (abs === '/') throw new InvalidArgumentError('Refusing to remove the sandbox root /.', { backend: 'e2b' });
    let info: EntryInfo;
    try {
      info = await this.info(abs);
    } catch (error) {
      if (options.force && FileNotFoundError.isInstance(error)) return;
      throw error;
    }
    if (entryType(info) === 'directory' && !options.recursive) {
      throw new InvalidArgumentError(`Cannot remove ${abs}: it is a directory; pass { recursive: true }.`, { backend: 'e2b' });
    }
    try {
      await this.context.client().files.remove(abs);
    } catch (error) {
      throw this.context.fail(error, { operation: `remove ${abs}`, path: abs });
    }
  }

  /** Moves `from` to `to` (replacing a file there; envd creates `to`'s parents). @throws FileNotFoundError */
  async rename(from: string, to: string): Promise<void> {
    const src = this.resolve(from);
    const dest = this.resolve(to);
    try {
      await this.context.client().files.rename(src, dest);
    } catch (error) {
      throw this.context.fail(error, { operation: `rename ${src} to ${dest}`, path: src });
    }
  }

  /**
   * Regular files matching `pattern` under `cwd`: ONE `files.list` of the whole subtree, then the
   * shared `normalizeGlobPattern` + `selectGlobMatches` + picomatch semantics. A missing `cwd` matches nothing.
   */
  async glob(pattern: string, options: GlobOptions = {}): Promise<string[]> {
    const cwd = this.resolve(options.cwd ?? '.');
    const relativePattern = normalizeGlobPattern(pattern, cwd);
    let entries: ListedEntry[];
    try {
      entries = await this.listEntries(cwd, UNLIMITED_DEPTH);
    } catch (error) {
      if (FileNotFoundError.isInstance(error)) return [];
      throw error;
    }
    const files: string[] = [];
    for (const entry of entries) {
      if (entry.type !== 'file') continue;
      const path = normalizePosixPath(entry.path);
      if (!path.startsWith(cwd === '/' ? '/' : `${cwd}/`)) continue;
      files.push(relativePosixPath(cwd, path));
    }
    const matches = selectGlobMatches({
      files,
      pattern: relativePattern,
      ignore: options.ignore,
      dot: options.dot,
      limit: options.limit,
      compile: (p, o) => picomatch(p, o),
    });
    return options.absolute ? matches.map((m) => normalizePosixPath(`${cwd}/${m}`)) : matches;
  }

  /** A fresh path under `/tmp` that does not exist yet; `/tmp` exists. No I/O. */
  temp(prefix = 'tmp-'): Promise<string> {
    try {
      this.context.client();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (typeof prefix !== 'string' || prefix.includes('/') || prefix.includes('\0')) {
      return Promise.reject(new InvalidArgumentError('fs.temp prefix must be a string without "/".', { backend: 'e2b' }));
    }
    return Promise.resolve(`/tmp/${prefix}${randomUUID()}`);
  }

  /** Not yet on E2B (`fs.streaming` is declared false). @throws UnsupportedCapabilityError */
  readStream(): Promise<ReadableStream<Uint8Array>> {
    return Promise.reject(new UnsupportedCapabilityError('The e2b backend does not support fs.streaming.', { backend: 'e2b', capability: 'fs.streaming' }));
  }

  /** Not yet on E2B (`fs.streaming` is declared false). @throws UnsupportedCapabilityError */
  writeStream(): Promise<{ bytes: number }> {
    return Promise.reject(new UnsupportedCapabilityError('The e2b backend does not support fs.streaming.', { backend: 'e2b', capability: 'fs.streaming' }));
  }
}
