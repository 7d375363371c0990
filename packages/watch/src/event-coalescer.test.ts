import { describe, expect, it } from 'vitest';
import { EventCoalescer, mergeChangeType } from './event-coalescer';
import type { StateChange } from './stat-state';

describe('mergeChangeType', () => {
  it.each([
    ['create', 'modify', 'create'],
    ['create', 'delete', 'delete'],
    ['create', 'create', 'create'],
    ['modify', 'modify', 'modify'],
    ['modify', 'delete', 'delete'],
    ['delete', 'create', 'modify'],
    ['modify', 'create', 'modify'],
    ['delete', 'delete', 'delete'],
  ] as const)('%s then %s → %s', (first, last, expected) => {
    expect(mergeChangeType(first, last)).toBe(expected);
  });
});

describe('EventCoalescer', () => {
  it('keeps every path once, in first-seen order, and clear drops the queue', () => {
    const flushed: StateChange[][] = [];
    const c = new EventCoalescer({ windowMs: 60_000, flush: (changes) => flushed.push(changes) });
    c.push({ type: 'create', path: '/a' });
    c.push({ type: 'modify', path: '/b', mtimeMs: 5 });
    c.push({ type: 'modify', path: '/a' });
    c.push({ type: 'delete', path: '/b' });
    c.flushNow();
    expect(flushed).toEqual([
      [
        { type: 'create', path: '/a' },
        { type: 'delete', path: '/b' },
      ],
    ]);
    c.push({ type: 'create', path: '/c' });
    c.clear();
    c.flushNow();
    expect(flushed).toHaveLength(1);
  });

  it('flushes on its own after the window', async () => {
    const flushed = await new Promise<StateChange[]>((resolve) => {
      const c = new EventCoalescer({ windowMs: 5, flush: resolve });
      c.push({ type: 'modify', path: '/x' });
    });
    expect(flushed).toEqual([{ type: 'modify', path: '/x' }]);
  });
});
