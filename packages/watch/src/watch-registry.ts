import { DisposedError, InvalidArgumentError, isPathInside, type WatchConfig, type WatchFilesOptions, type WatchListener, type WatchMode } from '@kode/core';
import { EventCoalescer } from './event-coalescer';
import { createInotifyWatchFactory } from './inotify/inotify-strategy';
import type { NativeChange, NativeWatchFactory, NativeWatchHandle, NativeWatchRequest } from './native-strategy';
import { PollingScheduler, type PollingSubscriber } from './polling-scheduler';
import { diffStates, type KnownState, type StateChange } from './stat-state';
import { DEFAULT_COALESCE_MS, resolveWatchConfig } from './watch-config';
import type { WatchPort, WatchStatEntry } from './watch-port';
import { normalizeWatchPaths, WatchTargets } from './watch-targets';

/** Options of {@link WatchRegistry}. */
export interface WatchRegistryOptions {
  /** Backend kind (`'local'`, `'opensandbox'`, …): used in ids and error messages. */
  backend: string;
  /** How the strategies reach the sandbox. */
  port: WatchPort;
  /** The backend's `watch` config (mode default `'polling'`, `pollIntervalMs` default 1000, min 100). */
  config?: WatchConfig;
  /**
   * A custom native strategy (e.g. E2B's `watchDir`). Without it, `mode: 'native'` uses the
   * built-in inotifywait strategy over `port.stream`, or falls back to polling if there is none.
   */
  native?: NativeWatchFactory;
  /** Receives errors of watches that have no `onError` of their own. Default: errors are dropped. */
  onError?: (error: Error) => void;
  /** Burst window for native events, in ms. Default 50. */
  coalesceMs?: number;
  /** How long the built-in inotifywait strategy waits for "Watches established." Default 10 000 ms. */
  nativeReadyTimeoutMs?: number;
}

/** The request of {@link WatchRegistry.watch}. */
export interface WatchRequest {
  /** Absolute sandbox paths (the backend resolves relative ones against its workDir first). */
  paths: string[];
  /** Receives the events; exceptions it throws go to `onError` and the watch continues. */
  listener: WatchListener;
  /** `recursive` (default true), `onFallback`, `onError`. */
  options?: WatchFilesOptions;
}

/** Which strategy currently serves a watch. */
export type WatchStrategyKind = 'native' | 'polling' | 'off';

type EntryMode = 'starting' | 'native' | 'polling' | 'closed';

/**
 * Removes `path` from the known state, and its descendants when it was known as a directory (a
 * directory moved away gets one event). Stale entries are not scanned (their type is unknown and
 * scanning on every delete of a burst would be quadratic); leftovers only cause a correct
 * `delete` at a later fallback diff.
 */
function forgetPath(known: KnownState, path: string): void {
  const was = known.get(path);
  known.delete(path);
  if (was === undefined || was === 'stale' || was.type !== 'directory') return;
  const prefix = path === '/' ? '/' : `${path}/`;
  for (const key of [...known.keys()]) if (key.startsWith(prefix)) known.delete(key);
}

class WatchEntry implements PollingSubscriber {
  mode: EntryMode = 'starting';
  known: KnownState = new Map();
  native: NativeWatchHandle | undefined;
  /** Resync snapshots in flight; while any is, native changes are stamped in `touchedAt`. */
  resyncing = 0;
  /** Sequence number of the last stamped native change. */
  nativeSeq = 0;
  /** Path → sequence of its last native change while a resync was in flight. */
  readonly touchedAt = new Map<string, number>();
  readonly abort = new AbortController();
  readonly coalescer: EventCoalescer;

  constructor(
    readonly targets: WatchTargets,
    readonly request: WatchRequest,
    private readonly registry: { coalesceMs: number; fallbackError: ((error: Error) => void) | undefined },
  ) {
    this.coalescer = new EventCoalescer({ windowMs: registry.coalesceMs, flush: (changes) => this.deliverVia(changes, 'native') });
  }

  /** {@link PollingSubscriber.state}: the polling view of what the watch knows. */
  get state(): KnownState {
    return this.known;
  }

  set state(next: KnownState) {
    this.known = next;
  }

  /** {@link PollingSubscriber.deliver}. */
  deliver(changes: StateChange[]): void {
    this.deliverVia(changes, 'polling');
  }

  get closed(): boolean {
    return this.mode === 'closed';
  }

  deliverVia(changes: readonly StateChange[], via: 'native' | 'polling'): void {
    for (const change of changes) {
      if (this.closed) return;
      try {
        this.request.listener(change.mtimeMs === undefined ? { type: change.type, path: change.path, via } : { ...change, via });
      } catch (error) {
        this.reportError(error);
      }
    }
  }

  reportError(error: unknown): void {
    if (this.closed) return;
    const sink = this.request.options?.onError ?? this.registry.fallbackError;
    if (sink === undefined) return;
    try {
      sink(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // An error handler that throws has nowhere left to report to.
    }
  }
}

/**
 * Per-sandbox owner of all watches: mode selection, ids, batched polling, native strategies,
 * fallback, `unwatch` and `closeAll`. A backend's `watchFiles(paths, listener, options)` validates
 * and resolves its paths and calls {@link WatchRegistry.watch}; `unwatchFiles(id)` calls
 * {@link WatchRegistry.unwatch}; `dispose()` awaits {@link WatchRegistry.closeAll} first.
 *
 * Modes (from `config.mode`, default `'polling'`):
 * - `'off'`: `watch` registers nothing and returns an inert id; no port call is made.
 * - `'polling'`: every watch of the registry is polled with ONE `port.snapshot` per tick.
 * - `'native'`: the custom `native` factory, else inotifywait over `port.stream`; falls back to
 *   polling under the same id (announced once through `onFallback`) when unavailable or dead.
 */
export class WatchRegistry {
  /** The effective mode. */
  readonly mode: WatchMode;
  /** The effective polling interval in ms. */
  readonly pollIntervalMs: number;
  private readonly backend: string;
  private readonly port: WatchPort;
  private readonly nativeFactory: NativeWatchFactory | undefined;
  private readonly scheduler: PollingScheduler;
  private readonly entries = new Map<string, WatchEntry>();
  private readonly starting = new Set<WatchEntry>();
  private readonly onError: ((error: Error) => void) | undefined;
  private readonly coalesceMs: number;
  private counter = 0;
  private closed = false;

  /** @throws InvalidArgumentError for a bad `config` (see `resolveWatchConfig`) or `coalesceMs` */
  constructor(options: WatchRegistryOptions) {
    const config = resolveWatchConfig(options.config);
    this.mode = config.mode;
    this.pollIntervalMs = config.pollIntervalMs;
    this.backend = options.backend;
    this.port = options.port;
    this.onError = options.onError;
    const coalesceMs = options.coalesceMs ?? DEFAULT_COALESCE_MS;
    if (typeof coalesceMs !== 'number' || !Number.isFinite(coalesceMs) || coalesceMs < 0) {
      throw new InvalidArgumentError(`coalesceMs must be a finite number ≥ 0; got ${JSON.stringify(coalesceMs)}.`);
    }
    this.coalesceMs = coalesceMs;
    this.nativeFactory =
      options.native ??
      (options.port.stream === undefined
        ? undefined
        : createInotifyWatchFactory({ port: options.port, readyTimeoutMs: options.nativeReadyTimeoutMs }));
    this.scheduler = new PollingScheduler({ port: options.port, intervalMs: this.pollIntervalMs });
  }

  /** Number of live watches (not counting inert `'off'` ids). */
  get size(): number {
    return this.entries.size;
  }

  /** The polling loop's completed tick count (for tests and benchmarks). */
  get pollTicks(): number {
    return this.scheduler.ticks;
  }

  /** Which strategy serves watch `id` now, `'off'` for an inert id, `undefined` if unknown or closed. */
  strategyOf(id: string): WatchStrategyKind | undefined {
    if (id.startsWith(`${this.backend}-watch-off-`)) return 'off';
    const mode = this.entries.get(id)?.mode;
    return mode === 'native' || mode === 'polling' ? mode : undefined;
  }

  /**
   * Starts watching and resolves with the watch id once the watch is live: the polling baseline
   * is taken, or the native strategy reported its watches established (or fell back to polling).
   * Paths must be absolute; a path that does not exist yet is watched for its creation.
   * @throws InvalidArgumentError for bad paths, listener or options
   * @throws DisposedError after `closeAll`, or when `closeAll` runs while starting
   * @throws the port's error when the initial snapshot fails (nothing stays registered)
   */
  async watch(request: WatchRequest): Promise<string> {
    if (this.closed) throw this.disposedError();
    const paths = normalizeWatchPaths(request.paths);
    if (typeof request.listener !== 'function') throw new InvalidArgumentError('watch listener must be a function.');
    const recursive = request.options?.recursive ?? true;
    if (typeof recursive !== 'boolean') throw new InvalidArgumentError('watch option recursive must be a boolean.');
    if (this.mode === 'off') return `${this.backend}-watch-off-${++this.counter}`;

    const entry = new WatchEntry(new WatchTargets(paths, recursive), request, {
      coalesceMs: this.coalesceMs,
      fallbackError: this.onError,
    });
    this.starting.add(entry);
    try {
      entry.known = await this.snapshotOf(entry);
      this.assertNotClosedDuring(entry);
      if (this.mode === 'native') await this.startNative(entry);
      else this.startPolling(entry);
      this.assertNotClosedDuring(entry);
    } catch (error) {
      this.starting.delete(entry);
      const closedMeanwhile = this.closed || entry.closed;
      await this.closeEntry(entry);
      // An aborted baseline (closeAll while starting) surfaces as DisposedError, not as AbortError.
      throw closedMeanwhile ? this.disposedError() : error;
    }
    this.starting.delete(entry);
    const id = `${this.backend}-watch-${++this.counter}`;
    this.entries.set(id, entry);
    return id;
  }

  /**
   * Stops watch `id`; after it resolves the listener receives nothing more (queued events are
   * dropped, the native stream is aborted). Idempotent: unknown, inert or already removed ids
   * resolve without effect. Never rejects.
   */
  async unwatch(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.entries.delete(id);
    await this.closeEntry(entry);
  }

  /**
   * Closes every watch (including ones still starting, whose `watch` then rejects with
   * `DisposedError`) and stops the polling loop. Idempotent; later `watch` calls reject with
   * `DisposedError`. Never rejects.
   */
  async closeAll(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.values(), ...this.starting];
    this.entries.clear();
    await Promise.all(all.map((entry) => this.closeEntry(entry)));
    await this.scheduler.stop();
  }

  private async snapshotOf(entry: WatchEntry): Promise<Map<string, WatchStatEntry>> {
    const entries = await this.port.snapshot({
      paths: [...entry.targets.paths],
      recursive: entry.targets.recursive,
      signal: entry.abort.signal,
    });
    return entry.targets.select(entries);
  }

  private startPolling(entry: WatchEntry): void {
    entry.mode = 'polling';
    this.scheduler.subscribe(entry);
  }

  private async startNative(entry: WatchEntry): Promise<void> {
    if (this.nativeFactory === undefined) {
      this.fallBack(entry, `The ${this.backend} backend offers no streaming exec, so inotifywait cannot run; using polling.`);
      return;
    }
    entry.mode = 'native';
    const request: NativeWatchRequest = {
      paths: entry.targets.paths,
      recursive: entry.targets.recursive,
      signal: entry.abort.signal,
      emit: (change) => this.onNativeChange(entry, change),
      fail: (reason) => {
        if (entry.mode === 'native') this.fallBack(entry, reason);
      },
      resync: (scope) => this.resync(entry, scope),
    };
    let handle: NativeWatchHandle;
    try {
      handle = await this.nativeFactory(request);
    } catch (error) {
      if (entry.mode === 'native') this.fallBack(entry, error instanceof Error ? error.message : String(error));
      return;
    }
    if (entry.mode === 'native') entry.native = handle;
    else await handle.close();
  }

  /**
   * Native changes are reported against what the watch knows, as polling would report them:
   * - a `create` of a path the watch already knows to exist is an overwrite (an atomic write
   *   renames a temporary file over it: inotify says `MOVED_TO`), so it is reported as `modify`:
   *   an overwrite means `modify` in every mode (docs/contract.md). A known directory keeps `create`;
   * - a `modify` of a path the watch does not know is a `create`: the entry appeared where no
   *   inotify watch was yet (a file created in a just-made directory before inotifywait added its
   *   watch, then written once the watch was there, gives only `MODIFY`/`CLOSE_WRITE`), and the
   *   listener has never heard of it (ADR 0185).
   */
  private onNativeChange(entry: WatchEntry, change: NativeChange): void {
    if (entry.mode !== 'native' || !entry.targets.includes(change.path)) return;
    if (entry.resyncing > 0) entry.touchedAt.set(change.path, ++entry.nativeSeq);
    const was = entry.known.get(change.path);
    let type = change.type;
    if (type === 'create' && was !== undefined && (was === 'stale' || was.type !== 'directory')) type = 'modify';
    else if (type === 'modify' && was === undefined) type = 'create';
    if (type === 'delete') forgetPath(entry.known, change.path);
    else entry.known.set(change.path, 'stale');
    entry.coalescer.push(change.mtimeMs === undefined ? { type, path: change.path } : { ...change, type });
  }

  /**
   * Snapshots (all or `scope`) and emits the differences from what the entry knows. A native
   * change that arrives while the snapshot is in flight is newer than the snapshot, so its path is
   * left to native: no event from the stale snapshot, and the known state native set is kept
   * (e.g. an atomic write renamed into a new directory after it was listed: no false `delete`).
   */
  private async resync(entry: WatchEntry, scope?: { paths: readonly string[] }): Promise<void> {
    if (entry.mode !== 'native') return;
    const scopePaths = scope === undefined ? undefined : [...new Set(scope.paths)];
    if (scopePaths !== undefined && scopePaths.length === 0) return;
    entry.resyncing++;
    const startSeq = entry.nativeSeq;
    try {
      let fresh;
      try {
        fresh =
          scopePaths === undefined
            ? await this.snapshotOf(entry)
            : entry.targets.select(await this.port.snapshot({ paths: scopePaths, recursive: true, signal: entry.abort.signal }));
      } catch (error) {
        entry.reportError(error);
        return;
      }
      if (entry.mode !== 'native') return;
      const settled = (path: string): boolean => (entry.touchedAt.get(path) ?? -1) <= startSeq;
      const inScope = (path: string): boolean => scopePaths === undefined || scopePaths.some((root) => isPathInside(root, path));
      const before: KnownState = new Map([...entry.known].filter(([path]) => inScope(path) && settled(path)));
      const after = new Map([...fresh].filter(([path]) => settled(path)));
      for (const change of diffStates(before, after)) {
        if (change.type === 'delete') entry.known.delete(change.path);
        entry.coalescer.push(change);
      }
      for (const [path, stat] of after) entry.known.set(path, stat);
    } finally {
      entry.resyncing--;
      if (entry.resyncing === 0) entry.touchedAt.clear();
    }
  }

  /** Native → polling under the same entry: flush, announce once, diff a fresh snapshot promptly. */
  private fallBack(entry: WatchEntry, reason: string): void {
    if (entry.closed || entry.mode === 'polling') return;
    const wasNative = entry.mode === 'native';
    entry.mode = 'polling';
    entry.coalescer.flushNow();
    const handle = entry.native;
    entry.native = undefined;
    if (handle !== undefined) void handle.close();
    try {
      entry.request.options?.onFallback?.(reason);
    } catch (error) {
      entry.reportError(error);
    }
    this.scheduler.subscribe(entry);
    if (wasNative) void this.scheduler.tickNow();
  }

  private async closeEntry(entry: WatchEntry): Promise<void> {
    entry.mode = 'closed';
    entry.coalescer.clear();
    entry.abort.abort();
    this.scheduler.unsubscribe(entry);
    const handle = entry.native;
    entry.native = undefined;
    if (handle !== undefined) await handle.close().catch(() => undefined);
  }

  private assertNotClosedDuring(entry: WatchEntry): void {
    if (this.closed || entry.closed) throw this.disposedError();
  }

  private disposedError(): DisposedError {
    return new DisposedError(`The ${this.backend} sandbox's watches are closed (the sandbox was disposed).`, {
      backend: this.backend,
    });
  }
}
