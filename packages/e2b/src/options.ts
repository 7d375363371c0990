import { InvalidArgumentError, type BaseSandboxConfig, type WatchConfig } from '@kode/core';

/** What `dispose()` does with the remote sandbox. */
export interface E2BSandboxLifecycle {
  /**
   * `'kill'` (default) kills the E2B sandbox, then releases the client; `'close'` only releases
   * the client, leaving the sandbox running until its `timeoutMs` lifetime ends (restore it later
   * from `toConfig()`).
   */
  disposeAction?: 'kill' | 'close';
}

/**
 * Config of an E2B sandbox: what `new E2BSandbox(config)` and `SandboxFactory.create(config)` take.
 * Every field is optional except `kind`.
 */
export interface E2BSandboxConfig extends BaseSandboxConfig {
  kind: 'e2b';
  /** E2B API key. Default: the `E2B_API_KEY` environment variable. Never appears in messages or `toConfig()`. */
  apiKey?: string;
  /** Restore this existing sandbox instead of creating one (`Sandbox.connect`). */
  sandboxId?: string;
  /** Template to create the sandbox from. Default `'base'`. */
  template?: string;
  /**
   * Sandbox lifetime in milliseconds (sent in whole seconds, rounded up): E2B kills the sandbox
   * this long after creation (or after the latest `setTimeout`). Also applied when restoring by
   * `sandboxId` (a restore only ever extends it). Default 300 000 (5 min); 1 000 – 86 400 000.
   */
  timeoutMs?: number;
  /** Default per-command timeout of `exec` in milliseconds; `0` = none. Default 120 000. Never the lifetime. */
  execTimeoutMs?: number;
  /** Timeout of each HTTP request to E2B in milliseconds (the `e2b` client's `requestTimeoutMs`). Default 60 000. */
  requestTimeoutMs?: number;
  /** Environment variables set for every command of a new sandbox (E2B `envs`). */
  envs?: Record<string, string>;
  /** Metadata attached to a new sandbox (visible in `Sandbox.list`). */
  metadata?: Record<string, string>;
  /** E2B domain. Default: `E2B_DOMAIN`, else `e2b.app`. */
  domain?: string;
  /** Working directory: relative paths and commands start here; created by `init()`. Default `/home/user`. */
  workDir?: string;
  /** How `watchFiles` works: `'polling'` (default, every `pollIntervalMs` = 1000), `'native'` (E2B `watchDir`), `'off'`. */
  watch?: WatchConfig;
  /** What `dispose()` does. */
  lifecycle?: E2BSandboxLifecycle;
  /**
   * Testing option: the E2B control-plane URL (default `https://api.<domain>`, or `E2B_API_URL`).
   * Point it at an emulator together with `sandboxUrl`.
   */
  apiUrl?: string;
  /**
   * Testing option: the URL every envd (in-sandbox daemon) request goes to instead of
   * `https://49983-<id>.<domain>` (the `e2b` client's internal `sandboxUrl`, or `E2B_SANDBOX_URL`).
   */
  sandboxUrl?: string;
  /**
   * Testing option: E2B debug mode (`E2B_DEBUG`): no control-plane calls at all, sandbox id
   * `debug_sandbox_id`, envd at `sandboxUrl` (default `http://localhost:49983`). Kill and
   * `setTimeout` become no-ops.
   */
  debug?: boolean;
}

/** The config after defaults and validation. */
export interface ResolvedE2BOptions {
  apiKey: string | undefined;
  sandboxId: string | undefined;
  template: string;
  timeoutMs: number;
  execTimeoutMs: number;
  requestTimeoutMs: number | undefined;
  envs: Record<string, string> | undefined;
  metadata: Record<string, string> | undefined;
  domain: string | undefined;
  workDir: string;
  watch: WatchConfig | undefined;
  disposeAction: 'kill' | 'close';
  apiUrl: string | undefined;
  sandboxUrl: string | undefined;
  debug: boolean | undefined;
}

/** Default sandbox lifetime: 5 minutes (E2B's own default). */
export const DEFAULT_E2B_TIMEOUT_MS = 300_000;
/** Default working directory of E2B templates. */
export const DEFAULT_E2B_WORKDIR = '/home/user';
/** Default template. */
export const DEFAULT_E2B_TEMPLATE = 'base';

const MAX_LIFETIME_MS = 86_400_000;

const KNOWN_KEYS = new Set([
  'kind',
  'apiKey',
  'sandboxId',
  'template',
  'timeoutMs',
  'execTimeoutMs',
  'requestTimeoutMs',
  'envs',
  'metadata',
  'domain',
  'workDir',
  'watch',
  'lifecycle',
  'apiUrl',
  'sandboxUrl',
  'debug',
]);

function fail(message: string): never {
  throw new InvalidArgumentError(message, { backend: 'e2b' });
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') fail(`e2b option \`${name}\` must be a non-empty string.`);
  return value;
}

function optionalInteger(value: unknown, name: string, range: { min: number; max: number }): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    fail(`e2b option \`${name}\` must be an integer between ${range.min} and ${range.max} (milliseconds), got ${JSON.stringify(value)}.`);
  }
  return value;
}

function optionalRecord(value: unknown, name: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`e2b option \`${name}\` must be an object of string values.`);
  for (const [key, v] of Object.entries(value)) {
    if (key === '' || typeof v !== 'string') fail(`e2b option \`${name}\` must map non-empty keys to strings (bad entry ${JSON.stringify(key)}).`);
  }
  return { ...(value as Record<string, string>) };
}

function optionalUrl(value: unknown, name: string): string | undefined {
  const text = optionalString(value, name);
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail(`e2b option \`${name}\` must be an absolute http(s) URL, got ${JSON.stringify(text)}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`e2b option \`${name}\` must use http or https, got ${url.protocol}`);
  return text.replace(/\/+$/, '');
}

function envValue(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Validates `config` and fills defaults (`apiKey` from `E2B_API_KEY`). Pure apart from reading
 * `env`. Unknown keys are rejected (typos must not pass silently).
 * @throws InvalidArgumentError naming the bad option
 */
export function resolveE2BOptions(config: E2BSandboxConfig, env: Record<string, string | undefined> = process.env): ResolvedE2BOptions {
  if (typeof config !== 'object' || config === null) fail('E2B sandbox config must be an object.');
  if (config.kind !== 'e2b') fail(`E2B sandbox config needs kind: 'e2b', got ${JSON.stringify(config.kind)}.`);
  const unknown = Object.keys(config).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length > 0) fail(`Unknown e2b option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `\`${k}\``).join(', ')}; known: ${[...KNOWN_KEYS].join(', ')}.`);
  const workDir = optionalString(config.workDir, 'workDir') ?? DEFAULT_E2B_WORKDIR;
  if (!workDir.startsWith('/') || workDir.includes('\0')) fail(`e2b option \`workDir\` must be an absolute path, got ${JSON.stringify(workDir)}.`);
  const lifecycle = config.lifecycle;
  if (lifecycle !== undefined && (typeof lifecycle !== 'object' || lifecycle === null)) fail('e2b option `lifecycle` must be an object.');
  const disposeAction = lifecycle?.disposeAction ?? 'kill';
  if (disposeAction !== 'kill' && disposeAction !== 'close') fail(`e2b option \`lifecycle.disposeAction\` must be 'kill' or 'close', got ${JSON.stringify(disposeAction)}.`);
  if (config.debug !== undefined && typeof config.debug !== 'boolean') fail('e2b option `debug` must be a boolean.');
  if (config.watch !== undefined && (typeof config.watch !== 'object' || config.watch === null)) fail('e2b option `watch` must be an object.');
  return {
    apiKey: optionalString(config.apiKey, 'apiKey') ?? envValue(env, 'E2B_API_KEY'),
    sandboxId: optionalString(config.sandboxId, 'sandboxId'),
    template: optionalString(config.template, 'template') ?? DEFAULT_E2B_TEMPLATE,
    timeoutMs: optionalInteger(config.timeoutMs, 'timeoutMs', { min: 1000, max: MAX_LIFETIME_MS }) ?? DEFAULT_E2B_TIMEOUT_MS,
    execTimeoutMs: optionalInteger(config.execTimeoutMs, 'execTimeoutMs', { min: 0, max: MAX_LIFETIME_MS }) ?? 120_000,
    requestTimeoutMs: optionalInteger(config.requestTimeoutMs, 'requestTimeoutMs', { min: 1, max: MAX_LIFETIME_MS }),
    envs: optionalRecord(config.envs, 'envs'),
    metadata: optionalRecord(config.metadata, 'metadata'),
    domain: optionalString(config.domain, 'domain'),
    workDir: workDir.length > 1 ? workDir.replace(/\/+$/, '') : workDir,
    watch: config.watch === undefined ? undefined : { ...config.watch },
    disposeAction,
    apiUrl: optionalUrl(config.apiUrl, 'apiUrl'),
    sandboxUrl: optionalUrl(config.sandboxUrl, 'sandboxUrl'),
    debug: config.debug,
  };
}
