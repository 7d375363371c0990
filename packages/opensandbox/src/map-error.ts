import { createSandboxError, redactSecrets, SandboxError, type SandboxErrorCode } from '@kode/core';

/** What the failing call was doing, so the mapped error can say so. */
export interface OpenSandboxErrorContext {
  /** Human-readable operation, e.g. `'create sandbox'` or `'read /workspace/a.txt'`. */
  operation: string;
  /** Secrets to redact from every message (the API key). */
  secrets?: ReadonlyArray<string | undefined>;
  /** The sandbox concerned, when known. */
  sandboxId?: string;
  /** The file concerned: a 404 then means `FILE_NOT_FOUND` rather than `SANDBOX_NOT_FOUND`. */
  path?: string;
  /**
   * The working directory of the command being started: execd's 400 "working directory does not
   * exist" then means `FILE_NOT_FOUND` for this path (other errors keep their meaning).
   */
  cwd?: string;
  /** Server base URL, quoted in connection hints. */
  endpoint?: string;
  /** Whether execd traffic goes through the server proxy (changes the ready-timeout hint). */
  useServerProxy?: boolean;
  /** The `Retry-After` the server sent with this failure, in ms, when known. */
  retryAfterMs?: number | undefined;
}

/** HTTP statuses after which the same idempotent request may succeed. */
const RETRYABLE_STATUSES = new Set([408, 429, 502, 503, 504]);

/** Troubleshooting advice attached to mapped errors as `hint` (from the seed's troubleshooting section). */
export const OPEN_SANDBOX_HINTS = {
  IMAGE_PULL_FAILED:
    'The Docker daemon of the OpenSandbox server must be able to pull both the sandbox image (`image`) and the execd image (`opensandbox/execd`, set by the server\'s `[runtime].execd_image`). Check the image name, registry access and the Docker daemon\'s proxy settings (they are configured separately from the server\'s).',
  SANDBOX_START_FAILED:
    'The server could not start the sandbox\'s exec daemon. The Docker daemon must be able to pull and run both the sandbox image and `opensandbox/execd` (`[runtime].execd_image`); check the server log.',
  AUTHENTICATION_FAILED: 'Set `apiKey` (or OPEN_SANDBOX_API_KEY) to the server\'s API key (`[server].api_key` or OPENSANDBOX_SERVER_API_KEY).',
  SANDBOX_NOT_FOUND: 'The sandbox does not exist: it was killed, or it expired after its lifetime (`timeoutMs`). Omit `sandboxId` to create a new sandbox.',
  CONNECTION_FAILED:
    'Check that the OpenSandbox server endpoint is reachable from this process. If you use a proxy, it is configured separately for the Docker daemon and for the OpenSandbox server; if the server is reachable but its sandboxes are not, set `useServerProxy: true`.',
  READY_TIMEOUT:
    'The sandbox\'s exec daemon did not answer in time. If this process cannot reach sandbox containers directly (Docker bridge network, remote Docker host), set `useServerProxy: true`; otherwise raise `readyTimeoutSeconds` or set the server\'s `[docker].host_ip`.',
  REQUEST_TIMEOUT: 'Raise `requestTimeoutSeconds` (default 30 s; it also bounds file uploads and downloads).',
  RATE_LIMITED: 'The server refused the call for rate or quota reasons; retry after a back-off.',
  INVALID_ARGUMENT: 'The server rejected the request; check the options named in the message.',
  NOT_AN_OPENSANDBOX_ENDPOINT:
    'Nothing at `endpoint` speaks the OpenSandbox API: set it to the server\'s root URL (e.g. http://127.0.0.1:8080, without /v1 or any other path), and check that no other web server or proxy answers on that address.',
} as const;

/** Longest server text kept in a message; longer bodies are cut (an HTML page is only named). */
const MAX_BODY_CHARS = 300;

/**
 * A server's non-JSON answer, fit for a one-line message: an HTML page is named by its title, not
 * reproduced; other text is collapsed to one line and cut at {@link MAX_BODY_CHARS}.
 */
export function summariseBody(body: string): string {
  if (/^\s*<(!doctype\s+html|html[\s>])/i.test(body) || /<\/(html|body|head)>/i.test(body)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1]?.replace(/\s+/g, ' ').trim();
    return `an HTML page${title ? ` titled ${JSON.stringify(title.slice(0, 80))}` : ''} (${body.length} characters), not an OpenSandbox API answer`;
  }
  const line = body.replace(/\s+/g, ' ').trim();
  return line.length <= MAX_BODY_CHARS ? line : `${line.slice(0, MAX_BODY_CHARS)}… (${line.length - MAX_BODY_CHARS} more characters)`;
}

/** Whether `text` shows that the answer was an HTML page rather than the API's JSON. */
function looksLikeHtml(text: string): boolean {
  return /an HTML page|Unexpected token '<'/.test(text);
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

interface SdkExceptionShape {
  name?: unknown;
  message?: unknown;
  statusCode?: unknown;
  requestId?: unknown;
  rawBody?: unknown;
  error?: { code?: unknown; message?: unknown };
  cause?: unknown;
  code?: unknown;
}

function* causeChain(error: unknown): Generator<SdkExceptionShape> {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    yield current;
    current = (current as SdkExceptionShape).cause;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The server's error code: the SDK's `error.code`, or the `code` of a JSON body it did not parse. */
function serverCode(e: SdkExceptionShape): string | undefined {
  const code = text(e.error?.code);
  if (code && code !== 'UNEXPECTED_RESPONSE' && code !== 'INTERNAL_UNKNOWN_ERROR') return code;
  let body = e.rawBody;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      return undefined;
    }
  }
  if (typeof body === 'object' && body !== null) return text((body as { code?: unknown }).code);
  return undefined;
}

function serverMessage(e: SdkExceptionShape): string | undefined {
  let body = e.rawBody;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      const raw = text(body);
      return raw === undefined ? undefined : summariseBody(raw);
    }
  }
  if (typeof body === 'object' && body !== null) {
    const b = body as { message?: unknown; error?: unknown; detail?: unknown };
    const detail = Array.isArray(b.detail) ? JSON.stringify(b.detail) : text(b.detail);
    return text(b.message) ?? text(b.error) ?? detail;
  }
  return undefined;
}

function isApiException(e: SdkExceptionShape): boolean {
  return e.name === 'SandboxApiException' || typeof e.statusCode === 'number';
}

/** execd's validation message for a `cwd` that does not exist or is no directory (400 `INVALID_REQUEST_BODY`). */
const MISSING_WORKING_DIRECTORY = /working directory (does not exist|path is not a directory)/i;

function codeFromApiException(e: SdkExceptionShape, status: number | undefined, context: OpenSandboxErrorContext): SandboxErrorCode {
  const code = (serverCode(e) ?? '').toUpperCase();
  if (status === 400 && context.cwd !== undefined && MISSING_WORKING_DIRECTORY.test(serverMessage(e) ?? '')) return 'FILE_NOT_FOUND';
  if (code.endsWith('IMAGE_PULL_FAILED')) return 'IMAGE_PULL_FAILED';
  if (/(EXECD_START_FAILED|EXECD_DISTRIBUTION_FAILED|BOOTSTRAP_INSTALL_FAILED|SANDBOX_START_FAILED|POD_FAILED|POD_READY_TIMEOUT)$/.test(code)) return 'SANDBOX_START_FAILED';
  if (status === 401 || status === 403 || code === 'MISSING_API_KEY' || code === 'INVALID_API_KEY') return 'AUTHENTICATION_FAILED';
  if (code.endsWith('SANDBOX_NOT_FOUND')) return 'SANDBOX_NOT_FOUND';
  if (code === 'FILE_NOT_FOUND') return 'FILE_NOT_FOUND';
  // A bare 404 names a missing sandbox only when the call was about one; otherwise (creating a
  // sandbox) the URL is wrong: an endpoint with a path, or another server.
  if (status === 404) return context.path !== undefined ? 'FILE_NOT_FOUND' : context.sandboxId !== undefined ? 'SANDBOX_NOT_FOUND' : 'BACKEND_ERROR';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 408 || status === 504) return 'REQUEST_TIMEOUT';
  if (status === 502) return 'CONNECTION_FAILED';
  if ((status === 400 || status === 422) && context.path === undefined) return 'INVALID_ARGUMENT';
  return 'BACKEND_ERROR';
}

function isRequestTimeout(error: unknown): boolean {
  for (const e of causeChain(error)) {
    if (e.name === 'TimeoutError') return true;
    if (typeof e.message === 'string' && e.message.includes('Request timed out')) return true;
  }
  return false;
}

function isNetworkFailure(error: unknown): boolean {
  for (const e of causeChain(error)) {
    if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
    if (e.name === 'TypeError' && e.message === 'fetch failed') return true;
    if (typeof e.message === 'string' && /other side closed|socket hang up|terminated/i.test(e.message) && e.name !== 'SandboxApiException') return true;
  }
  return false;
}

function hintFor(code: SandboxErrorCode, context: OpenSandboxErrorContext, evidence: { status: number | undefined; detail: string }): string | undefined {
  switch (code) {
    case 'IMAGE_PULL_FAILED':
    case 'SANDBOX_START_FAILED':
    case 'AUTHENTICATION_FAILED':
    case 'SANDBOX_NOT_FOUND':
    case 'REQUEST_TIMEOUT':
    case 'RATE_LIMITED':
    case 'INVALID_ARGUMENT':
      return OPEN_SANDBOX_HINTS[code];
    case 'CONNECTION_FAILED':
      return context.endpoint ? `${OPEN_SANDBOX_HINTS.CONNECTION_FAILED} Endpoint: ${context.endpoint}.` : OPEN_SANDBOX_HINTS.CONNECTION_FAILED;
    case 'READY_TIMEOUT':
      return context.useServerProxy
        ? 'The sandbox\'s exec daemon did not answer through the server proxy in time; raise `readyTimeoutSeconds` and check the server log.'
        : OPEN_SANDBOX_HINTS.READY_TIMEOUT;
    case 'NOT_INITIALIZED':
    case 'DISPOSED':
    case 'UNSUPPORTED':
    case 'FILE_NOT_FOUND':
    case 'PATH_OUTSIDE_SANDBOX':
      return undefined;
    case 'BACKEND_ERROR':
      return looksLikeHtml(evidence.detail) || (evidence.status === 404 && context.sandboxId === undefined) ? OPEN_SANDBOX_HINTS.NOT_AN_OPENSANDBOX_ENDPOINT : undefined;
  }
}

/**
 * THE mapping from `@alibaba-group/opensandbox` failures (SDK exceptions, fetch failures,
 * timeouts) to `@kode/core` errors. Keeps the server's request id and the original error as
 * `cause`, attaches troubleshooting hints, and redacts the API key from the message. A
 * `SandboxError` passes through unchanged. Never throws.
 */
export function mapOpenSandboxError(error: unknown, context: OpenSandboxErrorContext): SandboxError {
  if (SandboxError.isInstance(error)) return error;
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SdkExceptionShape;
  const requestId = text(e.requestId);
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const rawMessage = text(e.message) ?? (typeof error === 'string' ? error : 'unknown error');
  // The SDK may put a whole response body (e.g. another server's HTML page) into its message.
  const baseMessage = rawMessage.length > MAX_BODY_CHARS || /<html|<!doctype/i.test(rawMessage) ? summariseBody(rawMessage) : rawMessage;

  let code: SandboxErrorCode;
  let detail = baseMessage;
  if (e.name === 'SandboxReadyTimeoutException' || e.error?.code === 'READY_TIMEOUT') {
    code = 'READY_TIMEOUT';
  } else if (e.name === 'SandboxUnhealthyException' || e.error?.code === 'UNHEALTHY') {
    code = 'SANDBOX_START_FAILED';
  } else if (isApiException(e)) {
    code = codeFromApiException(e, status, context);
    const server = serverMessage(e);
    const sCode = serverCode(e);
    detail = [server && server !== baseMessage ? `${baseMessage}: ${server}` : baseMessage, sCode || status !== undefined ? `(${[sCode, status !== undefined ? `HTTP ${status}` : undefined].filter(Boolean).join(', ')})` : undefined]
      .filter(Boolean)
      .join(' ');
  } else if (isRequestTimeout(error)) {
    code = 'REQUEST_TIMEOUT';
  } else if (isNetworkFailure(error)) {
    code = 'CONNECTION_FAILED';
    const root = [...causeChain(error)].pop();
    const rootMessage = root && root !== e ? text(root.message) : undefined;
    if (rootMessage) detail = `${baseMessage} (${rootMessage})`;
  } else {
    code = 'BACKEND_ERROR';
  }

  const where = code === 'CONNECTION_FAILED' && context.endpoint ? ` (endpoint ${context.endpoint})` : '';
  const message = redactSecrets(`OpenSandbox: ${context.operation} failed${where}: ${detail}`, context.secrets ?? []);
  const hint = hintFor(code, context, { status, detail });
  const retryable = status !== undefined ? RETRYABLE_STATUSES.has(status) : undefined;
  return createSandboxError(code, message, {
    backend: 'opensandbox',
    ...(hint ? { hint } : {}),
    ...(retryable !== undefined ? { retryable } : {}),
    ...(retryable === true && context.retryAfterMs !== undefined ? { retryAfterMs: context.retryAfterMs } : {}),
    ...(requestId ? { requestId } : {}),
    ...(context.path !== undefined ? { path: context.path } : code === 'FILE_NOT_FOUND' && context.cwd !== undefined ? { path: context.cwd } : {}),
    ...(context.sandboxId !== undefined ? { sandboxId: context.sandboxId } : {}),
    ...(status !== undefined ? { status } : {}),
    cause: error,
  });
}
