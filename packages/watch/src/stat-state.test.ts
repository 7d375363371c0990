import { describe, expect, it } from 'vitest';
import { diffStates, type KnownStat, type KnownState } from './stat-state';
import type { WatchStatEntry } from './watch-port';

const f = (path: string, mtimeMs: number, size = 1): WatchStatEntry => ({ path, type: 'file', size, mtimeMs });

describe('diffStates', () => {
  it('is level-triggered on mtime, size and type, reporting create, modify and delete in path order', () => {
    const before: KnownState = new Map([
      ['/a', f('/a', 1)],
      ['/b', f('/b', 1)],
      ['/c', f('/c', 1)],
      ['/d', f('/d', 1)],
      ['/e', f('/e', 1)],
    ]);
    const after = new Map([
      ['/a', f('/a', 1)],
      ['/b', f('/b', 2)],
      ['/c', f('/c', 1, 9)],
      ['/e', { ...f('/e', 1), type: 'symlink' as const }],
      ['/z', f('/z', 5)],
    ]);
    expect(diffStates(before, after)).toEqual([
      { type: 'modify', path: '/b', mtimeMs: 2 },
      { type: 'modify', path: '/c', mtimeMs: 1 },
      { type: 'delete', path: '/d' },
      { type: 'modify', path: '/e', mtimeMs: 1 },
      { type: 'create', path: '/z', mtimeMs: 5 },
    ]);
  });

  it('reports stale files as modified, and never a directory that stays a directory', () => {
    const before: KnownState = new Map<string, KnownStat>([
      ['/s', 'stale'],
      ['/d', { path: '/d', type: 'directory', size: 0, mtimeMs: 1 }],
      ['/sd', 'stale'],
    ]);
    const after = new Map<string, WatchStatEntry>([
      ['/s', f('/s', 3)],
      ['/d', { path: '/d', type: 'directory', size: 0, mtimeMs: 2 }],
      ['/sd', { path: '/sd', type: 'directory', size: 0, mtimeMs: 2 }],
    ]);
    expect(diffStates(before, after)).toEqual([{ type: 'modify', path: '/s', mtimeMs: 3 }]);
  });
});
