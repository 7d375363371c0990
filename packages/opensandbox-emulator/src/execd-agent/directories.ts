import type { BigIntStats } from 'node:fs';
import { chmod, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { applyPermission, exists, expandPath, fsError, parseMode, pathsOf, requirePath, toFileInfo, type Permission } from './file-info';
import { HttpError, isObject, readJson, sendEmpty, sendJson } from './http';

/** `GET /directories/list?path=&depth=`: entries sorted by name, walked `depth` levels down (default 1). */
export async function listDirectory(query: URLSearchParams, res: ServerResponse): Promise<void> {
  const p = requirePath(query);
  const depthText = query.get('depth');
  const depth = depthText === null || depthText === '' ? 1 : Number(depthText);
  if (!Number.isInteger(depth) || depth < 0) throw new HttpError(400, 'INVALID_REQUEST_BODY', `invalid query parameter 'depth': ${depthText}`);
  const abs = expandPath(p);
  let st;
  try {
    st = await lstat(abs);
  } catch (err) {
    throw fsError(err, p);
  }
  if (st.isSymbolicLink()) throw new HttpError(400, 'INVALID_REQUEST_BODY', `path is a symbolic link, refusing to traverse: ${abs}`);
  if (!st.isDirectory()) throw new HttpError(400, 'INVALID_REQUEST_BODY', `path is not a directory: ${abs}`);
  const out: unknown[] = [];
  const walk = async (dir: string, level: number): Promise<void> => {
    if (level > depth) return;
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const full = join(dir, name);
      let est: BigIntStats;
      try {
        est = await lstat(full, { bigint: true });
      } catch {
        continue;
      }
      out.push(toFileInfo(full, est));
      if (est.isDirectory()) await walk(full, level + 1);
    }
  };
  await walk(abs, 1);
  sendJson(res, 200, out);
}

/**
 * `POST /directories`: `{path: {mode, owner, group}}`. Like execd, an existing directory is left
 * alone; owner/group go to every directory created, the mode only to the target.
 */
export async function makeDirectories(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  if (!isObject(body)) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'request body must be an object');
  for (const [p, perm] of Object.entries(body)) {
    const abs = expandPath(p);
    const permission = (isObject(perm) ? perm : {}) as Permission;
    try {
      const created: string[] = [];
      for (let cur = abs; !(await exists(cur)); cur = dirname(cur)) {
        created.unshift(cur);
        if (dirname(cur) === cur) break;
      }
      if (created.length === 0) continue;
      await mkdir(abs, { recursive: true });
      const owners: Permission = { ...(permission.owner !== undefined ? { owner: permission.owner } : {}), ...(permission.group !== undefined ? { group: permission.group } : {}) };
      for (const dir of created) await applyPermission(dir, owners);
      const mode = parseMode(permission.mode);
      if (mode !== undefined) await chmod(abs, mode);
    } catch (err) {
      throw fsError(err, p);
    }
  }
  sendEmpty(res);
}

/** `DELETE /directories?path=…`: recursive, missing ones ignored. */
export async function deleteDirectories(query: URLSearchParams, res: ServerResponse): Promise<void> {
  for (const p of pathsOf(query)) {
    try {
      await rm(expandPath(p), { recursive: true, force: true });
    } catch (err) {
      throw fsError(err, p);
    }
  }
  sendEmpty(res);
}
