/** envd's REST file transfer: `GET /files` (download) and `POST /files` (multipart or octet-stream upload). */
import { createReadStream, type Stats } from 'node:fs';
import { chown, mkdir, open, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname } from 'node:path';
import { gunzipSync, createGzip } from 'node:zlib';
import { readBody } from './connect-protocol';
import { goErrnoText } from './entry-info';
import type { PathResolver } from './filesystem-service';

function jsonError(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ code: status, message });
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
}

/** Serves `GET /files?path=…`. */
export async function getFile(req: IncomingMessage, res: ServerResponse, resolve: PathResolver): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://envd');
  const raw = url.searchParams.get('path') ?? '';
  const path = resolve(raw);
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    // envd: only "does not exist" is 404; ENOTDIR (a path under a regular file) and the like are 500.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return jsonError(res, 404, `path '${path}' does not exist`);
    return jsonError(res, 500, `error checking if path exists '${path}': stat ${path}: ${goErrnoText(error)}`);
  }
  if (info.isDirectory()) return jsonError(res, 400, `path '${path}' is a directory`);
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  if (gzip) {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip', vary: 'Accept-Encoding' });
    createReadStream(path).pipe(createGzip()).pipe(res);
    return;
  }
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': info.size,
    'last-modified': info.mtime.toUTCString(),
  });
  createReadStream(path).pipe(res);
}

/** Bytes per `write(2)` in an upload (Go's multipart reader hands the body over in 4 KiB reads). */
const UPLOAD_WRITE_BYTES = 4096;

/**
 * Writes one uploaded file with envd's syscall sequence, so a watcher sees what it sees on envd:
 * an existing file is chowned first (CHMOD), then opened with O_CREAT|O_TRUNC (CREATE when new),
 * a new one is fchowned (CHMOD), and the body is written in chunks (one WRITE per write).
 */
async function writeOne(path: string, data: Buffer): Promise<{ name: string; type: 'file'; path: string }> {
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (error) {
    throw Object.assign(new Error(`error ensuring directories: ${(error as Error).message}`), { status: 500 });
  }
  let existing: Stats | undefined;
  try {
    existing = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw Object.assign(new Error(`error getting file info: stat ${path}: ${goErrnoText(error)}`), { status: 500 });
  }
  if (existing?.isDirectory()) throw Object.assign(new Error(`path is a directory: ${path}`), { status: 400 });
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (existing) await chown(path, uid, gid);
  const handle = await open(path, 'w', 0o666);
  try {
    if (!existing) await handle.chown(uid, gid);
    for (let offset = 0; offset < data.length; offset += UPLOAD_WRITE_BYTES) {
      await handle.write(data, offset, Math.min(UPLOAD_WRITE_BYTES, data.length - offset));
    }
  } finally {
    await handle.close();
  }
  return { name: basename(path), type: 'file', path };
}

/** Serves `POST /files?path=…`. */
export async function postFiles(req: IncomingMessage, res: ServerResponse, resolve: PathResolver): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://envd');
  const queryPath = url.searchParams.get('path');
  let body = await readBody(req);
  if (String(req.headers['content-encoding'] ?? '') === 'gzip') {
    try {
      body = gunzipSync(body);
    } catch {
      return jsonError(res, 400, 'invalid gzip body');
    }
  }
  const contentType = String(req.headers['content-type'] ?? '');
  const written: Array<{ name: string; type: 'file'; path: string }> = [];
  try {
    if (contentType.startsWith('application/octet-stream')) {
      if (!queryPath) return jsonError(res, 400, 'path is required for octet-stream uploads');
      written.push(await writeOne(resolve(queryPath), body));
    } else if (contentType.startsWith('multipart/form-data')) {
      const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
      for (const [field, value] of form.entries()) {
        if (field !== 'file' || typeof value === 'string') continue;
        const target = queryPath ?? value.name;
        if (!target) return jsonError(res, 400, 'missing file path');
        written.push(await writeOne(resolve(target), Buffer.from(await value.arrayBuffer())));
      }
    } else {
      return jsonError(res, 400, `unsupported content type ${contentType || '(none)'}`);
    }
  } catch (error) {
    const status = (error as { status?: number }).status ?? 500;
    return jsonError(res, status, (error as Error).message);
  }
  if (written.length === 0) return jsonError(res, 400, 'no file in request');
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(written));
}
