import {
  assertCapability,
  FileNotFoundError,
  hasErrorCode,
  InvalidArgumentError,
  normalizeGlobPattern,
  resolveSandboxPath,
  selectGlobMatches,
  type DirEntry,
  type FileStat,
  type GlobOptions,
  type ListOptions,
  type MkdirOptions,
  type RmOptions,
  type SandboxFs,
  type ByteSource,
  type ReadStreamOptions,
  type WriteStreamOptions,
} from '@kode/core';
import picomatch from 'picomatch';
import { assertOptions, checkBoolean, checkCount } from './arguments';
import type { FrontContext } from './driver-sandbox';
import { FrontFsStreams } from './front-fs-streams';

const byPath = (a: DirEntry, b: DirEntry): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The contract's file rules over a driver's `DriverFs` (docs/contract.md, rules 5–7 and 17):
 * paths resolved against `workDir` and checked, listings sorted, glob selected here with picomatch,
 * `exists` from `stat`, `mkdir`/`rm` decided from `stat`, idempotent calls retried.
 */
export class FrontFs implements SandboxFs {
  readonly #ctx: FrontContext;
  readonly #streams: FrontFsStreams;

  /** @internal built by `DriverSandbox` */
  constructor(context: FrontContext) {
    this.#ctx = context;
    this.#streams = new FrontFsStreams(context, (path, operation, entryItself) => this.#target(path, operation, entryItself));
  }

  /** For `dispose()`: waits (bounded) until stopped `writeStream`s removed their temporary files. Never rejects. @internal */
  settleWrites(): Promise<void> {
    return this.#streams.settleWrites();
  }

  /** Absolute sandbox path for `path` (relative paths join `workDir`). Pure. @throws InvalidArgumentError for an empty path or one with NUL */
  resolve(path: string): string {
    return resolveSandboxPath(this.#ctx.workDir(), path);
  }

  /** Whether `path` lies inside the sandbox's reach (lexical; confined backends check real paths on I/O). */
  isInside(path: string): boolean {
    const absolute = this.resolve(path);
    return this.#ctx.driver.fs.isInside?.(absolute) ?? true;
  }

  /** Reads a file as UTF-8 (a byte order mark is kept: it is part of the file). @throws FileNotFoundError, InvalidArgumentError (a directory) */
  async read(path: string): Promise<string> {
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(await this.#readBytes(path));
  }

  /**
   * Reads a file's bytes. Retried on transient failures.
   * @throws UnsupportedCapabilityError (`fs.binary` declared absent), FileNotFoundError, InvalidArgumentError (a directory)
   */
  async readBytes(path: string): Promise<Uint8Array> {
    assertCapability(this.#ctx.driver.capabilities, 'fs.binary', this.#ctx.backend);
    return this.#readBytes(path);
  }

  async #readBytes(path: string): Promise<Uint8Array> {
    const target = await this.#target(path, 'read', false);
    return this.#ctx.call(`read ${target}`, () => this.#ctx.driver.fs.readBytes(target), { idempotent: true });
  }

  /**
   * Replaces a file, creating parent directories; strings are written as UTF-8. Retried (a whole-file write is idempotent).
   * @throws UnsupportedCapabilityError (a `Uint8Array` with `fs.binary` declared absent), InvalidArgumentError
   */
  async write(path: string, data: string | Uint8Array): Promise<void> {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw new InvalidArgumentError('fs.write data must be a string or a Uint8Array.', { backend: this.#ctx.backend });
    }
    if (typeof data !== 'string') assertCapability(this.#ctx.driver.capabilities, 'fs.binary', this.#ctx.backend);
    const target = await this.#target(path, 'write', false);
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    await this.#ctx.call(`write ${target}`, () => this.#ctx.driver.fs.write(target, bytes), { idempotent: true });
  }

  /** Whether the path exists (a dangling symlink counts; a path under a regular file does not). */
  async exists(path: string): Promise<boolean> {
    try {
      await this.stat(path);
      return true;
    } catch (error) {
      if (hasErrorCode(error, 'FILE_NOT_FOUND')) return false;
      throw error;
    }
  }

  /** Metadata of a path; a symlink is reported as `symlink`. @throws FileNotFoundError */
  async stat(path: string): Promise<FileStat> {
    const target = await this.#target(path, 'stat', true);
    return this.#statTarget(target);
  }

  /** Entries of a directory, sorted by path (every descendant with `recursive`). @throws FileNotFoundError, InvalidArgumentError (not a directory) */
  async list(dir: string, options?: ListOptions): Promise<DirEntry[]> {
    const o = assertOptions(options, { name: 'fs.list options', known: ['recursive'], backend: this.#ctx.backend });
    const recursive = checkBoolean(o.recursive, { name: 'fs.list recursive', backend: this.#ctx.backend }) ?? false;
    const target = await this.#target(dir, 'list', false);
    const entries = await this.#ctx.call(`list ${target}`, () => this.#ctx.driver.fs.list(target, { recursive }), { idempotent: true });
    return entries.filter((entry) => entry.path !== target).sort(byPath);
  }

  /**
   * Creates a directory; with `recursive` (default) parents too, and an existing directory is
   * fine. A non-directory at `path` raises `InvalidArgumentError`, as does an existing directory
   * without `recursive`.
   */
  async mkdir(path: string, options?: MkdirOptions): Promise<void> {
    const o = assertOptions(options, { name: 'fs.mkdir options', known: ['recursive'], backend: this.#ctx.backend });
    const recursive = checkBoolean(o.recursive, { name: 'fs.mkdir recursive', backend: this.#ctx.backend }) ?? true;
    const target = await this.#target(path, 'mkdir', true);
    const existing = await this.#statOrUndefined(target);
    if (existing !== undefined) {
      if (existing.type !== 'directory') {
        throw new InvalidArgumentError(`Cannot create directory ${target}: a ${existing.type} is in the way.`, { backend: this.#ctx.backend });
      }
      if (!recursive) throw new InvalidArgumentError(`Cannot create directory ${target}: it already exists.`, { backend: this.#ctx.backend });
      return;
    }
    await this.#ctx.call(`mkdir ${target}`, () => this.#ctx.driver.fs.mkdir(target, { recursive }), { idempotent: true });
  }

  /**
   * Removes a file or link, or a directory with `recursive`. Refuses `/`.
   * @throws FileNotFoundError unless `force`; InvalidArgumentError for a directory without `recursive`
   */
  async rm(path: string, options?: RmOptions): Promise<void> {
    const backend = this.#ctx.backend;
    const o = assertOptions(options, { name: 'fs.rm options', known: ['recursive', 'force'], backend });
    const recursive = checkBoolean(o.recursive, { name: 'fs.rm recursive', backend }) ?? false;
    const force = checkBoolean(o.force, { name: 'fs.rm force', backend }) ?? false;
    const target = await this.#target(path, 'rm', true);
    if (target === '/') throw new InvalidArgumentError('Refusing to remove /.', { backend });
    const existing = await this.#statOrUndefined(target);
    if (existing === undefined) {
      if (force) return;
      throw new FileNotFoundError(`Cannot remove ${target}: no such file or directory.`, { backend, path: target });
    }
    if (existing.type === 'directory' && !recursive) {
      throw new InvalidArgumentError(`Cannot remove ${target}: it is a directory; pass { recursive: true }.`, { backend });
    }
    await this.#ctx.call(`rm ${target}`, () => this.#ctx.driver.fs.remove(target, { type: existing.type }), { idempotent: true });
  }

  /** Moves `from` to `to`, replacing a file at `to` and creating its parents. @throws FileNotFoundError, InvalidArgumentError (a directory at `to`) */
  async rename(from: string, to: string): Promise<void> {
    const source = await this.#target(from, 'rename', true);
    const dest = await this.#target(to, 'rename', true);
    // Decided once for every backend (docs/contract.md, rule 17): a directory at `to` is never replaced.
    if ((await this.#statOrUndefined(dest))?.type === 'directory') {
      throw new InvalidArgumentError(`Cannot rename ${source} to ${dest}: a directory is in the way.`, { backend: this.#ctx.backend });
    }
    await this.#ctx.call(`rename ${source} to ${dest}`, () => this.#ctx.driver.fs.rename(source, dest));
  }

  /**
   * Paths matching `pattern`, sorted: picomatch on POSIX paths relative to `cwd`, `**` crosses
   * directories, dotfiles only with `dot`, regular files only, `ignore` prunes, `limit` keeps the
   * first ones. One driver call lists the candidates. A missing `cwd` gives `[]`.
   */
  async glob(pattern: string, options?: GlobOptions): Promise<string[]> {
    const backend = this.#ctx.backend;
    const o = assertOptions(options, { name: 'fs.glob options', known: ['cwd', 'ignore', 'dot', 'absolute', 'limit'], backend });
    if (typeof pattern !== 'string' || pattern === '') throw new InvalidArgumentError('glob pattern must be a non-empty string.', { backend });
    const ignore = o.ignore;
    if (ignore !== undefined && (!Array.isArray(ignore) || ignore.some((p) => typeof p !== 'string'))) {
      throw new InvalidArgumentError('glob ignore must be an array of patterns.', { backend });
    }
    const dot = checkBoolean(o.dot, { name: 'glob dot', backend });
    const absolute = checkBoolean(o.absolute, { name: 'glob absolute', backend }) ?? false;
    const limit = checkCount(o.limit, { name: 'glob limit', backend });
    if (o.cwd !== undefined && typeof o.cwd !== 'string') throw new InvalidArgumentError('glob cwd must be a string.', { backend });
    const cwd = await this.#target((o.cwd) ?? this.#ctx.workDir(), 'glob', false);
    const relativePattern = normalizeGlobPattern(pattern, cwd);
    const hint = { pattern: relativePattern, ignore: (ignore as string[] | undefined) ?? [] };
    const { files } = await this.#ctx.call(`glob in ${cwd}`, () => this.#ctx.driver.fs.files(cwd, hint), { idempotent: true });
    const matches = selectGlobMatches({
      files,
      pattern: relativePattern,
      ignore: ignore as string[] | undefined,
      dot,
      limit,
      compile: (p, opts) => picomatch(p, opts),
    });
    return absolute ? matches.map((m) => resolveSandboxPath(cwd, m)) : matches;
  }

  /** A fresh absolute path for temporary data; its parent exists, the path does not. No I/O. @throws InvalidArgumentError for a prefix with `/` or NUL */
  async temp(prefix = 'tmp-'): Promise<string> {
    if (typeof prefix !== 'string' || prefix.includes('/') || prefix.includes('\0')) {
      throw new InvalidArgumentError('temp prefix must be a string without "/" or NUL.', { backend: this.#ctx.backend });
    }
    this.#ctx.assertUsable();
    return Promise.resolve(`${this.#ctx.driver.fs.tempDir()}/${prefix}${Date.now().toString(36)}-${randomHex(6)}`);
  }

  /**
   * Reads a file as a stream of chunks in O(chunk) memory, with progress and abort (capability `fs.streaming`).
   * @throws UnsupportedCapabilityError, FileNotFoundError, InvalidArgumentError (a directory)
   */
  readStream(path: string, options?: ReadStreamOptions): Promise<ReadableStream<Uint8Array>> {
    return this.#streams.readStream(path, options);
  }

  /**
   * Writes a file from a stream of chunks in O(chunk) memory; `path` only ever holds the old or the
   * complete new content (capability `fs.streaming`). Never retried.
   * @throws UnsupportedCapabilityError, InvalidArgumentError (a directory at `path`, a bad chunk)
   */
  writeStream(path: string, source: ByteSource, options?: WriteStreamOptions): Promise<{ bytes: number }> {
    return this.#streams.writeStream(path, source, options);
  }

  async #statTarget(target: string): Promise<FileStat> {
    return this.#ctx.call(`stat ${target}`, () => this.#ctx.driver.fs.stat(target), { idempotent: true });
  }

  async #statOrUndefined(target: string): Promise<FileStat | undefined> {
    try {
      return await this.#statTarget(target);
    } catch (error) {
      if (hasErrorCode(error, 'FILE_NOT_FOUND')) return undefined;
      throw error;
    }
  }

  /** Resolves, checks readiness and (confined backends) confinement. */
  async #target(path: string, operation: string, entryItself: boolean): Promise<string> {
    const target = this.resolve(path);
    this.#ctx.assertUsable();
    const confine = this.#ctx.driver.fs.confine?.bind(this.#ctx.driver.fs);
    if (confine !== undefined) {
      await this.#ctx.call(`${operation} ${target}`, () => confine(target, { followFinal: !entryItself }), { track: false });
    }
    return target;
  }
}
