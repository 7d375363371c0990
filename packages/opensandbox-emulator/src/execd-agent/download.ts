import { createReadStream, type ReadStream, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename } from 'node:path';
import { expandPath, fsError, requirePath } from './file-info';
import { HttpError } from './http';

/**
 * execd's Range parsing: `invalid` for a malformed header (execd answers 416 `{"code":"UNKNOWN"}`),
 * `unsatisfiable` when no range overlaps the file (416 "invalid range: failed to overlap"),
 * otherwise the first satisfiable range (multi-range requests get only the first).
 */
export function parseRange(header: string, size: number): { start: number; end: number } | 'invalid' | 'unsatisfiable' {
  if (!header.startsWith('bytes=')) return 'invalid';
  let first: { start: number; end: number } | undefined;
  for (const raw of header.slice(6).split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const dash = part.indexOf('-');
    if (dash < 0) return 'invalid';
    const a = part.slice(0, dash).trim();
    const b = part.slice(dash + 1).trim();
    let start: number;
    let length: number;
    if (a === '') {
      if (!/^\d+$/.test(b)) return 'invalid';
      const n = Math.min(Number(b), size);
      start = size - n;
      length = n;
    } else {
      if (!/^\d+$/.test(a)) return 'invalid';
      start = Number(a);
      if (b === '') {
        length = size - start;
      } else {
        if (!/^\d+$/.test(b) || Number(b) < start) return 'invalid';
        length = Number(b) - start + 1;
      }
    }
    if (start >= size) continue;
    if (start + length > size) length = size - start;
    first ??= { start, end: start + length - 1 };
  }
  return first ?? 'unsatisfiable';
}

/** Like execd: plain `filename` for ASCII names, RFC 5987 `filename*` (and an escaped fallback) otherwise. */
function contentDisposition(name: string): string {
  if ([...name].every((ch) => ch.charCodeAt(0) < 128)) return `attachment; filename="${name}"`;
  const encoded = encodeURIComponent(name);
  return `attachment; filename="${encoded}"; filename*=UTF-8''${encoded}`;
}

/** The Content-Length execd announces for a directory download (math.MaxInt64). */
const DIRECTORY_CONTENT_LENGTH = '9223372036854775807';

/** `GET /files/download?path=`: the file, a `Range` of it (206), or lines with `offset` + `limit`. */
export async function download(query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const p = requirePath(query);
  const abs = expandPath(p);
  let st: Stats;
  try {
    st = await stat(abs);
  } catch (err) {
    // execd opens the file first: "file not found. open <path>: no such file or directory"
    throw fsError(Object.assign(err as object, { syscall: 'open' }), p);
  }
  if (st.isDirectory()) {
    // What execd does: it announces the size its lseek(SEEK_END) of the directory gave (the
    // largest int64 on ext4/vfs), then the copy fails before the first byte and the connection is
    // cut. (Through its own /proxy/44772 the status becomes 500; see the host's self-proxy.)
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-disposition': contentDisposition(basename(abs)),
      'content-length': DIRECTORY_CONTENT_LENGTH,
    });
    res.flushHeaders();
    setImmediate(() => res.destroy());
    return;
  }
  const offsetText = query.get('offset') ?? '';
  const limitText = query.get('limit') ?? '';
  if (offsetText !== '' || limitText !== '') {
    if (offsetText === '' || limitText === '') throw new HttpError(400, 'INVALID_REQUEST_BODY', 'both offset and limit must be provided together for line-based reading');
    const offset = Number(offsetText);
    const limit = Number(limitText);
    if (!/^\d+$/.test(offsetText) || offset < 1) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'offset must be a positive integer (1-based)');
    if (!/^\d+$/.test(limitText) || limit < 1) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'limit must be a positive integer');
    // lines as they are in the file (with their newline; a last line without one stays without)
    const content = await readFile(abs);
    const selected: Buffer[] = [];
    let line = 1;
    let start = 0;
    while (start < content.length && selected.length < limit) {
      const nl = content.indexOf(10, start);
      const stop = nl < 0 ? content.length : nl + 1;
      if (line >= offset) selected.push(content.subarray(start, stop));
      line++;
      start = stop;
    }
    const body = Buffer.concat(selected);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
    return;
  }
  const size = st.size;
  const headers = {
    'content-type': 'application/octet-stream',
    'content-disposition': contentDisposition(basename(abs)),
    'accept-ranges': 'bytes',
    'last-modified': st.mtime.toUTCString(),
  };
  const rangeHeader = req.headers.range;
  if (rangeHeader) {
    const range = parseRange(rangeHeader, size);
    if (range === 'invalid') {
      res.writeHead(416, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ code: 'UNKNOWN' }));
      return;
    }
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'content-type': 'text/plain; charset=utf-8', 'content-range': `bytes */${size}` });
      res.end('invalid range: failed to overlap\n');
      return;
    }
    res.writeHead(206, { ...headers, 'content-length': range.end - range.start + 1, 'content-range': `bytes ${range.start}-${range.end}/${size}` });
    await pipeFile(createReadStream(abs, { start: range.start, end: range.end }), res);
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': size });
  await pipeFile(createReadStream(abs), res);
}

function pipeFile(rs: ReadStream, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    rs.on('error', () => {
      res.destroy();
      resolve();
    });
    rs.on('end', () => resolve());
    rs.pipe(res);
  });
}

