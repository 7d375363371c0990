import { FileType as E2BFileType, type EntryInfo } from 'e2b';
import type { FileType } from '@kode/core';

/** The fields of an envd entry that decide its type (the client's `EntryInfo` or envd's raw message). */
export interface EntryTypeFields {
  /** The client's type (`'file'`, `'dir'`, `'symlink'`, undefined); envd puts the TARGET's type here for a link. */
  type?: EntryInfo['type'] | undefined;
  /** Go's `os.FileMode.String()` of the `lstat` result, e.g. `-rw-r--r--`, `drwxr-xr-x`, `Lrwxrwxrwx`. */
  permissions?: string | undefined;
}

/** The type letters of Go's mode string (everything before the nine `rwx` characters). */
function typeLetters(permissions: string): string {
  return permissions.length > 9 ? permissions.slice(0, -9) : '';
}

/**
 * The contract's type of an envd entry, with `lstat` semantics. envd's `type` follows a symbolic
 * link (a link to a file says FILE, a dangling link UNSPECIFIED), so the `permissions` string,
 * which is the `lstat` mode, decides: `L` → `symlink`, `d` → `directory`, a device, pipe or
 * socket letter → `other`, else `file`. Without `permissions` the `type` field is used. Pure.
 */
export function entryType(entry: EntryTypeFields): FileType {
  const letters = entry.permissions === undefined || entry.permissions === '' ? undefined : typeLetters(entry.permissions);
  if (letters !== undefined) {
    if (letters.includes('L')) return 'symlink';
    if (letters.includes('d')) return 'directory';
    if (/[DpSc?]/.test(letters)) return 'other';
    return 'file';
  }
  switch (entry.type) {
    case E2BFileType.FILE:
      return 'file';
    case E2BFileType.DIR:
      return 'directory';
    case E2BFileType.SYMLINK:
      return 'symlink';
    case undefined:
      return 'other';
  }
}

/**
 * The `lstat` permission bits of an entry: parsed from `permissions` for a link (envd's `mode`
 * is the target's, or 0 for a dangling link), else envd's `mode`. Pure.
 */
export function entryMode(entry: EntryTypeFields & { mode: number }): number {
  if (entryType(entry) !== 'symlink' || entry.permissions === undefined) return entry.mode;
  const bits = entry.permissions.slice(-9);
  let mode = 0;
  for (let i = 0; i < 9; i++) if (bits[i] !== '-') mode |= 1 << (8 - i);
  return mode;
}
