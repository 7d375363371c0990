import { DEFAULT_EXEC_TIMEOUT_MS, InvalidArgumentError, MAX_TIMER_MS, normalizePosixPath, type BaseSandboxConfig, type WatchMode } from '@kode/core';
import { checkEnv, optionRows, parseOptions, redactSecretOptions, resolveRetryPolicy, type OptionMeta, type OptionRow, type RetryOptions, type RetryPolicy } from '@kode/driver';
import { z } from 'zod';
import packageJson from '../package.json';

/** One egress rule: allow or deny a domain (`'pypi.org'`, `'*.example.com'`). */
export interface OpenSandboxNetworkRule {
  action: 'allow' | 'deny';
  /** FQDN or wildcard domain (IP/CIDR is not supported by the server's egress sidecar). */
  target: string;
}

/** An egress network policy: the action when no rule matches (server default `'deny'`) and rules evaluated in order. */
export interface OpenSandboxNetworkPolicy {
  defaultAction?: 'allow' | 'deny';
  egress?: OpenSandboxNetworkRule[];
}

/**
 * A volume of a new sandbox (the SDK's `Volume` without OSSFS): exactly one of `host` (an
 * absolute path on the server's host; the server may restrict which) or `pvc` (a named volume,
 * `claimName`; on Docker a named volume, on Kubernetes a PersistentVolumeClaim).
 */
export interface OpenSandboxVolume {
  /** Volume name, a DNS label (`[a-z0-9-]`, at most 63 characters), unique in the sandbox. */
  name: string;
  /** Host directory to mount. */
  host?: { path: string };
  /** Named volume / PersistentVolumeClaim to mount. */
  pvc?: { claimName: string };
  /** Absolute path in the sandbox where the volume appears. */
  mountPath: string;
  /** Mount read-only. Default `false`. */
  readOnly?: boolean;
  /** Relative path inside the volume to mount instead of its root. */
  subPath?: string;
}

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
  /** Egress network policy of the new sandbox (`{ defaultAction, egress: [...] }`); read and change it later with `sandbox.networkPolicy`. Default: none (egress allowed). */
  networkPolicy?: OpenSandboxNetworkPolicy;
  /** Volumes mounted into the new sandbox: a host directory or a PVC (a named volume), read-only or not, optionally a `subPath` of it. */
  volumes?: OpenSandboxVolume[];
  /** Command the new sandbox's container runs (its main process). Default: the SDK's `['tail', '-f', '/dev/null']`. Must keep running, or the sandbox stops. */
  entrypoint?: string[];
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
  /** The user's metadata (without the creator labels, which are added at create). */
  metadata: Record<string, string> | undefined;
  resource: Record<string, string> | undefined;
  networkPolicy: OpenSandboxNetworkPolicy | undefined;
  volumes: OpenSandboxVolume[] | undefined;
  entrypoint: string[] | undefined;
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

/**
 * Metadata key naming the package that created a sandbox (value {@link CREATOR_SDK}). Server
 * metadata follows Kubernetes label rules: keys may hold dots, values only `[A-Za-z0-9._-]`, so
 * the package name `@kode/opensandbox` is written `kode-opensandbox`.
 */
export const CREATOR_SDK_KEY = 'kode.sdk';
/** Metadata key holding the version of this package that created a sandbox. */
export const CREATOR_VERSION_KEY = 'kode.version';
/** Value of {@link CREATOR_SDK_KEY} on every sandbox this package creates: `@kode/opensandbox` in label characters. */
export const CREATOR_SDK = 'kode-opensandbox';

/**
 * The creator labels this package adds to every sandbox it creates (unless the user's `metadata`
 * sets the same keys): `{ 'kode.sdk': 'kode-opensandbox', 'kode.version': <package version> }`.
 * The version is written in label characters (`+` becomes `_`, at most 63 characters).
 */
export function creatorMetadata(): Record<string, string> {
  return { [CREATOR_SDK_KEY]: CREATOR_SDK, [CREATOR_VERSION_KEY]: packageJson.version.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 63) };
}

const meta = (m: OptionMeta): OptionMeta => m;
const stringRecord = z.record(z.string().min(1, { error: 'must not have an empty key' }), z.string());
const ruleSchema = z.strictObject({ action: z.enum(['allow', 'deny']), target: z.string().min(1) });
const volumeSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: 'must be a DNS label ([a-z0-9-], starting and ending with a letter or digit)' }).max(63),
    host: z.strictObject({ path: z.string().startsWith('/', { error: 'must be an absolute path' }) }).optional(),
    pvc: z.strictObject({ claimName: z.string().min(1) }).optional(),
    mountPath: z.string().startsWith('/', { error: 'must be an absolute path' }),
    readOnly: z.boolean().optional(),
    subPath: z
      .string()
      .min(1)
      .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), { error: 'must be a relative path that stays inside the volume' })
      .optional(),
  })
  .refine((v) => (v.host === undefined) !== (v.pvc === undefined), { error: 'needs exactly one of `host` or `pvc`' });

/**
 * The schema of {@link OpenSandboxOptions}: types, bounds, unknown-key rejection, plain defaults
 * (`.default()`), and per option its environment fallback, README default and secrecy
 * (`.meta()`). `resolveOptions` parses with it; the README options table is checked against
 * {@link openSandboxOptionRows} by a test.
 */
export const openSandboxOptionsSchema = z.strictObject({
  kind: z.literal('opensandbox'),
  apiKey: z.string().optional().meta(meta({ env: 'OPEN_SANDBOX_API_KEY', secret: true })),
  endpoint: z.string().min(1).optional().meta(meta({ env: 'OPEN_SANDBOX_ENDPOINT' })),
  domain: z.string().min(1).optional().meta(meta({ env: 'OPEN_SANDBOX_DOMAIN', default: "'localhost:8080'" })),
  protocol: z.enum(['http', 'https']).optional().meta(meta({ default: "'http'" })),
  sandboxId: z.string().min(1).optional(),
  image: z.string().min(1).optional().meta(meta({ env: 'OPEN_SANDBOX_IMAGE', default: `'${DEFAULT_IMAGE}'` })),
  template: z.string().min(1).optional(),
  workDir: z
    .string()
    .min(1)
    .startsWith('/', { error: 'must be an absolute path' })
    .refine((p) => !p.includes('\0'), { error: 'must not contain a NUL byte' })
    .default(DEFAULT_WORK_DIR),
  timeoutMs: z.number().min(MIN_SANDBOX_TIMEOUT_MS).default(DEFAULT_SANDBOX_TIMEOUT_MS),
  execTimeoutMs: z.number().int().min(0).max(MAX_TIMER_MS).default(DEFAULT_EXEC_TIMEOUT_MS),
  requestTimeoutSeconds: z.number().gt(0).max(MAX_TIMER_MS / 1000).optional().meta(meta({ default: '30' })),
  useServerProxy: z.boolean().default(false),
  env: stringRecord.optional().meta(meta({ secret: true })),
  metadata: stringRecord.optional().meta(meta({ default: `{ '${CREATOR_SDK_KEY}': '${CREATOR_SDK}', '${CREATOR_VERSION_KEY}': <version> }` })),
  resource: stringRecord.optional().meta(meta({ default: "{ cpu: '1', memory: '2Gi' }" })),
  networkPolicy: z.strictObject({ defaultAction: z.enum(['allow', 'deny']).optional(), egress: z.array(ruleSchema).optional() }).optional(),
  volumes: z.array(volumeSchema).optional(),
  entrypoint: z.array(z.string().min(1)).min(1).optional().meta(meta({ default: "['tail', '-f', '/dev/null']" })),
  skipHealthCheck: z.boolean().optional().meta(meta({ default: 'false' })),
  readyTimeoutSeconds: z.number().gt(0).max(MAX_TIMER_MS / 1000).optional().meta(meta({ default: '30' })),
  healthCheckPollingInterval: z.number().min(1).max(MAX_TIMER_MS).optional().meta(meta({ default: '200' })),
  watch: z
    .strictObject({
      mode: z.enum(['polling', 'native', 'off']).default('polling'),
      pollIntervalMs: z
        .number()
        .min(MIN_POLL_INTERVAL_MS, { error: `must be at least ${MIN_POLL_INTERVAL_MS} (the minimum \`pollIntervalMs\`)` })
        .max(MAX_TIMER_MS)
        .default(DEFAULT_POLL_INTERVAL_MS),
    })
    .optional()
    .meta(meta({ nested: true })),
  lifecycle: z
    .strictObject({ disposeAction: z.enum(['kill', 'close']).default('kill'), autoRenew: z.boolean().default(true) })
    .optional()
    .meta(meta({ nested: true })),
  // Ranges are checked by `resolveRetryPolicy` (shared by every backend).
  retry: z
    .union(
      [
        z.boolean(),
        z.strictObject({ attempts: z.number().optional(), initialDelayMs: z.number().optional(), maxDelayMs: z.number().optional(), totalMs: z.number().optional() }),
      ],
      { error: 'must be true, false or an object { attempts?, initialDelayMs?, maxDelayMs?, totalMs? }' },
    )
    .optional()
    .meta(meta({ default: 'true' })),
});

/** The options table of the README, derived from {@link openSandboxOptionsSchema}. */
export function openSandboxOptionRows(): OptionRow[] {
  return optionRows(openSandboxOptionsSchema);
}

// The documented interface and the schema must describe the same options (compile-time check).
type SchemaInput = z.input<typeof openSandboxOptionsSchema>;
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
const interfaceMatchesSchema: SameKeys<Required<OpenSandboxOptions>, Required<SchemaInput>> = true;
const interfaceAssignable: (o: OpenSandboxOptions) => SchemaInput = (o) => o;
void interfaceMatchesSchema;
void interfaceAssignable;

function fail(field: string, message: string, hint?: string): never {
  throw new InvalidArgumentError(`OpenSandbox option \`${field}\` ${message}`, { backend: 'opensandbox', ...(hint ? { hint } : {}) });
}

function readEnv(name: string): string | undefined {
  const value = process.env[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Turns `endpoint` (full URL) or `domain` + `protocol` into a base URL. */
function resolveEndpoint(options: { endpoint?: string | undefined; domain?: string | undefined; protocol?: 'http' | 'https' | undefined }): { endpoint: string; protocol: 'http' | 'https' } {
  const { protocol, domain } = options;
  const explicitEndpoint = options.endpoint;
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
 * Validates `input` up front with {@link openSandboxOptionsSchema} and applies environment
 * fallbacks and defaults. Pure apart from reading `process.env`.
 * @throws InvalidArgumentError naming the offending field
 */
export function resolveOptions(input: unknown): ResolvedOpenSandboxOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidArgumentError("OpenSandbox options must be an object with `kind: 'opensandbox'`.", { backend: 'opensandbox' });
  }
  // `undefined` values count as absent (as before the schema), so spreads of optional values work.
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const o = parseOptions(openSandboxOptionsSchema, defined, { label: 'OpenSandbox', backend: 'opensandbox' });

  const apiKey = o.apiKey ?? readEnv('OPEN_SANDBOX_API_KEY');
  const { endpoint, protocol } = resolveEndpoint(o);
  if (o.image !== undefined && o.template !== undefined && o.image !== o.template) {
    fail('template', `is an alias of \`image\` but differs from it (${JSON.stringify(o.template)} vs ${JSON.stringify(o.image)}).`, 'Pass only `image`.');
  }
  const watch = o.watch ?? { mode: 'polling', pollIntervalMs: DEFAULT_POLL_INTERVAL_MS };
  const lifecycle = o.lifecycle ?? { disposeAction: 'kill', autoRenew: true };
  const retryOption: boolean | RetryOptions | undefined = o.retry;
  return {
    apiKey,
    endpoint,
    protocol,
    sandboxId: o.sandboxId,
    image: o.image ?? o.template ?? readEnv('OPEN_SANDBOX_IMAGE') ?? DEFAULT_IMAGE,
    workDir: normalizePosixPath(o.workDir),
    timeoutMs: o.timeoutMs,
    execTimeoutMs: o.execTimeoutMs,
    requestTimeoutSeconds: o.requestTimeoutSeconds,
    useServerProxy: o.useServerProxy,
    env: checkEnv(o.env, { name: 'OpenSandbox option env', backend: 'opensandbox' }),
    metadata: o.metadata ? { ...o.metadata } : undefined,
    resource: o.resource ? { ...o.resource } : undefined,
    networkPolicy: o.networkPolicy ? structuredClone(o.networkPolicy) : undefined,
    volumes: o.volumes ? structuredClone(o.volumes) : undefined,
    entrypoint: o.entrypoint ? [...o.entrypoint] : undefined,
    skipHealthCheck: o.skipHealthCheck,
    readyTimeoutSeconds: o.readyTimeoutSeconds,
    healthCheckPollingInterval: o.healthCheckPollingInterval,
    watch: { mode: watch.mode, pollIntervalMs: watch.pollIntervalMs },
    disposeAction: lifecycle.disposeAction,
    autoRenew: lifecycle.autoRenew,
    retryOption,
    retry: resolveRetryPolicy(retryOption, 'opensandbox'),
  };
}

/**
 * The JSON-safe config that restores a sandbox: the options with the resolved `endpoint` and
 * `sandboxId`. Options marked secret in {@link openSandboxOptionsSchema} (`apiKey`, `env`, which
 * often carries secrets) only with `includeSecrets`.
 */
export function toOpenSandboxConfig(o: ResolvedOpenSandboxOptions, options: { includeSecrets: boolean; sandboxId: string | undefined }): BaseSandboxConfig & Record<string, unknown> {
  const config: Record<string, unknown> = {
    kind: 'opensandbox',
    ...(o.apiKey !== undefined ? { apiKey: o.apiKey } : {}),
    endpoint: o.endpoint,
    ...(options.sandboxId !== undefined ? { sandboxId: options.sandboxId } : {}),
    image: o.image,
    workDir: o.workDir,
    timeoutMs: o.timeoutMs,
    execTimeoutMs: o.execTimeoutMs,
    ...(o.requestTimeoutSeconds !== undefined ? { requestTimeoutSeconds: o.requestTimeoutSeconds } : {}),
    useServerProxy: o.useServerProxy,
    ...(o.env !== undefined ? { env: { ...o.env } } : {}),
    ...(o.metadata !== undefined ? { metadata: { ...o.metadata } } : {}),
    ...(o.resource !== undefined ? { resource: { ...o.resource } } : {}),
    ...(o.networkPolicy !== undefined ? { networkPolicy: structuredClone(o.networkPolicy) } : {}),
    ...(o.volumes !== undefined ? { volumes: structuredClone(o.volumes) } : {}),
    ...(o.entrypoint !== undefined ? { entrypoint: [...o.entrypoint] } : {}),
    ...(o.skipHealthCheck !== undefined ? { skipHealthCheck: o.skipHealthCheck } : {}),
    ...(o.readyTimeoutSeconds !== undefined ? { readyTimeoutSeconds: o.readyTimeoutSeconds } : {}),
    ...(o.healthCheckPollingInterval !== undefined ? { healthCheckPollingInterval: o.healthCheckPollingInterval } : {}),
    watch: { mode: o.watch.mode, pollIntervalMs: o.watch.pollIntervalMs },
    lifecycle: { disposeAction: o.disposeAction, ...(o.autoRenew ? {} : { autoRenew: false }) },
    ...(o.retryOption !== undefined ? { retry: JSON.parse(JSON.stringify(o.retryOption)) as unknown } : {}),
  };
  return redactSecretOptions(openSandboxOptionsSchema, config, options) as BaseSandboxConfig & Record<string, unknown>;
}
