import { readFileSync, type BigIntStats } from 'node:fs';
import { chmod, lchown, lstat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { errMessage, HttpError } from './http';

/** Expands `~` and `$VAR` / `${VAR}` like execd, then resolves against the agent's cwd. */
export function expandPath(p: string): string {
  let out = p;
  if (out === '~' || out.startsWith('~/')) out = (process.env.HOME || '/root') + out.slice(1);
  out = out.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a: string | undefined, b: string | undefined) => process.env[a ?? b ?? ''] ?? '');
  return resolve(out);
}

interface Accounts {
  users: Map<number, string>;
  groups: Map<number, string>;
  userIds: Map<string, number>;
  groupIds: Map<string, number>;
}

let accounts: Accounts | undefined;

/** Users and groups of the sandbox (`/etc/passwd`, `/etc/group`), read once. */
function loadAccounts(): Accounts {
  if (accounts) return accounts;
  const parse = (file: string, byId: Map<number, string>, byName: Map<string, number>): void => {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return;
    }
    for (const line of text.split('\n')) {
      const parts = line.split(':');
      if (parts.length < 3 || !parts[0]) continue;
      const id = Number(parts[2]);
      if (!Number.isInteger(id)) continue;
      if (!byId.has(id)) byId.set(id, parts[0]);
      byName.set(parts[0], id);
    }
  };
  const next: Accounts = { users: new Map(), groups: new Map(), userIds: new Map(), groupIds: new Map() };
  parse('/etc/passwd', next.users, next.userIds);
  parse('/etc/group', next.groups, next.groupIds);
  accounts = next;
  return next;
}

/** A user or group name (or numeric id) → its id. @throws HttpError 500 for an unknown name */
function resolveId(name: string | undefined, kind: 'user' | 'group'): number | undefined {
  if (name === undefined || name === null || name === '') return undefined;
  const acc = loadAccounts();
  const found = kind === 'user' ? acc.userIds.get(name) : acc.groupIds.get(name);
  if (found !== undefined) return found;
  if (/^\d+$/.test(name)) return Number(name);
  throw new HttpError(500, 'RUNTIME_ERROR', `unknown ${kind}: ${name}`);
}

/** RFC 3339 with nanoseconds, trailing zeros dropped (Go's `time.RFC3339Nano`). */
export function formatNs(ns: bigint): string {
  const ms = Number(ns / 1000000n);
  const iso = new Date(ms).toISOString(); // yyyy-mm-ddThh:mm:ss.mmmZ
  const frac = (ns % 1000000000n).toString().padStart(9, '0').replace(/0+$/, '');
  return iso.slice(0, 19) + (frac ? `.${frac}` : '') + 'Z';
}

function fileType(st: BigIntStats): 'symlink' | 'file' | 'directory' | 'other' {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  return 'other';
}

/** execd's `FileInfo` JSON (snake_case, octal-digit mode). */
export function toFileInfo(p: string, st: BigIntStats): Record<string, unknown> {
  const acc = loadAccounts();
  const uid = Number(st.uid);
  const gid = Number(st.gid);
  const birth = st.birthtimeNs > 0n ? st.birthtimeNs : st.ctimeNs;
  return {
    path: p,
    size: Number(st.size),
    modified_at: formatNs(st.mtimeNs),
    created_at: formatNs(birth),
    owner: acc.users.get(uid) ?? String(uid),
    group: acc.groups.get(gid) ?? String(gid),
    mode: Number((Number(st.mode) & 0o777).toString(8)),
    type: fileType(st),
  };
}

/** ENOENT or ENOTDIR: the path does not exist. */
export function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A file system failure as execd answers it: 404 `FILE_NOT_FOUND` or 500 `RUNTIME_ERROR`. */
export function fsError(err: unknown, p: string): HttpError {
  if (err instanceof HttpError) return err;
  if (isNotFound(err)) {
    const e = err as { syscall?: string; path?: string };
    return new HttpError(404, 'FILE_NOT_FOUND', `file not found. ${e.syscall ?? 'stat'} ${e.path ?? p}: no such file or directory`);
  }
  return new HttpError(500, 'RUNTIME_ERROR', `error accessing file: ${errMessage(err)}`);
}

/** Octal-digit int (755) → numeric mode; undefined for "leave it". @throws HttpError 400 */
export function parseMode(mode: unknown): number | undefined {
  if (mode === undefined || mode === null || mode === 0 || mode === '') return undefined;
  const text = typeof mode === 'string' || typeof mode === 'number' ? String(mode) : JSON.stringify(mode);
  if (!/^[0-7]{1,4}$/.test(text)) throw new HttpError(400, 'INVALID_REQUEST_BODY', `invalid mode: ${text}`);
  return parseInt(text, 8);
}

/** What execd's `Permission` JSON carries. */
export interface Permission {
  mode?: unknown;
  owner?: string;
  group?: string;
}

/** chmod (when a mode is given), then chown of what is named. */
export async function applyPermission(p: string, perm: Permission): Promise<void> {
  const mode = parseMode(perm.mode);
  if (mode !== undefined) await chmod(p, mode);
  const uid = resolveId(perm.owner, 'user');
  const gid = resolveId(perm.group, 'group');
  if (uid !== undefined || gid !== undefined) await lchown(p, uid ?? -1, gid ?? -1);
}

/** Whether anything exists at `p` (symlinks not followed). */
export async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** Every `path` query value. */
export function pathsOf(query: URLSearchParams): string[] {
  return query.getAll('path');
}

/** The `path` query value. @throws HttpError 400 `MISSING_QUERY` */
export function requirePath(query: URLSearchParams): string {
  const p = query.get('path');
  if (!p) throw new HttpError(400, 'MISSING_QUERY', "missing query parameter 'path'");
  return p;
}
