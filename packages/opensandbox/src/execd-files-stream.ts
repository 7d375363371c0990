import type { Sandbox as SdkSandbox } from '@alibaba-group/opensandbox';
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ExecdRequestError } from './execd-events';

/** Where `GET /files/download` goes: the SDK files adapter's own base URL, headers and fetch for this sandbox. */
interface FilesTarget {
  baseUrl: string;
  headers: Record<string, string>;
  fetch: typeof fetch;
}

/**
 * The execd transport the SDK built for `sdk.files` (base URL, headers, fetch), so a download goes
 * exactly where the SDK would send it, in every routing mode. `undefined` when this SDK version
 * keeps them elsewhere.
 */
function filesTarget(sdk: SdkSandbox): FilesTarget | undefined {
  const adapter = sdk.files as unknown as { opts?: { baseUrl?: unknown; headers?: unknown }; fetch?: unknown };
  const baseUrl = adapter.opts?.baseUrl;
  if (typeof baseUrl !== 'string' || typeof adapter.fetch !== 'function') return undefined;
  const headers = typeof adapter.opts?.headers === 'object' && adapter.opts.headers !== null ? (adapter.opts.headers as Record<string, string>) : {};
  return { baseUrl: baseUrl.replace(/\/+$/, ''), headers, fetch: adapter.fetch as typeof fetch };
}

/**
 * Opens `GET /files/download?path=` as a byte stream, aborted with `signal` (the SDK's own
 * `downloadStream` takes no signal, so an abandoned download would hold its connection). Falls back
 * to the SDK's `readBytesStream` when its transport cannot be found. The body is the response's
 * own stream: pulled chunk by chunk, never collected.
 * @throws ExecdRequestError for a non-2xx answer (shaped like the SDK's `SandboxApiException`); transport errors as `fetch` raises them
 */
export async function openDownloadStream(sdk: SdkSandbox, path: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
  const target = filesTarget(sdk);
  if (target === undefined) return iterableToStream(sdk.files.readBytesStream(path));
  const response = await target.fetch(`${target.baseUrl}/files/download?path=${encodeURIComponent(path)}`, { method: 'GET', headers: { ...target.headers }, signal });
  if (!response.ok) {
    const body = await response.text().catch(() => '');
    throw new ExecdRequestError({ status: response.status, requestId: response.headers.get('x-request-id') ?? undefined, body, what: 'Download' });
  }
  return (response.body as ReadableStream<Uint8Array> | null) ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
}

function iterableToStream(iterable: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = iterable[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await iterator.next();
        if (next.done === true) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/** The multipart body of `POST /files/upload` for one file, as the SDK builds it, with `source` streamed in. */
async function* multipartBody(boundary: string, path: string, source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  const name = path.split('/').filter(Boolean).pop() ?? 'file';
  yield encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="metadata"; filename="metadata"\r\nContent-Type: application/json\r\n\r\n` +
      `${JSON.stringify({ path })}\r\n--${boundary}\r\n` +
      `Content-Disposition: form-data; name="file"; filename="${name.replace(/["\r\n\\]/g, '_')}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  yield* source;
  yield encoder.encode(`\r\n--${boundary}--\r\n`);
}

async function readText(response: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    if (size < 64 * 1024) parts.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Streams `source` to `path` as one multipart `POST /files/upload` on the SDK files adapter's base
 * URL and headers, over `node:http(s)` with backpressure: one chunk in flight, whatever the size.
 * (Node's `fetch` keeps a streamed request body in memory until the request ends, so neither the
 * SDK's `writeFiles` nor `fetch` can be used for big files.) Aborting `signal` destroys the request.
 * Falls back to the SDK's `writeFiles` when its transport cannot be found.
 * @throws ExecdRequestError for a non-2xx answer; the source's or the transport's error otherwise
 */
export async function uploadStream(upload: { sdk: SdkSandbox; path: string; source: AsyncIterable<Uint8Array>; signal: AbortSignal }): Promise<void> {
  const { sdk, path, source, signal } = upload;
  const target = filesTarget(sdk);
  if (target === undefined) {
    await sdk.files.writeFiles([{ path, data: source }]);
    return;
  }
  const url = new URL(`${target.baseUrl}/files/upload`);
  const boundary = `kode_${randomBytes(12).toString('hex')}`;
  const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
    method: 'POST',
    headers: { ...target.headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
    signal,
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  response.catch(() => undefined);
  const sent = pipeline(Readable.from(multipartBody(boundary, path, source), { objectMode: false }), request);
  sent.catch(() => undefined);
  const answer = await Promise.race([response, sent.then(() => response)]);
  const status = answer.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    const body = await readText(answer).catch(() => '');
    request.destroy();
    const requestId = answer.headers['x-request-id'];
    throw new ExecdRequestError({ status, requestId: typeof requestId === 'string' ? requestId : undefined, body, what: 'Upload' });
  }
  await sent;
  answer.resume();
}
