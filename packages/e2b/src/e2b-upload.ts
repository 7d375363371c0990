import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Sandbox as E2BClient } from 'e2b';

/** envd's port, which the `E2b-Sandbox-Port` header names (the client's `envdPort`). */
const ENVD_PORT = '49983';

/** At most this much of an error answer is kept for the message, in bytes. */
const MAX_ERROR_BODY = 4096;

/** A failed upload answer, shaped like the client's errors for `mapE2BError` (`statusCode`, `"<status>: "` prefix). */
export class E2BUploadError extends Error {
  /** The HTTP status envd (or E2B's proxy) answered. */
  readonly statusCode: number;

  constructor(status: number, body: string) {
    let message = body.trim();
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // not JSON: keep the text
    }
    super(`${status}: ${message}`);
    this.name = 'E2BUploadError';
    this.statusCode = status;
  }
}

async function readText(response: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of response) {
    if (text.length < MAX_ERROR_BODY) text += (chunk as Buffer).toString('utf8');
  }
  return text.slice(0, MAX_ERROR_BODY);
}

/**
 * One multipart part `file` named `path`, its bytes pulled from `source`. The part header goes out
 * together with the first non-empty chunk: a multipart parser may hold back the header's final CRLF
 * (it could begin the next boundary) until more bytes arrive, so a header sent alone can leave the
 * file unopened (busboy does). `beforeData()` runs after that first chunk and before the rest.
 */
async function* multipartBody(options: { boundary: string; path: string; source: AsyncIterable<Uint8Array>; beforeData: () => Promise<void> }): AsyncGenerator<Uint8Array> {
  const name = options.path.replace(/["\r\n\\]/g, (c) => encodeURIComponent(c));
  const header = Buffer.from(`--${options.boundary}\r\ncontent-disposition: form-data; name="file"; filename="${name}"\r\ncontent-type: application/octet-stream\r\n\r\n`);
  const closing = Buffer.from(`\r\n--${options.boundary}--\r\n`);
  const iterator = options.source[Symbol.asyncIterator]();
  try {
    let first = await iterator.next();
    while (!first.done && first.value.byteLength === 0) first = await iterator.next();
    if (first.done) {
      yield Buffer.concat([header, closing]);
      return;
    }
    yield Buffer.concat([header, first.value]);
    await options.beforeData();
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    yield closing;
  } finally {
    await iterator.return?.();
  }
}

/**
 * Uploads `source` to `path` as ONE streamed `multipart/form-data` `POST` to the client's public
 * `uploadUrl(path)` (envd's `POST /files`, signed when the sandbox is secured; every envd version
 * takes it), sent with `node:http(s)` and backpressure: one chunk in flight, memory O(chunk).
 * Why not `files.write(path, stream)`: the client sends a stream with `fetch`, which keeps every
 * chunk of the body reachable until the request ends (measured: +191 MiB of ArrayBuffers for a
 * 200 MB upload, even with forced GCs), and buffers it whole into a Blob on envd < 0.5.7.
 * `beforeData` runs after the part header and the first chunk are sent, before the rest.
 * Aborting `signal` destroys the request.
 * @throws E2BUploadError for a non-2xx answer; the abort reason or a socket error otherwise
 */
export async function uploadStream(upload: {
  client: E2BClient;
  path: string;
  source: AsyncIterable<Uint8Array>;
  signal: AbortSignal;
  beforeData: () => Promise<void>;
}): Promise<void> {
  const { client, path, source, signal, beforeData } = upload;
  const url = new URL(await client.uploadUrl(path));
  const boundary = `kode_${randomBytes(12).toString('hex')}`;
  const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
    method: 'POST',
    // The sandbox headers route the request when `sandboxUrl` points at a shared proxy; a
    // sandbox's own host ignores them.
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'E2b-Sandbox-Id': client.sandboxId, 'E2b-Sandbox-Port': ENVD_PORT },
    signal,
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  response.catch(() => undefined);
  const sent = pipeline(Readable.from(multipartBody({ boundary, path, source, beforeData }), { objectMode: false }), request);
  sent.catch(() => undefined);
  const answer = await Promise.race([response, sent.then(() => response)]);
  const status = answer.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    const body = await readText(answer).catch(() => '');
    request.destroy();
    throw new E2BUploadError(status, body);
  }
  await sent;
  answer.resume();
}
