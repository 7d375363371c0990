import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@kode/core';
import { normalizeWatchPaths, parentPath, WatchTargets } from './watch-targets';

describe('normalizeWatchPaths', () => {
  it('normalises and de-duplicates absolute paths', () => {
    expect(normalizeWatchPaths(['/a/./b/', '/a/b', '/c//d/../e'])).toEqual(['/a/b', '/c/e']);
  });

  it.each([[[]], [['rel']], [['']], [['/a\0']], ['/a'], [[42]]])('rejects %j', (paths) => {
    expect(() => normalizeWatchPaths(paths)).toThrow(InvalidArgumentError);
  });
});

describe('WatchTargets', () => {
  it('includes targets, children, and descendants only when recursive; never siblings or ancestors', () => {
    const deep = new WatchTargets(['/w/d', '/w/f.txt'], true);
    const flat = new WatchTargets(['/w/d', '/w/f.txt'], false);
    for (const t of [deep, flat]) {
      expect(t.includes('/w/d')).toBe(true);
      expect(t.includes('/w/d/x')).toBe(true);
      expect(t.includes('/w/f.txt')).toBe(true);
      expect(t.includes('/w/f.txt.bak')).toBe(false);
      expect(t.includes('/w/dd')).toBe(false);
      expect(t.includes('/w')).toBe(false);
    }
    expect(deep.includes('/w/d/x/y')).toBe(true);
    expect(flat.includes('/w/d/x/y')).toBe(false);
    expect(new WatchTargets(['/'], false).includes('/etc')).toBe(true);
    expect(parentPath('/a')).toBe('/');
  });
});
