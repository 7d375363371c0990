/** The kind of a file-system entry in a {@link WatchStatEntry}. */
export type WatchEntryType = 'file' | 'directory' | 'symlink' | 'other';

/**
 * One entry of a snapshot. `path` is an absolute, normalised sandbox path (no trailing slash).
 * `mtimeMs` is the entry's modification time in milliseconds since the epoch as the file system
 * reports it (never the current time); `size` is in bytes (0 for directories is fine).
 * Symlinks are reported as themselves (`lstat`), never followed.
 */
export interface WatchStatEntry {
  path: string;
  type: WatchEntryType;
  size: number;
  mtimeMs: number;
}

/** The request of {@link WatchPort.snapshot}. */
export interface WatchSnapshotRequest {
  /** Absolute, normalised sandbox paths, de-duplicated. Never empty. */
  paths: string[];
  /**
   * For a path that is a directory: `true` → the directory and all its descendants;
   * `false` → the directory and its direct children. Symlinked directories are not descended.
   */
  recursive: boolean;
  /** Aborted when the registry no longer needs the answer (unwatch, closeAll). */
  signal?: AbortSignal;
}

/** The request of {@link WatchPort.stream}. */
export interface WatchStreamRequest {
  /** A POSIX `sh` command line, already quoted (the strategies quote every path). */
  command: string;
  /**
   * Called once per stdout line, in order, WITHOUT the trailing `\n`. Split on `\n` only (a `\r`
   * stays in the line); deliver empty lines too and never trim: the native strategy reassembles
   * file names containing newlines from consecutive lines.
   */
  onLine: (line: string) => void;
  /** Aborting it must stop the command (kill its process tree) and settle the returned promise. */
  signal: AbortSignal;
}

/** What {@link WatchPort.stream} resolves to once the command has ended. */
export interface WatchStreamResult {
  /** The exit code, or `null` when the command was stopped through the signal. */
  code: number | null;
  /** The command's stderr (may be truncated by the backend; used only in fallback reasons). */
  stderr: string;
}

/**
 * What a backend implements so the watch strategies can work. Strategies depend on this port,
 * never on a backend. Paths are absolute sandbox paths.
 *
 * Contract for backend authors:
 * - `snapshot` is ONE backend round trip whatever the number of paths (the polling strategy
 *   calls it exactly once per tick for every watch of a registry). Missing paths are simply
 *   absent from the result; it rejects only for transport/backend failures (which the
 *   registry reports to `onError` and retries with back-off). Order of entries does not matter;
 *   duplicates are tolerated.
 * - `stream` (optional) runs a long-lived shell command and streams its stdout lines until the
 *   command ends or the signal aborts. It resolves (never rejects) when the command ends on its
 *   own, with the exit code (127 when the shell cannot find the program). It may reject for a
 *   transport failure. Without `stream` the built-in native strategy is unavailable and
 *   `mode: 'native'` falls back to polling (announced through `onFallback`).
 */
export interface WatchPort {
  /** Stats each path (and a directory's children or descendants) in one backend call. */
  snapshot(request: WatchSnapshotRequest): Promise<WatchStatEntry[]>;
  /** Runs a long-lived command, streaming stdout lines; see {@link WatchStreamRequest}. */
  stream?(request: WatchStreamRequest): Promise<WatchStreamResult>;
}
