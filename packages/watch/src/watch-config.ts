import { InvalidArgumentError, type WatchConfig, type WatchMode } from '@kode/core';

/** Default polling interval in ms. */
export const DEFAULT_POLL_INTERVAL_MS = 1000;
/** Smallest accepted polling interval in ms. */
export const MIN_POLL_INTERVAL_MS = 100;
/** Default burst window of native events in ms. */
export const DEFAULT_COALESCE_MS = 50;

/** A validated {@link WatchConfig} with its defaults applied. */
export interface ResolvedWatchConfig {
  mode: WatchMode;
  pollIntervalMs: number;
}

const MODES: readonly WatchMode[] = ['native', 'polling', 'off'];

/**
 * Validates a backend's `watch` config and applies the defaults (`mode` = `defaultMode`, itself
 * `'polling'` unless given; `pollIntervalMs` = 1000). Backends may call it in their constructor to
 * reject bad config early; `WatchRegistry` calls it too.
 * @throws InvalidArgumentError for an unknown mode or an interval that is not a finite number ≥ 100 ms
 */
export function resolveWatchConfig(config: WatchConfig | undefined, defaultMode: WatchMode = 'polling'): ResolvedWatchConfig {
  if (config !== undefined && (typeof config !== 'object' || config === null)) {
    throw new InvalidArgumentError('watch config must be an object like { mode, pollIntervalMs }.');
  }
  const mode = config?.mode ?? defaultMode;
  if (!MODES.includes(mode)) {
    throw new InvalidArgumentError(`watch.mode must be one of ${MODES.map((m) => `'${m}'`).join(', ')}; got ${JSON.stringify(mode)}.`);
  }
  const pollIntervalMs = config?.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  if (typeof pollIntervalMs !== 'number' || !Number.isFinite(pollIntervalMs) || pollIntervalMs < MIN_POLL_INTERVAL_MS) {
    throw new InvalidArgumentError(
      `watch.pollIntervalMs must be a finite number of milliseconds ≥ ${MIN_POLL_INTERVAL_MS}; got ${JSON.stringify(pollIntervalMs)}.`,
    );
  }
  return { mode, pollIntervalMs };
}
