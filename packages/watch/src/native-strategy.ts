import type { WatchEventType } from '@kode/core';

/** One change seen by a native strategy (before filtering and coalescing by the registry). */
export interface NativeChange {
  type: WatchEventType;
  /** Absolute, normalised sandbox path. Changes outside the watched paths are dropped by the registry. */
  path: string;
  /** The entry's mtime in ms since the epoch, only when the native source really knows it. */
  mtimeMs?: number;
}

/**
 * What the registry hands a native strategy for one watch. The strategy reports raw changes with
 * `emit`; the registry filters them to the watched paths (a strategy may over-report, e.g. a whole
 * parent directory), coalesces bursts and tracks state for a later fallback diff.
 */
export interface NativeWatchRequest {
  /** The watch's targets: absolute, normalised, de-duplicated. May not exist yet. */
  readonly paths: readonly string[];
  /** Whether directories are watched recursively (default `true` in `WatchFilesOptions`). */
  readonly recursive: boolean;
  /** Reports one change. Ignored after the watch closed or fell back. */
  emit(change: NativeChange): void;
  /**
   * Declares the native source dead (stream ended or failed): the registry switches this watch
   * to polling under the same id, announces it once through `onFallback(reason)` and diffs a
   * fresh snapshot against what it knew. Idempotent; ignored after close.
   */
  fail(reason: string): void;
  /**
   * Takes one snapshot of the watched paths and emits the differences from what the registry
   * knows (as `via: 'native'` events), then makes it the new known state. For strategies that
   * had to re-arm (restart) and may have missed changes meanwhile. With `scope`, only those
   * paths (recursively) are snapshotted and compared — e.g. a directory that just appeared, whose
   * first entries may predate the native watch on it. Never rejects: a failed snapshot goes to
   * `onError`.
   */
  resync(scope?: { paths: readonly string[] }): Promise<void>;
  /** Aborted when the watch is closed (unwatch, closeAll) or falls back. */
  readonly signal: AbortSignal;
}

/** A live native watch. */
export interface NativeWatchHandle {
  /** Stops watching and releases resources. Idempotent; resolves when stopped. Never rejects. */
  close(): Promise<void>;
}

/**
 * Starts a native watch and resolves once it is live (events from then on are reported).
 * Rejecting (for any reason: tool missing, unsupported path, transport) makes the registry fall
 * back to polling for that watch, with the error's message as the fallback reason.
 * Backends with their own watch API (E2B `watchDir`) pass one to `WatchRegistry` as `native`;
 * otherwise the registry uses the built-in inotifywait strategy over `port.stream`.
 */
export type NativeWatchFactory = (request: NativeWatchRequest) => Promise<NativeWatchHandle>;
