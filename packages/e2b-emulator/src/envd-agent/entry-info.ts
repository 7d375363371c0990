/** envd's `filesystem.EntryInfo` in proto3 JSON form, built from `lstat` (links are not followed). */
import { lstat, readlink } from 'node:fs/promises';
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

function fileType(stats: Stats): EntryInfoJson['type'] {
  if (stats.isSymbolicLink()) return 'FILE_TYPE_SYMLINK';
  if (stats.isDirectory()) return 'FILE_TYPE_DIRECTORY';
  if (stats.isFile()) return 'FILE_TYPE_FILE';
  return 'FILE_TYPE_UNSPECIFIED';
}

/** Go's `os.FileMode.String()`, e.g. `-rw-r--r--`, `drwxr-xr-x`, `Lrwxrwxrwx`. */
function goModeString(stats: Stats): string {
  const lead = stats.isSymbolicLink() ? 'L' : stats.isDirectory() ? 'd' : stats.isFile() ? '-' : '?';
  const bits = 'rwxrwxrwx';
  let out = '';
  for (let i = 0; i < 9; i++) out += stats.mode & (1 << (8 - i)) ? bits[i] : '-';
  return lead + out;
}

function ownerName(id: number): string {
  return id === 0 ? 'root' : String(id);
}

/** Builds the entry from already-read stats. */
export async function entryFromStats(path: string, stats: Stats): Promise<EntryInfoJson> {
  const entry: EntryInfoJson = {
    name: basename(path),
    type: fileType(stats),
    path,
    size: String(stats.size),
    mode: stats.mode & 0o777,
    permissions: goModeString(stats),
    owner: ownerName(stats.uid),
    group: ownerName(stats.gid),
    modifiedTime: new Date(stats.mtimeMs).toISOString(),
  };
  if (stats.isSymbolicLink()) entry.symlinkTarget = await readlink(path).catch(() => '');
  return entry;
}

/** `lstat`s `path` into an entry. @throws RpcError not_found */
export async function entryInfo(path: string): Promise<EntryInfoJson> {
  let stats: Stats;
  try {
    stats = await lstat(path);
  } catch (error) {
    throw toRpcError(error, path);
  }
  return entryFromStats(path, stats);
}

/** Maps a Node fs error to the Connect code envd would use. */
export function toRpcError(error: unknown, path: string): RpcError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new RpcError('not_found', `file not found: lstat ${path}: no such file or directory`);
  if (code === 'ENOTDIR') return new RpcError('not_found', `file not found: ${path}: not a directory`);
  if (code === 'EACCES' || code === 'EPERM') return new RpcError('permission_denied', `permission denied: ${path}`);
  return new RpcError('internal', `error on ${path}: ${(error as Error).message}`);
}
