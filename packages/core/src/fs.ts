/** The type of a file system entry. */
export type FileType = 'file' | 'directory' | 'symlink' | 'other';

/** Metadata of one path, from {@link SandboxFs.stat}. */
export interface FileStat {
  /** Entry type. A symbolic link is reported as `'symlink'` and not followed. */
  type: FileType;
  /** Size in bytes. */
  size: number;
  /** Last modification time, in milliseconds since the Unix epoch. */
  mtimeMs: number;
  /** Permission bits, e.g. `0o644` (the numeric value, not octal digits). */
  mode: number;
}

/** One entry of {@link SandboxFs.list}. */
export interface DirEntry {
  /** Base name. */
  name: string;
  /** Absolute sandbox path. */
  path: string;
  /** Entry type; symbolic links are not followed. */
  type: FileType;
}

/** Options of {@link SandboxFs.list}. */
export interface ListOptions {
  /** Include every descendant, parents before children. Default `false`. */
  recursive?: boolean;
}

/** Options of {@link SandboxFs.mkdir}. */
export interface MkdirOptions {
  /** Create missing parents, and succeed when the directory exists. Default `true`. */
  recursive?: boolean;
}

/** Options of {@link SandboxFs.rm}. */
export interface RmOptions {
  /** Remove directories and their contents. Default `false`. */
  recursive?: boolean;
  /** Succeed when the path does not exist. Default `false`. */
  force?: boolean;
}

/**
 * Options of {@link SandboxFs.glob}. Semantics are the same on every backend: picomatch on POSIX
 * paths relative to `cwd`; `**` crosses directories; dotfiles only with `dot`; files only
 * (regular files; symbolic links are neither followed nor listed); results sorted.
 */
export interface GlobOptions {
  /** Directory the pattern is relative to. Default `workDir`. */
  cwd?: string;
  /** Patterns (relative to `cwd`) whose matches are left out; a matched directory prunes its subtree. */
  ignore?: string[];
  /** Match names starting with `.`. Default `false`. */
  dot?: boolean;
  /** Return absolute sandbox paths instead of paths relative to `cwd`. Default `false`. */
  absolute?: boolean;
  /** Return at most this many paths (the first ones in sorted order). */
  limit?: number;
}

/** What a streaming transfer reports through `onProgress`. */
export interface StreamProgress {
  /** Bytes moved so far. */
  bytes: number;
  /** The file's size in bytes when known (a read of a file whose size the backend reported); otherwise absent. */
  totalBytes?: number;
}

/** Options of {@link SandboxFs.readStream}. */
export interface ReadStreamOptions {
  /** Aborting it errors the stream with `signal.reason` and releases the transfer. */
  signal?: AbortSignal;
  /** Called after each chunk the caller pulled, with the bytes read so far. A throwing callback is ignored. */
  onProgress?: (progress: StreamProgress) => void;
}

/** Options of {@link SandboxFs.writeStream}. */
export interface WriteStreamOptions {
  /** Aborting it rejects with `signal.reason`; nothing is left at the target path (an existing file stays as it was). */
  signal?: AbortSignal;
  /** Called after each chunk sent, with the bytes written so far. A throwing callback is ignored. */
  onProgress?: (progress: StreamProgress) => void;
}

/** Bytes for {@link SandboxFs.writeStream}: a web `ReadableStream` or any (async) iterable of chunks, e.g. a Node `Readable`. */
export type ByteSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/**
 * Files of a sandbox. Relative paths resolve against `workDir`; a missing path raises
 * `FileNotFoundError`; writes create parent directories.
 */
export interface SandboxFs {
  /** Absolute sandbox path for `path` (relative paths join `workDir`). Pure; no I/O. */
  resolve(path: string): string;
  /**
   * Whether `path` lies inside the sandbox's reach. For confined backends this is a lexical check
   * (the I/O methods additionally check real paths); remote backends return `true` for any path.
   */
  isInside(path: string): boolean;
  /** Reads a file as UTF-8 text. @throws FileNotFoundError */
  read(path: string): Promise<string>;
  /** Reads a file's bytes. @throws FileNotFoundError */
  readBytes(path: string): Promise<Uint8Array>;
  /** Writes (replaces) a file, creating parent directories. Strings are written as UTF-8. */
  write(path: string, data: string | Uint8Array): Promise<void>;
  /** Whether the path exists (a dangling symlink counts as existing). */
  exists(path: string): Promise<boolean>;
  /** Metadata of a path. @throws FileNotFoundError */
  stat(path: string): Promise<FileStat>;
  /** Entries of a directory, sorted by path. @throws FileNotFoundError */
  list(dir: string, options?: ListOptions): Promise<DirEntry[]>;
  /** Creates a directory (and parents by default). */
  mkdir(path: string, options?: MkdirOptions): Promise<void>;
  /** Removes a file, or a directory with `recursive`. @throws FileNotFoundError unless `force` */
  rm(path: string, options?: RmOptions): Promise<void>;
  /** Moves `from` to `to`, replacing a file at `to` and creating its parents. @throws FileNotFoundError */
  rename(from: string, to: string): Promise<void>;
  /** Paths matching `pattern`, sorted; see {@link GlobOptions} for the exact semantics. */
  glob(pattern: string, options?: GlobOptions): Promise<string[]>;
  /**
   * A fresh absolute path for temporary data, inside the sandbox's reach. Its parent exists; the
   * path itself does not yet. Default prefix `'tmp-'`.
   */
  temp(prefix?: string): Promise<string>;
  /**
   * Reads a file as a stream of chunks, holding O(chunk) memory whatever the file's size
   * (capability `fs.streaming`). The caller owns the stream: cancel it to stop early.
   * @throws UnsupportedCapabilityError, FileNotFoundError, InvalidArgumentError (a directory)
   */
  readStream(path: string, options?: ReadStreamOptions): Promise<ReadableStream<Uint8Array>>;
  /**
   * Writes (replaces) a file from a stream of chunks, creating parent directories, holding O(chunk)
   * memory (capability `fs.streaming`). The data goes to a temporary name next to `path` that is
   * renamed over it at the end, so `path` never holds a partial file; on abort or failure the
   * temporary file is removed. Not retried (a stream cannot be replayed). Resolves with the byte count.
   * @throws UnsupportedCapabilityError, InvalidArgumentError (a directory at `path`, a chunk that is not a `Uint8Array`)
   */
  writeStream(path: string, source: ByteSource, options?: WriteStreamOptions): Promise<{ bytes: number }>;
}
