import { DEFAULT_EXEC_TIMEOUT_MS, InvalidArgumentError, MAX_TIMER_MS, normalizePosixPath, type BaseSandboxConfig, type WatchMode } from '@kode/core';
import { checkEnv, resolveRetryPolicy, type RetryOptions, type RetryPolicy } from '@kode/driver';

/** What `dispose()` does with the sandbox: `'kill'` deletes it then releases the client; `'close'` only releases the client. */
export type OpenSandboxDisposeAction = 'close' | 'kill';

/**
 * Options of {@link OpenSandbox} (and of `SandboxFactory.create({ kind: 'opensandbox', … })`).
 * Every field is optional apart from `kind`; defaults are listed per field. Validated by the
 * constructor: a bad value raises `InvalidArgumentError` naming the field.
 */
export interface OpenSandboxOptions extends BaseSandboxConfig {
  kind: 'opensandbox';
  /** API key sent as `OPEN-SANDBOX-API-KEY`. Default: env `OPEN_SANDBOX_API_KEY`; none when the server has auth off. Never appears in messages or `toConfig()`. */
  apiKey?: string;
  /** Full server URL, e.g. `http://127.0.0.1:8080` (a path prefix is kept). Wins over `domain` + `protocol`. Default: env `OPEN_SANDBOX_ENDPOINT`. */
  endpoint?: string;
  /** Server `host[:port][/prefix]` without scheme; used when `endpoint` is absent. Default: env `OPEN_SANDBOX_DOMAIN`, then `localhost:8080`. */
  domain?: string;
  /** Scheme used with `domain` (and for the sandbox's execd endpoint). Default `'http'`. */
  protocol?: 'http' | 'https';
  /** Connect to this existing sandbox instead of creating one (restore). An unknown id makes `init()` raise `SandboxNotFoundError`. */
  sandboxId?: string;
  /** Container image for a new sandbox. Default: env `OPEN_SANDBOX_IMAGE`, then `'ubuntu'`. */
  image?: string;
  /** Alias of `image` (kept for compatibility). Giving both with different values is an error. */
  template?: string;
  /** Absolute working directory in the sandbox, created by `init()`. Default `'/workspace'`. */
  workDir?: string;
  /** Sandbox lifetime in milliseconds (sent to the server in whole seconds, rounded up). At least 60 000. Default 600 000 (10 min). Not a command timeout. */
  timeoutMs?: number;
  /** Default per-command timeout of `exec` in milliseconds; `0` = none. Default 120 000. Never the sandbox lifetime. */
  execTimeoutMs?: number;
  /** Timeout of each non-streaming HTTP request, in seconds (uploads and downloads included). Default 30. */
  requestTimeoutSeconds?: number;
  /** Route execd traffic through the server (`/sandboxes/{id}/proxy/{port}`) when this process cannot reach sandboxes directly. Default `false`. */
  useServerProxy?: boolean;
  /** Environment variables of the new sandbox (visible to every command). */
  env?: Record<string, string>;
  /** Metadata labels of the new sandbox (visible in the server's listing). */
  metadata?: Record<string, string>;
  /** Resource limits of the new sandbox, e.g. `{ cpu: '1', memory: '2Gi' }`. Default: the SDK's `{ cpu: '1', memory: '2Gi' }`. */
  resource?: Record<string, string>;
  /** Egress network policy of the new sandbox, passed to the server as is (`{ defaultAction, egress: [...] }`). */
  networkPolicy?: Record<string, unknown>;
  /** Skip the execd health check after create/connect. Default `false`. */
  skipHealthCheck?: boolean;
  /** How long the health check may take, in seconds. Default 30. */
  readyTimeoutSeconds?: number;
  /** Health-check polling interval in milliseconds. Default 200. */
  healthCheckPollingInterval?: number;
  /** How `watchFiles` works: `'polling'` (default, every `pollIntervalMs`, default 1000, minimum 100), `'native'` (`inotifywait`, falling back to polling) or `'off'`. */
  watch?: { mode?: WatchMode; pollIntervalMs?: number };
  /**
   * Ownership and lifetime: `disposeAction: 'kill'` (default) deletes the sandbox on `dispose()`;
   * `'close'` leaves it running (use it for sandboxes you only connected to). `autoRenew` (default
   * `true`) renews the lifetime while the sandbox is used (at most one request per half
   * `timeoutMs`; running commands, waits and open watches count); an idle sandbox still expires.
   */
  lifecycle?: { disposeAction?: OpenSandboxDisposeAction; autoRenew?: boolean };
  /**
   * Retries of idempotent calls (reads, stat, list, glob, whole-file writes, mkdir, rm, status and
   * log reads, the delete on dispose) on 408/429/502/503/504 and dropped connections, with
   * exponential back-off and jitter, `Retry-After` honoured. `false` disables; an object overrides
   * `attempts` (4), `initialDelayMs` (250), `maxDelayMs` (5 000), `totalMs` (30 000). `exec` and
   * process starts are never retried.
   */
  retry?: boolean | RetryOptions;
}

/** The options after validation, environment fallbacks and defaults. */
export interface ResolvedOpenSandboxOptions {
  apiKey: string | undefined;
  /** Full base URL of the server, without a trailing `/v1` (e.g. `http://127.0.0.1:8080`). */
  endpoint: string;
  protocol: 'http' | 'https';
  sandboxId: string | undefined;
  image: string;
  workDir: string;
  timeoutMs: number;
  execTimeoutMs: number;
  requestTimeoutSeconds: number | undefined;
  useServerProxy: boolean;
  env: Record<string, string> | undefined;
  metadata: Record<string, string> | undefined;
  resource: Record<string, string> | undefined;
  networkPolicy: Record<string, unknown> | undefined;
  skipHealthCheck: boolean | undefined;
  readyTimeoutSeconds: number | undefined;
  healthCheckPollingInterval: number | undefined;
  watch: { mode: WatchMode; pollIntervalMs: number };
  disposeAction: OpenSandboxDisposeAction;
  autoRenew: boolean;
  /** Whether `retry` was given (it is then kept in `toConfig()`). */
  retryOption: boolean | RetryOptions | undefined;
  retry: RetryPolicy;
}

/** Default sandbox lifetime: 10 minutes. */
export const DEFAULT_SANDBOX_TIMEOUT_MS = 600_000;
/** The server's minimum sandbox lifetime: 60 s. */
export const MIN_SANDBOX_TIMEOUT_MS = 60_000;
/** Default working directory. */
export const DEFAULT_WORK_DIR = '/workspace';
/** Default image when neither the options nor `OPEN_SANDBOX_IMAGE` name one. */
export const DEFAULT_IMAGE = 'ubuntu';
/** Default polling interval of `watch.mode: 'polling'`. */
export const DEFAULT_POLL_INTERVAL_MS = 1000;
const MIN_POLL_INTERVAL_MS = 100;

const KNOWN_KEYS = new Set([
  'kind',
  'apiKey',
  'endpoint',
  'domain',
  'protocol',
  'sandboxId',
  'image',
  'template',
  'workDir',
  'timeoutMs',
  'execTimeoutMs',
  'requestTimeoutSeconds',
  'useServerProxy',
  'env',
  'metadata',
  'resource',
  'networkPolicy',
  'skipHealthCheck',
  'readyTimeoutSeconds',
  'healthCheckPollingInterval',
  'watch',
  'lifecycle',
  'retry',
]);

function fail(field: string, message: string, hint?: string): never {
  throw new InvalidArgumentError(`OpenSandbox option \`${field}\` ${message}`, { backend: 'opensandbox', ...(hint ? { hint } : {}) });
}

function readEnv(name: string): string | undefined {
  const value = process.env[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function optionalString(options: Record<string, unknown>, field: string): string | undefined {
  const value = options[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') fail(field, 'must be a non-empty string.');
  return value;
}

function optionalBoolean(options: Record<string, unknown>, field: string): boolean | undefined {
  const value = options[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') fail(field, `must be a boolean, got ${typeof value}.`);
  return value;
}

function optionalNumber(options: Record<string, unknown>, field: string, rule: { min: number; max?: number; integer?: boolean; exclusiveMin?: boolean }): number | undefined {
  const value = options[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(field, `must be a finite number, got ${JSON.stringify(value) ?? typeof value}.`);
  if (rule.max !== undefined && value > rule.max) fail(field, `must be at most ${rule.max} (timers cannot wait longer than 2^31 - 1 ms), got ${value}.`);
  if (rule.integer && !Number.isInteger(value)) fail(field, `must be an integer, got ${value}.`);
  if (rule.exclusiveMin ? value <= rule.min : value < rule.min) fail(field, `must be ${rule.exclusiveMin ? 'greater than' : 'at least'} ${rule.min}, got ${value}.`);
  return value;
}

function optionalStringRecord(options: Record<string, unknown>, field: string): Record<string, string> | undefined {
  const value = options[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'must be an object of string values.');
  for (const [key, v] of Object.entries(value)) {
    if (key === '') fail(field, 'must not have an empty key.');
    if (typeof v !== 'string') fail(`${field}.${key}`, `must be a string, got ${typeof v}.`);
  }
  return { ...(value as Record<string, string>) };
}

function plainObject(options: Record<string, unknown>, field: string): Record<string, unknown> | undefined {
  const value = options[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'must be an object.');
  return value as Record<string, unknown>;
}

/** Turns `endpoint` (full URL) or `domain` + `protocol` into a base URL. */
function resolveEndpoint(options: Record<string, unknown>): { endpoint: string; protocol: 'http' | 'https' } {
  const protocol = options.protocol;
  if (protocol !== undefined && protocol !== 'http' && protocol !== 'https') fail('protocol', `must be 'http' or 'https', got ${JSON.stringify(protocol)}.`);
  const explicitEndpoint = optionalString(options, 'endpoint');
  const domain = optionalString(options, 'domain');
  const fromEnv = explicitEndpoint === undefined && domain === undefined ? readEnv('OPEN_SANDBOX_ENDPOINT') : undefined;
  const endpoint = explicitEndpoint ?? fromEnv;
  if (endpoint !== undefined) {
    const field = explicitEndpoint !== undefined ? 'endpoint' : 'endpoint (from OPEN_SANDBOX_ENDPOINT)';
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      fail(field, `must be a full URL such as http://127.0.0.1:8080, got ${JSON.stringify(endpoint)}.`, 'Use `domain` (host:port) with `protocol` for a scheme-less address.');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      fail(field, `must use http or https, got ${JSON.stringify(endpoint)}.`, 'Use `domain` (host:port) with `protocol` for a scheme-less address.');
    }
    if (url.username || url.password) fail(field, 'must not carry credentials; pass `apiKey` instead.');
    return { endpoint: trimBase(`${url.origin}${url.pathname}`), protocol: url.protocol === 'https:' ? 'https' : 'http' };
  }
  const host = domain ?? readEnv('OPEN_SANDBOX_DOMAIN') ?? 'localhost:8080';
  if (/^https?:\/\//.test(host)) return resolveEndpoint({ endpoint: host });
  const scheme = (protocol) ?? 'http';
  let url: URL;
  try {
    url = new URL(`${scheme}://${host}`);
  } catch {
    fail('domain', `must be host[:port][/prefix], got ${JSON.stringify(host)}.`);
  }
  return { endpoint: trimBase(`${url.origin}${url.pathname}`), protocol: scheme };
}

/** Strips trailing slashes and a trailing `/v1` (the SDK appends `/v1` itself). */
function trimBase(url: string): string {
  let out = url.replace(/\/+$/, '');
  if (out.endsWith('/v1')) out = out.slice(0, -3).replace(/\/+$/, '');
  return out;
}

/**
 * Validates `input` up front and applies environment fallbacks and defaults. Pure apart from
 * reading `process.env`. @throws InvalidArgumentError naming the offending field
 */
export function resolveOptions(input: unknown): ResolvedOpenSandboxOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidArgumentError('OpenSandbox options must be an object with `kind: \'opensandbox\'`.', { backend: 'opensandbox' });
  }
  const options = input as Record<string, unknown>;
  if (options.kind !== 'opensandbox') fail('kind', `must be 'opensandbox', got ${JSON.stringify(options.kind)}.`);
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key) && options[key] !== undefined) {
      fail(key, `is not an OpenSandbox option. Known options: ${[...KNOWN_KEYS].join(', ')}.`);
    }
  }

  const apiKeyOption = options.apiKey;
  if (apiKeyOption !== undefined && typeof apiKeyOption !== 'string') fail('apiKey', 'must be a string.');
  const apiKey = (apiKeyOption) ?? readEnv('OPEN_SANDBOX_API_KEY');

  const { endpoint, protocol } = resolveEndpoint(options);
  const sandboxId = optionalString(options, 'sandboxId');

  const image = optionalString(options, 'image');
  const template = optionalString(options, 'template');
  if (image !== undefined && template !== undefined && image !== template) {
    fail('template', `is an alias of \`image\` but differs from it (${JSON.stringify(template)} vs ${JSON.stringify(image)}).`, 'Pass only `image`.');
  }

  const workDir = optionalString(options, 'workDir') ?? DEFAULT_WORK_DIR;
  if (!workDir.startsWith('/')) fail('workDir', `must be an absolute path, got ${JSON.stringify(workDir)}.`);
  if (workDir.includes('\0')) fail('workDir', 'must not contain a NUL byte.');

  const timeoutMs = optionalNumber(options, 'timeoutMs', { min: MIN_SANDBOX_TIMEOUT_MS }) ?? DEFAULT_SANDBOX_TIMEOUT_MS;
  const execTimeoutMs = optionalNumber(options, 'execTimeoutMs', { min: 0, max: MAX_TIMER_MS, integer: true }) ?? DEFAULT_EXEC_TIMEOUT_MS;

  const watch = plainObject(options, 'watch') ?? {};
  for (const key of Object.keys(watch)) if (key !== 'mode' && key !== 'pollIntervalMs' && watch[key] !== undefined) fail(`watch.${key}`, 'is not a watch option (mode, pollIntervalMs).');
  const mode = watch.mode ?? 'polling';
  if (mode !== 'polling' && mode !== 'native' && mode !== 'off') fail('watch.mode', `must be 'native', 'polling' or 'off', got ${JSON.stringify(mode)}.`);
  const pollIntervalMs = optionalNumber(watch, 'pollIntervalMs', { min: MIN_POLL_INTERVAL_MS, max: MAX_TIMER_MS }) ?? DEFAULT_POLL_INTERVAL_MS;

  const lifecycle = plainObject(options, 'lifecycle') ?? {};
  for (const key of Object.keys(lifecycle)) {
    if (key !== 'disposeAction' && key !== 'autoRenew' && lifecycle[key] !== undefined) fail(`lifecycle.${key}`, 'is not a lifecycle option (disposeAction, autoRenew).');
  }
  const autoRenew = optionalBoolean(lifecycle, 'autoRenew');
  const disposeAction = lifecycle.disposeAction ?? 'kill';
  if (disposeAction !== 'kill' && disposeAction !== 'close') fail('lifecycle.disposeAction', `must be 'kill' or 'close', got ${JSON.stringify(disposeAction)}.`);

  return {
    apiKey,
    endpoint,
    protocol,
    sandboxId,
    image: image ?? template ?? readEnv('OPEN_SANDBOX_IMAGE') ?? DEFAULT_IMAGE,
    workDir: normalizePosixPath(workDir),
    timeoutMs,
    execTimeoutMs,
    requestTimeoutSeconds: optionalNumber(options, 'requestTimeoutSeconds', { min: 0, max: MAX_TIMER_MS / 1000, exclusiveMin: true }),
    useServerProxy: optionalBoolean(options, 'useServerProxy') ?? false,
    env: checkEnv(optionalStringRecord(options, 'env'), { name: 'OpenSandbox option env', backend: 'opensandbox' }),
    metadata: optionalStringRecord(options, 'metadata'),
    resource: optionalStringRecord(options, 'resource'),
    networkPolicy: plainObject(options, 'networkPolicy'),
    skipHealthCheck: optionalBoolean(options, 'skipHealthCheck'),
    readyTimeoutSeconds: optionalNumber(options, 'readyTimeoutSeconds', { min: 0, max: MAX_TIMER_MS / 1000, exclusiveMin: true }),
    healthCheckPollingInterval: optionalNumber(options, 'healthCheckPollingInterval', { min: 1, max: MAX_TIMER_MS }),
    watch: { mode, pollIntervalMs },
    disposeAction,
    autoRenew: autoRenew ?? true,
    retryOption: options.retry as boolean | RetryOptions | undefined,
    retry: resolveRetryPolicy(options.retry as boolean | RetryOptions | undefined, 'opensandbox'),
  };
}

/**
 * The JSON-safe config that restores a sandbox: the options with the resolved `endpoint` and
 * `sandboxId`. `apiKey` and `env` (which often carries secrets) only with `includeSecrets`.
 */
export function toOpenSandboxConfig(o: ResolvedOpenSandboxOptions, options: { includeSecrets: boolean; sandboxId: string | undefined }): BaseSandboxConfig & Record<string, unknown> {
  const config: Record<string, unknown> = {
    kind: 'opensandbox',
    endpoint: o.endpoint,
    ...(options.sandboxId !== undefined ? { sandboxId: options.sandboxId } : {}),
    image: o.image,
    workDir: o.workDir,
    timeoutMs: o.timeoutMs,
    execTimeoutMs: o.execTimeoutMs,
    ...(o.requestTimeoutSeconds !== undefined ? { requestTimeoutSeconds: o.requestTimeoutSeconds } : {}),
    useServerProxy: o.useServerProxy,
    ...(o.metadata !== undefined ? { metadata: { ...o.metadata } } : {}),
    ...(o.resource !== undefined ? { resource: { ...o.resource } } : {}),
    ...(o.networkPolicy !== undefined ? { networkPolicy: JSON.parse(JSON.stringify(o.networkPolicy)) as Record<string, unknown> } : {}),
    ...(o.skipHealthCheck !== undefined ? { skipHealthCheck: o.skipHealthCheck } : {}),
    ...(o.readyTimeoutSeconds !== undefined ? { readyTimeoutSeconds: o.readyTimeoutSeconds } : {}),
    ...(o.healthCheckPollingInterval !== undefined ? { healthCheckPollingInterval: o.healthCheckPollingInterval } : {}),
    watch: { mode: o.watch.mode, pollIntervalMs: o.watch.pollIntervalMs },
    lifecycle: { disposeAction: o.disposeAction, ...(o.autoRenew ? {} : { autoRenew: false }) },
    ...(o.retryOption !== undefined ? { retry: JSON.parse(JSON.stringify(o.retryOption)) as unknown } : {}),
  };
  if (options.includeSecrets) {
    if (o.apiKey !== undefined) config.apiKey = o.apiKey;
    if (o.env !== undefined) config.env = { ...o.env };
  }
  return config as BaseSandboxConfig & Record<string, unknown>;
}
