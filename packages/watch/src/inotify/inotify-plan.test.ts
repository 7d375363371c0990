import { describe, expect, it } from 'vitest';
import type { WatchStatEntry } from '../watch-port';
import { planInotifyWatch, planningPaths } from './inotify-plan';

const dir = (path: string): WatchStatEntry => ({ path, type: 'directory', size: 0, mtimeMs: 1 });
const file = (path: string): WatchStatEntry => ({ path, type: 'file', size: 1, mtimeMs: 1 });

describe('planningPaths', () => {
  it('lists every target and each of its ancestors once', () => {
    expect(planningPaths(['/a/b/c', '/a/d']).sort()).toEqual(['/', '/a', '/a/b', '/a/b/c', '/a/d']);
  });
});

describe('planInotifyWatch', () => {
  const entries = [dir('/'), dir('/w'), dir('/w/src'), file('/w/src/a.ts'), file('/w/readme')];

  it('watches directory targets recursively and other files through their parent', () => {
    const plan = planInotifyWatch({ targets: ['/w/src', '/w/readme'], recursive: true, entries });
    expect(plan.recursiveDirs).toEqual(['/w/src']);
    expect(plan.flatDirs).toEqual(['/w']);
    expect(plan.armPoints.size).toBe(0);
  });

  it('drops flat directories covered by a recursive one', () => {
    const plan = planInotifyWatch({ targets: ['/w', '/w/src/a.ts'], recursive: true, entries });
    expect(plan.recursiveDirs).toEqual(['/w']);
    expect(plan.flatDirs).toEqual([]);
  });

  it('watches the nearest existing ancestor of a missing target and arms every step to it', () => {
    const plan = planInotifyWatch({ targets: ['/w/x/y/z.txt'], recursive: true, entries });
    expect(plan.flatDirs).toEqual(['/w']);
    expect([...plan.armPoints].sort()).toEqual(['/w/x', '/w/x/y', '/w/x/y/z.txt']);
    expect([...plan.roots]).toEqual(['/w']);
  });

  it('watches a non-recursive directory target flat', () => {
    const plan = planInotifyWatch({ targets: ['/w/src'], recursive: false, entries });
    expect(plan).toMatchObject({ recursiveDirs: [], flatDirs: ['/w/src'] });
  });
});
