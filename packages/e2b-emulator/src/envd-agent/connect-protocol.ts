/**
 * The slice of the Connect protocol (https://connectrpc.com/docs/protocol) that the stock `e2b`
 * client speaks to envd: JSON codec over HTTP/1.1, unary calls (`application/json`) and
 * server-streaming calls (`application/connect+json`, 5-byte envelopes, end-stream flag 0x02).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Connect error codes (the wire names). */
export type ConnectCode =
  | 'canceled'
  | 'unknown'
  | 'invalid_argument'
  | 'deadline_exceeded'
  | 'not_found'
  | 'already_exists'
  | 'permission_denied'
  | 'resource_exhausted'
  | 'failed_precondition'
  | 'aborted'
  | 'out_of_range'
  | 'unimplemented'
  | 'internal'
  | 'unavailable'
  | 'data_loss'
  | 'unauthenticated';

/** HTTP status for a unary error, per the Connect protocol's table. */
const STATUS: Record<ConnectCode, number> = {
  canceled: 499,
  unknown: 500,
  invalid_argument: 400,
  deadline_exceeded: 504,
  not_found: 404,
  already_exists: 409,
  permission_denied: 403,
  resource_exhausted: 429,
  failed_precondition: 400,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  data_loss: 500,
  unauthenticated: 401,
};

/** An RPC failure with a Connect code, as envd's handlers return them. */
export class RpcError extends Error {
  constructor(
    readonly code: ConnectCode,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a whole request body. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Encodes one envelope: flags byte, big-endian uint32 length, payload. */
export function envelope(flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(flags, 0);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** Decodes the single request envelope of a server-streaming call. */
export function decodeSingleEnvelope(body: Buffer): unknown {
  if (body.length < 5) throw new RpcError('invalid_argument', 'protocol error: missing request envelope');
  const flags = body.readUInt8(0);
  const length = body.readUInt32BE(1);
  if (flags !== 0) throw new RpcError('invalid_argument', `protocol error: unsupported envelope flags ${flags}`);
  return parseJson(body.subarray(5, 5 + length));
}

function parseJson(data: Buffer): unknown {
  try {
    return data.length === 0 ? {} : (JSON.parse(data.toString('utf8')) as unknown);
  } catch {
    throw new RpcError('invalid_argument', 'protocol error: request is not valid JSON');
  }
}

/** Parses a unary request body. */
export function decodeUnary(body: Buffer): unknown {
  return parseJson(body);
}

/** Writes a unary success. */
export function sendUnary(res: ServerResponse, message: unknown): void {
  const body = Buffer.from(JSON.stringify(message));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

/** Writes a unary error with the status the protocol assigns to its code. */
export function sendUnaryError(res: ServerResponse, error: RpcError): void {
  const body = Buffer.from(JSON.stringify({ code: error.code, message: error.message }));
  res.writeHead(STATUS[error.code], { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

/** The response side of one server-streaming call. */
export class ServerStream {
  private closed = false;
  private readonly onCloseCallbacks: Array<() => void> = [];

  constructor(private readonly res: ServerResponse) {
    res.writeHead(200, { 'content-type': 'application/connect+json' });
    res.flushHeaders();
    res.on('close', () => this.markClosed());
  }

  /** True once the stream ended or the client went away. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Registers a callback for when the client disconnects or the stream ends. */
  onClose(callback: () => void): void {
    if (this.closed) callback();
    else this.onCloseCallbacks.push(callback);
  }

  /** Sends one message. No-op once closed. */
  send(message: unknown): void {
    if (this.closed) return;
    this.res.write(envelope(0, Buffer.from(JSON.stringify(message))));
  }

  /** Ends the stream, with an error in the end-stream message when given. */
  end(error?: RpcError): void {
    if (this.closed) return;
    const payload = error ? { error: { code: error.code, message: error.message } } : {};
    this.res.end(envelope(2, Buffer.from(JSON.stringify(payload))));
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const callback of this.onCloseCallbacks.splice(0)) callback();
  }
}

/** Parses the `Connect-Timeout-Ms` header: milliseconds, or undefined when absent. */
export function requestTimeoutMs(req: IncomingMessage): number | undefined {
  const raw = req.headers['connect-timeout-ms'];
  if (typeof raw !== 'string' || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new RpcError('invalid_argument', `invalid Connect-Timeout-Ms ${raw}`);
  return value;
}

/** Keepalive interval in ms from `Keepalive-Ping-Interval` (seconds); undefined when absent. */
export function keepaliveIntervalMs(req: IncomingMessage): number | undefined {
  const raw = req.headers['keepalive-ping-interval'];
  if (typeof raw !== 'string') return undefined;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
