/** How a sandbox watches files: `'native'` (OS events), `'polling'` (snapshots) or `'off'`. */
export type WatchMode = 'native' | 'polling' | 'off';

/** The `watch` block of every backend's config. */
export interface WatchConfig {
  /** Default `'polling'` on remote backends; see each backend's README. */
  mode?: WatchMode;
  /** Polling interval in milliseconds. Default 1000, minimum 100. */
  pollIntervalMs?: number;
}

/** The kind of change a watch reports. */
export type WatchEventType = 'create' | 'modify' | 'delete';

/** One change under a watched path. */
export interface WatchEvent {
  type: WatchEventType;
  /** Absolute sandbox path of the changed entry. */
  path: string;
  /** The entry's modification time in ms since the epoch, when known (never made up). */
  mtimeMs?: number;
  /** Which strategy saw it. */
  via: 'native' | 'polling';
}

/** Receives watch events. Exceptions it throws are caught and reported to `onError`. */
export type WatchListener = (event: WatchEvent) => void;

/** Options of {@link Sandbox.watchFiles}. */
export interface WatchFilesOptions {
  /** Watch directories recursively. Default `true`. */
  recursive?: boolean;
  /** Called once when a native watch falls back to polling, with the reason. */
  onFallback?: (reason: string) => void;
  /** Called for transient errors (failed polls, listener exceptions); the watch continues. */
  onError?: (error: Error) => void;
}
