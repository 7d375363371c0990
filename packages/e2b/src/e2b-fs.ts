import { FileType as E2BFileType, type EntryInfo, type Sandbox as E2BClient } from 'e2b';
import { FileNotFoundError, InvalidArgumentError, normalizePosixPath, relativePosixPath, type DirEntry, type FileStat } from '@kode/core';
import type { DriverFileList, DriverFs, DriverReadStream } from '@kode/driver';
import type { E2BContext } from './e2b-context';
import { entryMode, entryType } from './entry-type';
import { uploadStream } from './e2b-upload';
import { listDirEntries, type ListedEntry } from './envd-list';

/** `files.list` depth meaning "everything" (envd walks with Go's WalkDir; no symlinks followed). */
const UNLIMITED_DEPTH = 4096;

/** Where `fs.temp()` hands out paths (exists in every E2B template). */
const TEMP_DIR = '/tmp';

function parentOf(path: string): string {
  const index = path.lastIndexOf('/');
  return index <= 0 ? '/' : path.slice(0, index);
}

/** How often a streamed upload checks that envd has opened its file, in ms. */
const OPEN_POLL_MS = 20;

/** How long a streamed upload waits for envd to open its file before sending on regardless, in ms. */
const OPEN_WAIT_MS = 5_000;

/** How long a failed streamed upload waits for a late open of its file (to remove it), in ms. */
const LATE_OPEN_WAIT_MS = 1_000;

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
/** Polls until `path` exists (true), `ms` pass or `signal` aborts (false). Never throws. */
async function waitForFile(client: E2BClient, path: string, options: { ms: number; signal: AbortSignal }): Promise<boolean> {
  const deadline = Date.now() + options.ms;
  for (;;) {
    if (await client.files.exists(path).catch(() => false)) return true;
    if (Date.now() >= deadline || options.signal.aborted) return false;
    await delay(OPEN_POLL_MS, options.signal);
  }
}

/**
 * The file part of the E2B driver, through the `e2b` client's `files.*` (envd's Filesystem
 * service and `/files`). Paths arrive absolute and normalised from the front (`@kode/driver`),
 * which owns argument checks, sorting and glob selection. Remote sandboxes own every path, so
 * there is no `confine`. Errors are mapped with `mapE2BError` (ENOTDIR lookups are not-found).
 */
export class E2BDriverFs implements DriverFs {
  readonly #context: E2BContext;

  /** @param context the driver's shared client access and error mapping */
  constructor(context: E2BContext) {
    this.#context = context;
  }

  /** A file's bytes (one `GET /files`). @throws FileNotFoundError; InvalidArgumentError for a directory */
  async readBytes(path: string): Promise<Uint8Array> {
    try {
      return await this.#context.client().files.read(path, { format: 'bytes' });
    } catch (error) {
      throw await this.#context.failIdempotent(error, { operation: `read ${path}`, path });
    }
  }

  /** Replaces a file (one `POST /files`; envd creates parent directories). Idempotent. */
  async write(path: string, data: Uint8Array): Promise<void> {
    try {
      await this.#context.client().files.write(path, data.slice().buffer);
    } catch (error) {
      throw await this.#context.failIdempotent(error, { operation: `write ${path}`, path });
    }
  }

  /**
   * Opens a file for streaming (`fs.streaming`): one `GetInfo` (a directory is refused like on the
   * other backends; the size feeds progress), then envd's `GET /files` read as a stream
   * (`files.read(path, { format: 'stream' })`: the client hands the response body over chunk by
   * chunk, so memory stays O(chunk)). Aborting `signal` tears the download down.
   * @throws FileNotFoundError (missing, or under a regular file); InvalidArgumentError for a directory
   */
  async openReadStream(path: string, options: { signal: AbortSignal }): Promise<DriverReadStream> {
    const info = await this.#info(path);
    if (info.type === E2BFileType.DIR) throw new InvalidArgumentError(`Cannot read ${path}: it is a directory.`, { backend: 'e2b' });
    let stream: ReadableStream<Uint8Array>;
    try {
      stream = await this.#context.client().files.read(path, { format: 'stream', signal: options.signal });
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason;
      throw await this.#context.failIdempotent(error, { operation: `read ${path}`, path });
    }
    // envd types a link by its target; only a regular file's own size is the size of the bytes.
    return entryType(info) === 'file' ? { stream, size: info.size } : { stream };
  }

  /**
   * Streams `source` to `path` (`fs.streaming`) as ONE streamed multipart `POST /files` to the
   * client's `uploadUrl` with backpressure (`uploadStream`): memory O(chunk). envd creates parent
   * directories. Aborting `signal` destroys the request.
   *
   * No partial file outlives a failure: envd creates the file when the request reaches it, which
   * may be after the client gave up, i.e. after the front removed the temporary file. So only the
   * part header and the first chunk go out before `path` exists (`GetInfo`, polled for at most
   * {@link OPEN_WAIT_MS}); a failure before that waits up to {@link LATE_OPEN_WAIT_MS} for a late
   * creation and removes it. The front removes `path` after any failure.
   * @throws the abort reason; mapped transport errors (never retried)
   */
  async writeStream(path: string, source: AsyncIterable<Uint8Array>, options: { signal: AbortSignal }): Promise<void> {
    const client = this.#context.client();
    const settled = new AbortController();
    let opened = false;
    const beforeData = async (): Promise<void> => {
      opened = await waitForFile(client, path, { ms: OPEN_WAIT_MS, signal: settled.signal });
    };
    try {
      await uploadStream({ client, path, source, signal: options.signal, beforeData });
    } catch (error) {
      settled.abort();
      if (!opened && (await waitForFile(client, path, { ms: LATE_OPEN_WAIT_MS, signal: new AbortController().signal }))) {
        await client.files.remove(path).catch(() => undefined);
      }
      if (options.signal.aborted) throw options.signal.reason;
      throw this.#context.fail(error, { operation: `write ${path}`, path });
    } finally {
      settled.abort();
    }
  }

  async #info(path: string): Promise<EntryInfo> {
    try {
      return await this.#context.client().files.getInfo(path);
    } catch (error) {
      throw await this.#context.failIdempotent(error, { operation: `stat ${path}`, path });
    }
  }

  /**
   * Type, size, mtime and permission bits with `lstat` semantics: a symbolic link (dangling or
   * not) is `symlink` with the link's own bits. envd types a link by its target, so the type comes
   * from envd's `permissions` string (the `lstat` mode, `Lrwxrwxrwx` for a link; ADR 0111).
   * @throws FileNotFoundError (missing, or under a regular file)
   */
  async stat(path: string): Promise<FileStat> {
    const info = await this.#info(path);
    return { type: entryType(info), size: info.size, mtimeMs: info.modifiedTime?.getTime() ?? 0, mode: entryMode(info) };
  }

  async #entries(path: string, depth: number): Promise<ListedEntry[]> {
    try {
      return await listDirEntries(this.#context.client(), { path, depth });
    } catch (error) {
      throw await this.#context.failIdempotent(error, { operation: `list ${path}`, path });
    }
  }

  /**
   * Entries of a directory (all descendants with `recursive`; links listed, not entered) through
   * ONE envd `ListDir`; dangling links included, every link typed `symlink`. @throws FileNotFoundError
   */
  async list(path: string, options: { recursive: boolean }): Promise<DirEntry[]> {
    const entries = await this.#entries(path, options.recursive ? UNLIMITED_DEPTH : 1);
    return entries.map((e): DirEntry => ({ name: e.name, path: normalizePosixPath(e.path), type: e.type }));
  }

  /**
   * Creates a directory (`MakeDir`, parents included). Without `recursive` the parent must be an
   * existing directory. @throws FileNotFoundError (missing parent), InvalidArgumentError (parent not a directory)
   */
  async mkdir(path: string, options: { recursive: boolean }): Promise<void> {
    if (!options.recursive) {
      const parent = parentOf(path);
      const parentInfo = await this.#info(parent).catch((error: unknown) => {
        if (FileNotFoundError.isInstance(error)) throw new FileNotFoundError(`Cannot create ${path}: parent directory ${parent} does not exist.`, { backend: 'e2b', path: parent });
        throw error;
      });
      // envd types a link by its target: a link to a directory is a fine parent.
      if (parentInfo.type !== E2BFileType.DIR) throw new InvalidArgumentError(`Cannot create ${path}: ${parent} is not a directory.`, { backend: 'e2b' });
    }
    try {
      await this.#context.client().files.makeDir(path);
    } catch (error) {
      throw await this.#context.failIdempotent(error, { operation: `mkdir ${path}`, path });
    }
  }

  /** Removes a file, a link (never its target) or a whole directory (`Remove`). */
  async remove(path: string): Promise<void> {
    try {
      await this.#context.client().files.remove(path);
    } catch (error) {
      throw await this.#context.failIdempotent(error, { operation: `remove ${path}`, path });
    }
  }

  /** Moves `from` to `to` (`Move`; replaces a file there, creates `to`'s parents). @throws FileNotFoundError */
  async rename(from: string, to: string): Promise<void> {
    try {
      await this.#context.client().files.rename(from, to);
    } catch (error) {
      throw this.#context.fail(error, { operation: `rename ${from} to ${to}`, path: from });
    }
  }

  /** Regular files below `root` through ONE envd `ListDir` of the whole subtree; a missing root gives `[]`. */
  async files(root: string): Promise<DriverFileList> {
    let entries: ListedEntry[];
    try {
      entries = await this.#entries(root, UNLIMITED_DEPTH);
    } catch (error) {
      if (FileNotFoundError.isInstance(error)) return { files: [] };
      throw error;
    }
    const prefix = root === '/' ? '/' : `${root}/`;
    const files: string[] = [];
    for (const entry of entries) {
      if (entry.type !== 'file') continue;
      const path = normalizePosixPath(entry.path);
      if (path.startsWith(prefix)) files.push(relativePosixPath(root, path));
    }
    return { files };
  }

  /** `/tmp`, which exists in every E2B template. */
  tempDir(): string {
    return TEMP_DIR;
  }
}
