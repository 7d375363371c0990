/**
 * envd's `filesystem.EntryInfo` in proto3 JSON form, built the way envd's `GetEntryInfo` builds it:
 * `lstat` for name, size, times and the `permissions` string (`Lrwxrwxrwx` for a link), but for a
 * symbolic link the TARGET's type and permission bits, with the resolved target path. A dangling
 * link has type UNSPECIFIED, mode 0 and its own path as `symlinkTarget`.
 */
import { lstat, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename } from 'node:path';
import { RpcError } from './connect-protocol';

/** JSON shape of `filesystem.EntryInfo`. */
export interface EntryInfoJson {
  name: string;
  type: 'FILE_TYPE_FILE' | 'FILE_TYPE_DIRECTORY' | 'FILE_TYPE_SYMLINK' | 'FILE_TYPE_UNSPECIFIED';
  path: string;
  size: string;
  mode: number;
  permissions: string;
  owner: string;
  group: string;
  modifiedTime: string;
  symlinkTarget?: string;
}

/** The entry type of a followed (`stat`) result: a regular file or directory, else UNSPECIFIED. */
function fileType(stats: Stats): EntryInfoJson['type'] {
  if (stats.isDirectory()) return 'FILE_TYPE_DIRECTORY';
  if (stats.isFile()) return 'FILE_TYPE_FILE';
  return 'FILE_TYPE_UNSPECIFIED';
}

const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_ISVTX = 0o1000;

/**
 * Go's `os.FileMode.String()` of an `lstat` result: the type and special letters in Go's order
 * (`d`, `L`, `D`, `p`, `S`, `u`, `g`, `c`, `t`; `-` when none) then `rwxrwxrwx`, e.g. `-rw-r--r--`,
 * `drwxr-xr-x`, `Lrwxrwxrwx`, `dtrwxrwxrwx` (/tmp).
 */
export function goModeString(stats: Stats): string {
  let lead = '';
  if (stats.isDirectory()) lead += 'd';
  if (stats.isSymbolicLink()) lead += 'L';
  if (stats.isBlockDevice() || stats.isCharacterDevice()) lead += 'D';
  if (stats.isFIFO()) lead += 'p';
  if (stats.isSocket()) lead += 'S';
  if (stats.mode & S_ISUID) lead += 'u';
  if (stats.mode & S_ISGID) lead += 'g';
  if (stats.isCharacterDevice()) lead += 'c';
  if (stats.mode & S_ISVTX) lead += 't';
  const bits = 'rwxrwxrwx';
  let out = '';
  for (let i = 0; i < 9; i++) out += stats.mode & (1 << (8 - i)) ? bits[i] : '-';
  return (lead || '-') + out;
}

function ownerName(id: number): string {
  return id === 0 ? 'root' : String(id);
}

/** Builds the entry from already-read `lstat` stats (a link's target is resolved and `stat`ed). */
export async function entryFromStats(path: string, stats: Stats): Promise<EntryInfoJson> {
  let type = fileType(stats);
  let mode = stats.mode & 0o777;
  let symlinkTarget: string | undefined;
  if (stats.isSymbolicLink()) {
    // envd: filepath.EvalSymlinks, falling back to the link's own path; then os.Stat of that.
    symlinkTarget = await realpath(path).catch(() => path);
    const target = await stat(symlinkTarget).catch(() => undefined);
    type = target ? fileType(target) : 'FILE_TYPE_UNSPECIFIED';
    mode = target ? target.mode & 0o777 : 0;
  }
  const entry: EntryInfoJson = {
    name: basename(path),
    type,
    path,
    size: String(stats.size),
    mode,
    permissions: goModeString(stats),
    owner: ownerName(stats.uid),
    group: ownerName(stats.gid),
    modifiedTime: new Date(stats.mtimeMs).toISOString(),
  };
  if (symlinkTarget !== undefined) entry.symlinkTarget = symlinkTarget;
  return entry;
}

/** `lstat`s `path` into an entry. @throws RpcError not_found (missing), internal (e.g. ENOTDIR) */
export async function entryInfo(path: string): Promise<EntryInfoJson> {
  let stats: Stats;
  try {
    stats = await lstat(path);
  } catch (error) {
    throw toRpcError(error, path);
  }
  return entryFromStats(path, stats);
}

/**
 * Maps a failed `lstat` to the Connect error envd returns: only "does not exist" (ENOENT) is
 * `not_found`; anything else, ENOTDIR (a path under a regular file) included, is `internal`.
 */
export function toRpcError(error: unknown, path: string): RpcError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new RpcError('not_found', `file not found: lstat ${path}: no such file or directory`);
  return new RpcError('internal', `error getting file info: lstat ${path}: ${goErrnoText(error)}`);
}

/** Go's text for an errno (`not a directory`, `permission denied`, …), from Node's error. */
export function goErrnoText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    ENOENT: 'no such file or directory',
    ENOTDIR: 'not a directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ELOOP: 'too many levels of symbolic links',
    EISDIR: 'is a directory',
    ENAMETOOLONG: 'file name too long',
  };
  return (code && known[code]) ?? (error as Error).message;
}
