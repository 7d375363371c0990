import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_JSON_BODY = 32 * 1024 * 1024;

/** An execd error answer: `{code, message}` with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A JSON answer with its length. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** 200 with an empty body, execd's answer to a successful call without a payload. */
export function sendEmpty(res: ServerResponse): void {
  res.writeHead(200, { 'content-length': '0' });
  res.end();
}

/** The message of anything thrown. */
export function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The whole request body (at most 32 MiB). @throws HttpError 400 when larger */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_JSON_BODY) {
        reject(new HttpError(400, 'INVALID_REQUEST_BODY', 'request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The JSON body; `undefined` for an empty body when `optional`. @throws HttpError 400 with execd's wording */
export async function readJson(req: IncomingMessage, opts: { optional?: boolean } = {}): Promise<unknown> {
  const raw = (await readBody(req)).toString('utf8');
  if (raw.trim() === '') {
    if (opts.optional) return undefined;
    throw new HttpError(400, 'INVALID_REQUEST_BODY', 'error parsing request, MAYBE invalid body format. EOF');
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw new HttpError(400, 'INVALID_REQUEST_BODY', `error parsing request, MAYBE invalid body format. ${errMessage(err)}`);
  }
}
