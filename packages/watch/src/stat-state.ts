import type { WatchEventType } from '@kode/core';
import type { WatchStatEntry } from './watch-port';

/**
 * What a watch knows about one path: its last seen stat, or `'stale'` when a native event said
 * it changed but no stat has been taken since (the next diff reports it as modified).
 */
export type KnownStat = WatchStatEntry | 'stale';

/** Path → what the watch knows. A path absent from the map is believed not to exist. */
export type KnownState = Map<string, KnownStat>;

/** One difference found by {@link diffStates}, before it becomes a `WatchEvent`. */
export interface StateChange {
  type: WatchEventType;
  path: string;
  mtimeMs?: number;
}

/** Whether two entries are the same for the level-triggered comparison: (mtime, size, type). */
export function sameStat(a: WatchStatEntry, b: WatchStatEntry): boolean {
  return a.mtimeMs === b.mtimeMs && a.size === b.size && a.type === b.type;
}

/**
 * Compares what was known with a fresh selection of entries and returns the changes, sorted by
 * path (deletes of a path before creates of another at equal path are impossible: one per path).
 * A `'stale'` entry that still exists is reported as `modify` (it may have changed again since the
 * native event that made it stale). A directory that stays a directory is never `modify`: its
 * mtime moves whenever an entry is added or removed, and those entries have their own events
 * (native inotify does not report it either). Pure; does not modify its inputs.
 */
export function diffStates(before: KnownState, after: ReadonlyMap<string, WatchStatEntry>): StateChange[] {
  const changes: StateChange[] = [];
  for (const [path, now] of after) {
    const was = before.get(path);
    if (was === undefined) changes.push({ type: 'create', path, mtimeMs: now.mtimeMs });
    else if (isModified(was, now)) changes.push({ type: 'modify', path, mtimeMs: now.mtimeMs });
  }
  for (const path of before.keys()) {
    if (!after.has(path)) changes.push({ type: 'delete', path });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function isModified(was: KnownStat, now: WatchStatEntry): boolean {
  if (now.type === 'directory' && (was === 'stale' || was.type === 'directory')) return false;
  return was === 'stale' || !sameStat(was, now);
}
