import { diffStates, type KnownState, type StateChange } from './stat-state';
import { parentPath, type WatchTargets } from './watch-targets';
import type { WatchPort, WatchStatEntry } from './watch-port';

/** The most a failing tick's interval is multiplied by (2^4). */
const MAX_BACKOFF_FACTOR = 16;

/** One watch served by a {@link PollingScheduler}. The scheduler owns nothing of it but calls. */
export interface PollingSubscriber {
  readonly targets: WatchTargets;
  /** What the watch knows; replaced by the scheduler after each successful tick. */
  state: KnownState;
  /** Receives the changes of one tick, in path order. Called only while subscribed. */
  deliver(changes: StateChange[]): void;
  /** Receives a failed tick's error (the scheduler backs off and keeps going). */
  reportError(error: Error): void;
}

/** Options of {@link PollingScheduler}. */
export interface PollingSchedulerOptions {
  port: WatchPort;
  /** Period between the starts of two ticks, in ms (ticks never overlap). */
  intervalMs: number;
}

/**
 * Polls every subscribed watch of one registry with exactly ONE `port.snapshot` call per tick:
 * the union of all watched paths, `recursive: true` if any watch is recursive (non-recursive
 * watches then keep only direct children). Ticks never overlap: the next one is scheduled when
 * the previous has finished. A failed tick is reported to every subscriber and the next tick is
 * delayed by 2, 4, 8 then 16 intervals; the first success restores the interval.
 * The loop runs only while there is at least one subscriber.
 */
export class PollingScheduler {
  private readonly subscribers = new Set<PollingSubscriber>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private abort = new AbortController();
  private failures = 0;
  private stopped = false;
  /** Number of completed or failed ticks (for tests and benchmarks). */
  ticks = 0;

  constructor(private readonly options: PollingSchedulerOptions) {}

  /** Adds a subscriber whose `state` is already its baseline; starts the loop if needed. Idempotent. */
  subscribe(subscriber: PollingSubscriber): void {
    if (this.stopped) return;
    this.subscribers.add(subscriber);
    if (this.timer === undefined && this.running === undefined) this.schedule(this.options.intervalMs);
  }

  /** Removes a subscriber; after this it receives nothing. Idempotent. */
  unsubscribe(subscriber: PollingSubscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0) this.pause();
  }

  /** Whether `subscriber` is currently polled. */
  has(subscriber: PollingSubscriber): boolean {
    return this.subscribers.has(subscriber);
  }

  /** Stops for good: drops every subscriber, cancels the timer and aborts a running snapshot. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.subscribers.clear();
    this.pause();
    await this.running;
  }

  /**
   * Runs one tick now (waiting for a running one first, never overlapping). Used by tests and
   * benchmarks; the loop does the same on its timer.
   */
  async tickNow(): Promise<void> {
    while (this.running !== undefined) await this.running;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.runTick();
  }

  private pause(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    this.abort = new AbortController();
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runTick();
    }, delayMs);
  }

  private runTick(): Promise<void> {
    const run = this.tick().finally(() => {
      this.running = undefined;
      if (!this.stopped && this.subscribers.size > 0 && this.timer === undefined) {
        this.schedule(this.options.intervalMs * Math.min(2 ** this.failures, MAX_BACKOFF_FACTOR));
      }
    });
    this.running = run;
    return run;
  }

  private async tick(): Promise<void> {
    const subscribers = [...this.subscribers];
    if (subscribers.length === 0) return;
    const paths = new Set<string>();
    let recursive = false;
    for (const s of subscribers) {
      for (const p of s.targets.paths) paths.add(p);
      recursive ||= s.targets.recursive;
    }
    const signal = this.abort.signal;
    let entries: WatchStatEntry[];
    try {
      entries = await this.options.port.snapshot({ paths: [...paths], recursive, signal });
    } catch (error) {
      this.ticks++;
      if (signal.aborted) return;
      this.failures++;
      const err = error instanceof Error ? error : new Error(String(error));
      for (const s of subscribers) if (this.subscribers.has(s)) s.reportError(err);
      return;
    }
    this.ticks++;
    if (signal.aborted) return;
    this.failures = 0;
    const selections = selectForSubscribers(subscribers, entries);
    for (const s of subscribers) {
      if (!this.subscribers.has(s)) continue;
      const selected = selections.get(s) ?? new Map<string, WatchStatEntry>();
      const changes = diffStates(s.state, selected);
      s.state = selected;
      if (changes.length > 0) s.deliver(changes);
    }
  }
}

/**
 * Distributes snapshot entries to the subscribers they belong to, walking each entry's ancestors
 * through an index of targets: O(entries × depth), independent of the number of watches.
 */
export function selectForSubscribers(
  subscribers: readonly PollingSubscriber[],
  entries: readonly WatchStatEntry[],
): Map<PollingSubscriber, Map<string, WatchStatEntry>> {
  const byTarget = new Map<string, PollingSubscriber[]>();
  for (const s of subscribers) {
    for (const p of s.targets.paths) {
      const list = byTarget.get(p);
      if (list === undefined) byTarget.set(p, [s]);
      else list.push(s);
    }
  }
  const result = new Map<PollingSubscriber, Map<string, WatchStatEntry>>();
  const add = (s: PollingSubscriber, entry: WatchStatEntry): void => {
    let selected = result.get(s);
    if (selected === undefined) {
      selected = new Map<string, WatchStatEntry>();
      result.set(s, selected);
    }
    selected.set(entry.path, entry);
  };
  for (const entry of entries) {
    let ancestor = entry.path;
    let depth = 0;
    for (;;) {
      const owners = byTarget.get(ancestor);
      if (owners !== undefined) {
        for (const s of owners) if (depth <= 1 || s.targets.recursive) add(s, entry);
      }
      if (ancestor === '/') break;
      ancestor = parentPath(ancestor);
      depth++;
    }
  }
  return result;
}
