/** envd's REST file transfer: `GET /files` (download) and `POST /files` (multipart or octet-stream upload). */
import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname } from 'node:path';
import { gunzipSync, createGzip } from 'node:zlib';
import { readBody } from './connect-protocol';
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
  const info = await stat(path).catch(() => undefined);
  if (!info) return jsonError(res, 404, `path '${path}' does not exist`);
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

async function writeOne(path: string, data: Buffer): Promise<{ name: string; type: 'file'; path: string }> {
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw Object.assign(new Error(`path '${path}' is a directory`), { status: 400 });
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
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
