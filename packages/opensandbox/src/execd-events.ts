import type { RunCommandOpts, Sandbox as SdkSandbox, ServerStreamEvent } from '@alibaba-group/opensandbox';

/** Where `POST /command` goes: the SDK's own execd base URL, headers and SSE transport for this sandbox. */
interface ExecdTarget {
  baseUrl: string;
  headers: Record<string, string>;
  fetch: typeof fetch;
}

/** A failed `POST /command` in the shape `mapOpenSandboxError` reads (the SDK's `SandboxApiException` fields). */
export class ExecdRequestError extends Error {
  override readonly name = 'SandboxApiException';
  readonly statusCode: number;
  readonly requestId: string | undefined;
  readonly rawBody: unknown;
  readonly error: { code: string; message: string };

  /** `what` names the request in the default message (default `Run command`). */
  constructor(options: { status: number; requestId: string | undefined; body: string; what?: string }) {
    let parsed: unknown = options.body;
    try {
      parsed = JSON.parse(options.body) as unknown;
    } catch {
      // plain-text body
    }
    const fields = typeof parsed === 'object' && parsed !== null ? (parsed as { code?: unknown; message?: unknown }) : {};
    const message = typeof fields.message === 'string' ? fields.message : `${options.what ?? 'Run command'} failed (status=${options.status})`;
    super(message);
    this.statusCode = options.status;
    this.requestId = options.requestId;
    this.rawBody = parsed;
    this.error = { code: typeof fields.code === 'string' ? fields.code : 'UNEXPECTED_RESPONSE', message };
  }
}

/**
 * The execd transport the SDK built for `sdk` (the commands adapter's base URL, headers and SSE
 * fetch), so a command stream goes exactly where the SDK would send it, in every routing mode.
 * `undefined` when this SDK version keeps them elsewhere.
 */
function execdTarget(sdk: SdkSandbox): ExecdTarget | undefined {
  const adapter = sdk.commands as unknown as { opts?: { baseUrl?: unknown; headers?: unknown }; fetch?: unknown };
  const baseUrl = adapter.opts?.baseUrl;
  if (typeof baseUrl !== 'string' || typeof adapter.fetch !== 'function') return undefined;
  const headers = typeof adapter.opts?.headers === 'object' && adapter.opts.headers !== null ? (adapter.opts.headers as Record<string, string>) : {};
  return { baseUrl: baseUrl.replace(/\/+$/, ''), headers, fetch: adapter.fetch as typeof fetch };
}

/** The request body of `POST /command`, as the SDK builds it. */
function commandBody(command: string, options: RunCommandOpts): Record<string, unknown> {
  return {
    command,
    cwd: options.workingDirectory,
    background: options.background === true,
    ...(options.timeoutSeconds != null ? { timeout: Math.round(options.timeoutSeconds * 1000) } : {}),
    ...(options.envs != null ? { envs: options.envs } : {}),
  };
}

/** What {@link streamCommandEvents} runs, and how. */
export interface CommandEventsRequest {
  sdk: SdkSandbox;
  command: string;
  runOptions: RunCommandOpts;
  /**
   * Longest event line kept whole, in bytes. A longer one (one enormous output line) keeps only its
   * first `maxLineBytes` and is delivered with `truncated: true`; memory stays O(`maxLineBytes`).
   */
  maxLineBytes: number;
  signal?: AbortSignal | undefined;
  /** Run in this bash session (`POST /session/{id}/run`, body `command`, `cwd`, `timeout`) instead of `POST /command`. */
  sessionId?: string | undefined;
}

/** One server event, with `truncated` set when its line was cut at `maxLineBytes`. */
export type CommandEvent = ServerStreamEvent & { truncated?: boolean };

const NEWLINE = 0x0a;

/**
 * Runs `POST /command` and yields its events. Unlike the SDK's reader, which appends each chunk to
 * one string and rescans it for a newline (quadratic time and unbounded memory on one long output
 * line), this keeps a line as a list of chunks and cuts it at `maxLineBytes`. Falls back to the
 * SDK's `runStream` when its transport cannot be found.
 * @throws ExecdRequestError for a non-2xx answer; transport errors as `fetch` raises them
 */
export async function* streamCommandEvents(options: CommandEventsRequest): AsyncGenerator<CommandEvent> {
  const { sdk, command, runOptions, sessionId } = options;
  const target = execdTarget(sdk);
  if (target === undefined) {
    // Sessions need the transport (the SDK's public API has no streaming session run).
    if (sessionId !== undefined) throw new Error('OpenSandbox: this @alibaba-group/opensandbox version hides its execd transport; sessions need it.');
    yield* sdk.commands.runStream(command, runOptions, options.signal);
    return;
  }
  const path = sessionId === undefined ? '/command' : `/session/${encodeURIComponent(sessionId)}/run`;
  const body =
    sessionId === undefined
      ? commandBody(command, runOptions)
      : {
          command,
          ...(runOptions.workingDirectory !== undefined ? { cwd: runOptions.workingDirectory } : {}),
          ...(runOptions.timeoutSeconds != null ? { timeout: Math.round(runOptions.timeoutSeconds * 1000) } : {}),
        };
  const response = await target.fetch(`${target.baseUrl}${path}`, {
    method: 'POST',
    headers: { accept: 'text/event-stream', 'content-type': 'application/json', ...target.headers },
    body: JSON.stringify(body),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!response.ok) {
    const body = await response.text().catch(() => '');
    throw new ExecdRequestError({ status: response.status, requestId: response.headers.get('x-request-id') ?? undefined, body });
  }
  if (!response.body) return;
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const line = new LineAssembler(options.maxLineBytes);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      let start = 0;
      for (let index = value.indexOf(NEWLINE); index >= 0; index = value.indexOf(NEWLINE, start)) {
        line.push(value.subarray(start, index));
        const event = line.finish();
        if (event) yield event;
        start = index + 1;
      }
      if (start < value.length) line.push(value.subarray(start));
    }
    const last = line.finish();
    if (last) yield last;
  } finally {
    reader.releaseLock();
  }
}

/** Collects one line's bytes up to a cap and turns the line into an event. */
class LineAssembler {
  private parts: Uint8Array[] = [];
  private size = 0;
  private overflow = false;
  private readonly decoder = new TextDecoder();

  constructor(private readonly maxBytes: number) {}

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const room = this.maxBytes - this.size;
    if (bytes.length > room) {
      this.overflow = true;
      if (room > 0) this.parts.push(bytes.slice(0, room));
      this.size = this.maxBytes;
      return;
    }
    this.parts.push(bytes);
    this.size += bytes.length;
  }

  finish(): CommandEvent | undefined {
    const bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    const overflow = this.overflow;
    this.parts = [];
    this.size = 0;
    this.overflow = false;
    if (bytes.length === 0) return undefined;
    let text = this.decoder.decode(bytes).trim();
    if (text === '' || text.startsWith(':') || /^(event|id|retry):/.test(text)) return undefined;
    if (text.startsWith('data:')) text = text.slice(5).trim();
    if (!overflow) {
      try {
        return JSON.parse(text) as CommandEvent;
      } catch {
        return undefined;
      }
    }
    return truncatedEvent(text);
  }
}

/**
 * Rebuilds an event from the head of a line cut at the cap: its `type` and the start of its `text`
 * (a JSON string cut anywhere, so a trailing partial escape is dropped).
 */
export function truncatedEvent(head: string): CommandEvent | undefined {
  const type = /"type"\s*:\s*"([a-z_]+)"/.exec(head)?.[1];
  const textStart = /"text"\s*:\s*"/.exec(head);
  if (type === undefined || textStart === null) return undefined;
  let body = head.slice(textStart.index + textStart[0].length);
  const close = /(?<!\\)(?:\\\\)*"/.exec(body);
  if (close) body = body.slice(0, close.index + close[0].length - 1);
  for (let trim = 0; trim <= 6 && body.length > 0; trim++) {
    try {
      return { type, text: JSON.parse(`"${body}"`) as string, truncated: true };
    } catch {
      body = body.slice(0, -1);
    }
  }
  return { type, text: '', truncated: true };
}
