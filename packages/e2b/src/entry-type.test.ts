import { FileType as E2BFileType } from 'e2b';
import { describe, expect, it } from 'vitest';
import { entryMode, entryType } from './entry-type';

describe('entryType (lstat semantics from envd permissions)', () => {
  it.each([
    ['-rw-r--r--', E2BFileType.FILE, 'file'],
    ['urwxr-xr-x', E2BFileType.FILE, 'file'],
    ['drwxr-xr-x', E2BFileType.DIR, 'directory'],
    ['dtrwxrwxrwx', E2BFileType.DIR, 'directory'],
    ['Lrwxrwxrwx', E2BFileType.FILE, 'symlink'],
    ['Lrwxrwxrwx', E2BFileType.DIR, 'symlink'],
    ['Lrwxrwxrwx', undefined, 'symlink'],
    ['prw-r--r--', undefined, 'other'],
    ['Dcrw-rw-rw-', undefined, 'other'],
    ['Srwxr-xr-x', undefined, 'other'],
  ] as const)('%s (envd type %s) is %s', (permissions, type, expected) => {
    expect(entryType({ permissions, type })).toBe(expected);
  });

  it('falls back to the type field without permissions', () => {
    expect(entryType({ type: E2BFileType.DIR })).toBe('directory');
    expect(entryType({ type: E2BFileType.SYMLINK, permissions: '' })).toBe('symlink');
    expect(entryType({})).toBe('other');
  });
});

describe('entryMode', () => {
  it("takes a link's own bits from permissions (envd's mode is the target's, 0 when dangling)", () => {
    expect(entryMode({ permissions: 'Lrwxrwxrwx', type: undefined, mode: 0 })).toBe(0o777);
    expect(entryMode({ permissions: 'Lrwxr-x---', type: E2BFileType.FILE, mode: 0o644 })).toBe(0o750);
    expect(entryMode({ permissions: '-rw-r--r--', type: E2BFileType.FILE, mode: 0o644 })).toBe(0o644);
  });
});
