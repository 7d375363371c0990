import { describe, expect, it } from 'vitest';
import { parseSnapshot } from './watch-port';

describe('parseSnapshot', () => {
  it('parses GNU find -printf records, names with spaces and newlines included', () => {
    const out = ['d 4096 1700000000.5000000000 /w', 'f 12 1700000001.123456789 /w/a b.txt', 'f 3 1700000002 /w/line\nbreak', 'l 5 1700000003.9 /w/link', ''].join('\0');
    expect(parseSnapshot(out)).toEqual([
      { type: 'directory', size: 4096, mtimeMs: 1_700_000_000_500, path: '/w' },
      { type: 'file', size: 12, mtimeMs: 1_700_000_001_123, path: '/w/a b.txt' },
      { type: 'file', size: 3, mtimeMs: 1_700_000_002_000, path: '/w/line\nbreak' },
      { type: 'symlink', size: 5, mtimeMs: 1_700_000_003_900, path: '/w/link' },
    ]);
  });

  it('parses the busybox stat fallback (raw mode in hex)', () => {
    const out = ['x81a4 10 1700000000 /w/f', 'x41ed 0 1700000000 /w', 'xa1ff 1 1700000000 /w/l', 'x1180 0 1700000000 /w/fifo', ''].join('\0');
    expect(parseSnapshot(out).map((e) => e.type)).toEqual(['file', 'directory', 'symlink', 'other']);
  });

  it('ignores garbage and duplicates', () => {
    expect(parseSnapshot('nonsense\0f 1 2 relative\0f 1 2 /a\0f 1 2 /a\0')).toEqual([{ type: 'file', size: 1, mtimeMs: 2000, path: '/a' }]);
  });
});
