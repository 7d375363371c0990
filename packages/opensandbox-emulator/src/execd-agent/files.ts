import type { Dirent } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname, join } from 'node:path';
import { applyPermission, exists, expandPath, fsError, isNotFound, pathsOf, requirePath, toFileInfo } from './file-info';
import { globToRegExp } from './glob';
import { HttpError, isObject, readJson, sendEmpty, sendJson } from './http';

/** `GET /files/info?path=…`: `lstat` of each path. @throws HttpError 404 when one is missing */
export async function filesInfo(query: URLSearchParams, res: ServerResponse): Promise<void> {
  const out: Record<string, unknown> = {};
  for (const p of pathsOf(query)) {
    const abs = expandPath(p);
    try {
      out[p] = toFileInfo(abs, await lstat(abs, { bigint: true }));
    } catch (err) {
      throw fsError(err, p);
    }
  }
  sendJson(res, 200, out);
}

/** `DELETE /files?path=…`: missing files are ignored, a directory is a 500 (as execd). */
export async function deleteFiles(query: URLSearchParams, res: ServerResponse): Promise<void> {
  for (const p of pathsOf(query)) {
    const abs = expandPath(p);
    try {
      const st = await stat(abs);
      if (st.isDirectory()) throw new HttpError(500, 'RUNTIME_ERROR', `error removing file ${p}. path is a directory: ${p}`);
      await unlink(abs);
    } catch (err) {
      if (isNotFound(err)) continue;
      throw fsError(err, p);
    }
  }
  sendEmpty(res);
}

/** `POST /files/permissions`: `{path: {mode, owner, group}}`. */
export async function setPermissions(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  if (!isObject(body)) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'request body must be an object');
  for (const [p, perm] of Object.entries(body)) {
    if (!isObject(perm)) throw new HttpError(400, 'INVALID_REQUEST_BODY', `invalid permission for ${p}`);
    try {
      await applyPermission(expandPath(p), perm);
    } catch (err) {
      throw fsError(err, p);
    }
  }
  sendEmpty(res);
}

/** `POST /files/mv`: `[{src, dest}]`; parents of `dest` are created, an existing `dest` is refused. */
export async function moveFiles(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  if (!Array.isArray(body)) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'request body must be an array');
  for (const item of body as unknown[]) {
    if (!isObject(item) || typeof item.src !== 'string' || typeof item.dest !== 'string') throw new HttpError(400, 'INVALID_REQUEST_BODY', 'each item needs src and dest');
    const src = expandPath(item.src);
    const dest = expandPath(item.dest);
    try {
      await stat(src);
    } catch (err) {
      if (isNotFound(err)) throw new HttpError(404, 'FILE_NOT_FOUND', `file not found. source path not found: ${item.src}: stat ${src}: no such file or directory`);
      throw fsError(err, item.src);
    }
    if (await exists(dest)) throw new HttpError(500, 'RUNTIME_ERROR', `error accessing file: destination path already exists: ${item.dest}`);
    try {
      await mkdir(dirname(dest), { recursive: true });
      await rename(src, dest);
    } catch (err) {
      throw fsError(err, item.src);
    }
  }
  sendEmpty(res);
}

/** `GET /files/search?path=&pattern=`: files below `path` whose base name matches the glob. */
export async function searchFiles(query: URLSearchParams, res: ServerResponse): Promise<void> {
  const root = requirePath(query);
  const pattern = query.get('pattern') || '**';
  const matcher = globToRegExp(pattern);
  const abs = expandPath(root);
  let rootStat;
  try {
    rootStat = await lstat(abs, { bigint: true });
  } catch (err) {
    throw fsError(err, root);
  }
  const out: unknown[] = [];
  if (!rootStat.isDirectory()) {
    // execd walks the root itself, so a file root is matched like any other file
    if (matcher.test(basename(abs))) out.push(toFileInfo(abs, rootStat));
    sendJson(res, 200, out);
    return;
  }
  const walk = async (dir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        await walk(full);
      } else if (matcher.test(e.name)) {
        try {
          out.push(toFileInfo(full, await lstat(full, { bigint: true })));
        } catch {
          // vanished while walking
        }
      }
    }
  };
  await walk(abs);
  sendJson(res, 200, out);
}

/** `POST /files/replace`: `{path: {old, new}}`; with `verbose=true` the counts come back. */
export async function replaceContents(query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  if (!isObject(body)) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'request body must be an object');
  const result: Record<string, { replacedCount: number }> = {};
  for (const [p, item] of Object.entries(body)) {
    if (!isObject(item) || typeof item.old !== 'string' || item.old === '') throw new HttpError(400, 'INVALID_REQUEST_BODY', `old content must not be empty for ${p}`);
    const replacement = typeof item.new === 'string' ? item.new : '';
    const abs = expandPath(p);
    try {
      const text = await readFile(abs, 'utf8');
      const parts = text.split(item.old);
      const count = parts.length - 1;
      if (count > 0) {
        const st = await stat(abs);
        await writeFile(abs, parts.join(replacement));
        await chmod(abs, st.mode & 0o7777);
      }
      result[p] = { replacedCount: count };
    } catch (err) {
      throw fsError(err, p);
    }
  }
  if (query.get('verbose') === 'true') sendJson(res, 200, result);
  else sendEmpty(res);
}
