import { createSandboxError, redactSecrets, SandboxError, type SandboxErrorCode } from '@kode/core';

/** What was being done when an `e2b` call failed: drives the choice between similar codes. */
export interface E2BErrorContext {
  /** Short description for the message, e.g. `'read /home/user/a.txt'` or `'create sandbox'`. */
  operation: string;
  /** The sandbox path involved, for `FileNotFoundError.path`. */
  path?: string;
  /** The sandbox id, when known. */
  sandboxId?: string;
  /** The template, for create failures. */
  template?: string;
  /** Strings to redact from messages (the API key). */
  secrets?: ReadonlyArray<string | undefined>;
  /**
   * Set once the control plane confirmed the sandbox still exists: an unavailable envd is then a
   * passing failure, retryable. Without it, unavailable is not retryable (it may mean gone).
   */
  sandboxExists?: boolean;
}

const BACKEND = 'e2b';

/** envd's texts for an `lstat`/`stat` (or `ListDir`'s link resolution) that met a regular file as a path component. */
const NOT_A_DIRECTORY_LOOKUP = /\bl?stat [^\n]*: not a directory|error resolving symlink: not a directory/;

/** The body of E2B's proxy 502 for a sandbox that no longer exists. */
const SANDBOX_GONE_502 = /sandbox was not found|sandbox timeout/i;

const CONNECTION_PATTERN = /fetch failed|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ENETUNREACH|socket hang up|other side closed|terminated|network error|UND_ERR_SOCKET|UND_ERR_CONNECT/i;

/** The advice attached to mapped errors (stable keys; texts may improve). */
export const E2B_HINTS = {
  auth: 'Check the E2B API key: pass `apiKey` or set E2B_API_KEY (https://e2b.dev/dashboard?tab=keys).',
  rateLimit: 'E2B is rate limiting this API key or team (concurrent sandboxes or requests). Retry after a back-off, or kill sandboxes you no longer need.',
  sandboxGone:
    'The sandbox is not running: it was killed, or its lifetime (`timeoutMs`, default 5 min) ended. Create a new one; keep `lifecycle.autoRenew` on, raise `timeoutMs`, or call `renew()` on a live sandbox to extend it. If another client paused it, restore it by `sandboxId` (connecting resumes it).',
  requestTimeout: 'The request took longer than `requestTimeoutMs` (default 60 000 ms). Raise it, or check the network path to E2B.',
  connection: 'Could not reach E2B. Check network access to the API (`apiUrl`/`domain`) and to the sandbox, and any proxy settings.',
  template: (template: string | undefined) =>
    `Template ${template ? `'${template}' ` : ''}was not found for this API key's team. Check the name or id, or build it with the E2B CLI (\`e2b template build\`).`,
  templateOutdated: 'The sandbox template uses an envd version too old for this feature. Rebuild the template with a current E2B CLI.',
  disk: 'The sandbox disk is full. Remove files or use a template with a larger disk.',
  busy: 'E2B is temporarily out of capacity (HTTP 503). Retry after a short wait.',
  unavailable:
    'The sandbox did not answer (E2B proxy: unavailable). When E2B no longer knows the sandbox this is a SandboxNotFoundError instead; if another client paused it, restore it by `sandboxId` (connecting resumes it); otherwise retry, and create a new sandbox if it persists.',
} as const;

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number') return status;
  const match = /^(\d{3}): /.exec(error instanceof Error ? error.message : '');
  return match ? Number(match[1]) : undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
}

function connectionFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_PATTERN.test(code)) return true;
    if (CONNECTION_PATTERN.test(messageOf(current))) return true;
    const nested = (current as { errors?: unknown[] }).errors;
    if (Array.isArray(nested) && nested.some((e) => connectionFailure(e))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * THE mapping from anything the `e2b` client throws to a `@kode/core` error: one place for codes,
 * hints and redaction. Already-mapped `SandboxError`s pass through unchanged. The API key (and
 * any other `context.secrets`) never reaches the message. `retryable` and `status` tell the truth:
 * 408, 429, 502 (unless the proxy says the sandbox is gone), 503 and 504 are retryable, other
 * statuses are not; the caller decides whether the operation may be sent again. Never throws.
 */
/** Whether `error` is the mapped "envd unavailable" failure (gone sandbox or passing outage). */
export function isE2BUnavailable(error: SandboxError): boolean {
  return error.code === 'BACKEND_ERROR' && error.hint === E2B_HINTS.unavailable;
}

export function mapE2BError(error: unknown, context: E2BErrorContext): SandboxError {
  if (SandboxError.isInstance(error)) return error;
  const secrets = context.secrets ?? [];
  const raw = redactSecrets(messageOf(error), secrets);
  const name = errorName(error);
  const status = statusOf(error);
  const build = (code: SandboxErrorCode, hint?: string, extra: { retryable?: boolean; status?: number } = {}): SandboxError =>
    createSandboxError(code, `E2B ${context.operation} failed: ${raw}`, {
      backend: BACKEND,
      cause: error,
      ...(hint === undefined ? {} : { hint }),
      ...(context.path === undefined ? {} : { path: context.path }),
      ...(context.sandboxId === undefined ? {} : { sandboxId: context.sandboxId }),
      ...(extra.retryable === undefined ? {} : { retryable: extra.retryable }),
      ...(extra.status === undefined ? {} : { status: extra.status }),
    });

  if (name === 'AbortError') return build('REQUEST_TIMEOUT', E2B_HINTS.requestTimeout);
  if (name === 'AuthenticationError' || status === 401 || status === 403) return build('AUTHENTICATION_FAILED', E2B_HINTS.auth, { status: status ?? 401 });
  if (name === 'RateLimitError' || status === 429) return build('RATE_LIMITED', E2B_HINTS.rateLimit, { retryable: true, status: 429 });
  if (name === 'ServiceBusyError' || status === 503) return build('BACKEND_ERROR', E2B_HINTS.busy, { retryable: true, status: 503 });
  if (status === 408) return build('REQUEST_TIMEOUT', E2B_HINTS.requestTimeout, { retryable: true, status: 408 });
  // E2B's proxy answers 502 "The sandbox was not found" for a sandbox that is gone; any other 502
  // (and 504) is a gateway hiccup worth retrying.
  if (status === 502 && SANDBOX_GONE_502.test(raw)) return build('SANDBOX_NOT_FOUND', E2B_HINTS.sandboxGone, { status: 502 });
  if (status === 502 || status === 504) return build('BACKEND_ERROR', undefined, { retryable: true, status });
  // The client says "probably not running" when an envd stream is unavailable: a gone sandbox or a
  // proxy hiccup (see TimeoutError below). The front asks `exists()` once to tell them apart.
  if (name === 'SandboxNotFoundError' && /probably not running/i.test(raw)) return build('BACKEND_ERROR', E2B_HINTS.unavailable, { retryable: context.sandboxExists === true });
  if (name === 'SandboxNotFoundError') return build('SANDBOX_NOT_FOUND', E2B_HINTS.sandboxGone);
  if (name === 'FileNotFoundError') return build('FILE_NOT_FOUND');
  // envd answers a lookup of a path under a regular file (ENOTDIR from lstat/stat) with an internal
  // error (500); for the contract that path does not exist, as on the other backends.
  if (context.path !== undefined && /^(read|stat|list|remove) /.test(context.operation) && NOT_A_DIRECTORY_LOOKUP.test(raw)) return build('FILE_NOT_FOUND');
  if (name === 'NotFoundError' || status === 404) {
    if (context.operation.startsWith('create')) return build('IMAGE_PULL_FAILED', E2B_HINTS.template(context.template));
    if (context.path !== undefined) return build('FILE_NOT_FOUND');
    return build('SANDBOX_NOT_FOUND', E2B_HINTS.sandboxGone);
  }
  if (name === 'TimeoutError') {
    // The client turns envd's 502 into this TimeoutError; its message keeps the proxy's text.
    // The client formats three different conditions as TimeoutError; its message says which.
    if (/requestTimeoutMs|handshake timed out|idle for/.test(raw)) return build('REQUEST_TIMEOUT', E2B_HINTS.requestTimeout);
    if (/'timeoutMs' — the total time|deadline_exceeded/.test(raw)) return build('REQUEST_TIMEOUT', 'A long-running request exceeded its `timeoutMs`.');
    // What remains is envd "unavailable" (a 502 from E2B's proxy, or a Connect stream that could
    // not be served): the sandbox may be gone, or the proxy hiccuped. Not retried blindly; the
    // front asks the control plane once (`exists()`) and raises SandboxNotFoundError when it is gone.
    return build('BACKEND_ERROR', E2B_HINTS.unavailable, { retryable: context.sandboxExists === true });
  }
  if (name === 'InvalidArgumentError' || status === 400) {
    // envd refuses a command whose working directory is missing with invalid_argument.
    if (/cwd '.*' does not exist/.test(raw)) return build('FILE_NOT_FOUND', 'The working directory does not exist; create it first (fs.mkdir) or pass another cwd.');
    // ...and one that is not a directory fails when envd forks the shell there.
    if (/error starting process [\s\S]*: fork\/exec [^:\n]*: not a directory/.test(raw)) return build('FILE_NOT_FOUND', 'The working directory is not a directory; pass a directory as cwd.');
    return build('INVALID_ARGUMENT');
  }
  if (name === 'NotEnoughSpaceError' || status === 507) return build('BACKEND_ERROR', E2B_HINTS.disk, { status: 507 });
  if (name === 'TemplateError') return build('BACKEND_ERROR', E2B_HINTS.templateOutdated);
  if (connectionFailure(error)) return build('CONNECTION_FAILED', E2B_HINTS.connection);
  // Retryable statuses are handled above (408/429/502/503/504): any other status is not retried.
  return build('BACKEND_ERROR', undefined, status === undefined ? {} : { status, retryable: false });
}
