/** envd's REST file transfer: `GET /files` (download) and `POST /files` (multipart or octet-stream upload), both streamed. */
import { createReadStream, type Stats } from 'node:fs';
import { chown, mkdir, open, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import busboy from 'busboy';
import { goErrnoText } from './entry-info';
import type { PathResolver } from './filesystem-service';

function jsonError(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ code: status, message });
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
}

/** Serves `GET /files?path=…`, streamed from disk with backpressure (memory O(chunk)). */
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
    // pipeline: a client that goes away destroys the file stream too (no fd left behind).
    await pipeline(createReadStream(path), createGzip(), res).catch(() => undefined);
    return;
  }
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': info.size,
    'last-modified': info.mtime.toUTCString(),
  });
  await pipeline(createReadStream(path), res).catch(() => undefined);
}

/** Bytes per `write(2)` of a multipart upload (Go's multipart reader hands the body over in 4 KiB reads). */
const MULTIPART_WRITE_BYTES = 4096;

/** Bytes per `write(2)` of an octet-stream upload (Go's `io.Copy` buffer). */
const OCTET_WRITE_BYTES = 32 * 1024;

/** An envd error answer: status + message. */
class UploadError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Writes one uploaded file with envd's syscall sequence, so a watcher sees what it sees on envd:
 * an existing file is chowned first (CHMOD), then opened with O_CREAT|O_TRUNC (CREATE when new),
 * a new one is fchowned (CHMOD), and the body is written as it arrives, in writes of at most
 * `writeBytes` (one WRITE per write). Streams: one chunk of `body` in memory at a time. A body
 * that fails (client gone) leaves what was written, as envd does.
 */
async function writeOne(path: string, body: AsyncIterable<Buffer>, writeBytes: number): Promise<{ name: string; type: 'file'; path: string }> {
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (error) {
    throw new UploadError(500, `error ensuring directories: ${(error as Error).message}`);
  }
  let existing: Stats | undefined;
  try {
    existing = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new UploadError(500, `error getting file info: stat ${path}: ${goErrnoText(error)}`);
  }
  if (existing?.isDirectory()) throw new UploadError(400, `path is a directory: ${path}`);
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (existing) await chown(path, uid, gid);
  const handle = await open(path, 'w', 0o666);
  try {
    if (!existing) await handle.chown(uid, gid);
    for await (const chunk of body) {
      for (let offset = 0; offset < chunk.length; offset += writeBytes) {
        await handle.write(chunk, offset, Math.min(writeBytes, chunk.length - offset));
      }
    }
  } finally {
    await handle.close();
  }
  return { name: basename(path), type: 'file', path };
}

/** The request body, gunzipped when `content-encoding: gzip`, as a stream (never buffered whole). */
function bodyOf(req: IncomingMessage): Readable {
  if (String(req.headers['content-encoding'] ?? '') !== 'gzip') return req;
  const gunzip = createGunzip();
  req.on('error', (error) => gunzip.destroy(error));
  return req.pipe(gunzip);
}

/**
 * The `file` parts of a multipart body, one after the other, each written by `write` as it
 * streams in (busboy; memory O(chunk)). Other fields are skipped.
 */
function writeMultipart(
  body: Readable,
  headers: IncomingMessage['headers'],
  write: (filename: string, part: Readable) => Promise<{ name: string; type: 'file'; path: string }>,
): Promise<Array<{ name: string; type: 'file'; path: string }>> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers, preservePath: true });
    } catch (error) {
      reject(new UploadError(400, `error parsing multipart form: ${(error as Error).message}`));
      return;
    }
    const written: Array<{ name: string; type: 'file'; path: string }> = [];
    let chain: Promise<void> = Promise.resolve();
    let failed = false;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      body.unpipe(parser);
      body.resume();
      reject(error instanceof UploadError ? error : new UploadError(400, (error as Error).message));
    };
    parser.on('file', (field, part, info) => {
      if (field !== 'file' || failed) {
        part.resume();
        return;
      }
      chain = chain.then(async () => {
        if (failed) return void part.resume();
        try {
          written.push(await write(info.filename ?? '', part));
        } catch (error) {
          part.resume();
          fail(error);
        }
      });
    });
    parser.on('error', fail);
    body.on('error', fail);
    parser.on('close', () => {
      void chain.then(() => {
        if (!failed) resolve(written);
      });
    });
    body.pipe(parser);
  });
}

/**
 * Serves `POST /files?path=…`: an `application/octet-stream` body (the `path` query names the
 * file) or a `multipart/form-data` one (`file` parts; `path` or each part's filename names it),
 * written to disk as it arrives.
 */
export async function postFiles(req: IncomingMessage, res: ServerResponse, resolve: PathResolver): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://envd');
  const queryPath = url.searchParams.get('path');
  const contentType = String(req.headers['content-type'] ?? '');
  const refuse = (status: number, message: string): void => {
    jsonError(res, status, message);
    req.resume();
  };
  const body = bodyOf(req);
  const written: Array<{ name: string; type: 'file'; path: string }> = [];
  try {
    if (contentType.startsWith('application/octet-stream')) {
      if (!queryPath) return refuse(400, 'path is required for octet-stream uploads');
      written.push(await writeOne(resolve(queryPath), body, OCTET_WRITE_BYTES));
    } else if (contentType.startsWith('multipart/form-data')) {
      written.push(
        ...(await writeMultipart(body, req.headers, (filename, part) => {
          const target = queryPath ?? filename;
          if (!target) throw new UploadError(400, 'missing file path');
          return writeOne(resolve(target), part, MULTIPART_WRITE_BYTES);
        })),
      );
    } else {
      return refuse(400, `unsupported content type ${contentType || '(none)'}`);
    }
  } catch (error) {
    if (req.errored || req.destroyed) return; // the client went away mid-upload: nobody to answer
    if (String(req.headers['content-encoding'] ?? '') === 'gzip' && (error as NodeJS.ErrnoException).code?.startsWith('Z_')) return refuse(400, 'invalid gzip body');
    return refuse(error instanceof UploadError ? error.status : 500, (error as Error).message);
  }
  if (written.length === 0) return refuse(400, 'no file in request');
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(written));
}
