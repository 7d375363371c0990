import type { WatchEventType } from '@kode/core';
import type { StateChange } from './stat-state';

/**
 * Net effect of two changes of one path inside a burst: the last type wins, except that a path
 * created and then modified stays `create`, and a path that existed before the burst (first seen
 * as `modify` or `delete`) and exists after it is `modify`.
 */
export function mergeChangeType(first: WatchEventType, last: WatchEventType): WatchEventType {
  if (last === 'modify' && first === 'create') return 'create';
  if (last === 'create' && first !== 'create') return 'modify';
  return last;
}

/** Options of {@link EventCoalescer}. */
export interface EventCoalescerOptions {
  /** Window in ms, counted from the first change of a burst. 0 delivers on the next macrotask. */
  windowMs: number;
  /** Receives every path of the burst once, in order of first appearance. */
  flush(changes: StateChange[]): void;
}

/**
 * Collects native changes for `windowMs` and delivers one change per path (see
 * {@link mergeChangeType}); every path of a burst is kept, none is dropped. `clear` drops what is
 * queued (unwatch); `flushNow` delivers it at once (fallback).
 */
export class EventCoalescer {
  private readonly pending = new Map<string, { first: WatchEventType; change: StateChange }>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: EventCoalescerOptions) {}

  /** Queues one change. */
  push(change: StateChange): void {
    const queued = this.pending.get(change.path);
    if (queued === undefined) {
      this.pending.set(change.path, { first: change.type, change: { ...change } });
    } else {
      const type = mergeChangeType(queued.first, change.type);
      const mtimeMs = type === 'delete' ? undefined : change.mtimeMs;
      queued.change = mtimeMs === undefined ? { type, path: change.path } : { type, path: change.path, mtimeMs };
    }
    this.timer ??= setTimeout(() => this.flushNow(), this.options.windowMs);
  }

  /** Delivers everything queued now. */
  flushNow(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const changes = [...this.pending.values()].map((q) => q.change);
    this.pending.clear();
    this.options.flush(changes);
  }

  /** Drops everything queued, delivering nothing. */
  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
