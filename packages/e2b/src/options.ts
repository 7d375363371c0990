import { InvalidArgumentError, type WatchConfig } from '@kode/core';
import { optionRows, parseOptions, resolveRetryPolicy, type OptionMeta, type RetryOptions, type RetryPolicy } from '@kode/driver';
import { z } from 'zod';
import packageJson from '../package.json';

/** Default sandbox lifetime: 5 minutes (E2B's own default). */
export const DEFAULT_E2B_TIMEOUT_MS = 300_000;
/** Default working directory of E2B templates. */
export const DEFAULT_E2B_WORKDIR = '/home/user';
/** Default template. */
export const DEFAULT_E2B_TEMPLATE = 'base';
/** Default per-command timeout of `exec` in ms. */
export const DEFAULT_E2B_EXEC_TIMEOUT_MS = 120_000;

const MAX_LIFETIME_MS = 86_400_000;

const meta = (m: OptionMeta): OptionMeta => m;
const nonEmpty = z.string({ error: 'must be a non-empty string' }).refine((value) => value.trim() !== '', { error: 'must be a non-empty string' });
const ms = (min: number) => {
  const error = `must be an integer between ${min} and ${MAX_LIFETIME_MS} (milliseconds)`;
  return z.number({ error }).int({ error }).min(min, { error }).max(MAX_LIFETIME_MS, { error });
};
const stringMap = z.record(z.string().min(1, { error: 'keys must be non-empty' }), z.string({ error: 'values must be strings' }), {
  error: 'must be an object of string values',
});
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).transform((value) => value.replace(/\/+$/, ''));

const watchShape = {
  /** `'polling'` (default, every `pollIntervalMs`), `'native'` (E2B `watchDir`) or `'off'`. */
  mode: z.enum(['polling', 'native', 'off']).optional(),
  /** Polling interval in ms. Default 1000, minimum 100. */
  pollIntervalMs: z.number().int().min(100).max(MAX_LIFETIME_MS).optional(),
};
const watchSchema: z.ZodObject<typeof watchShape, z.core.$strict> = z.strictObject(watchShape);

const lifecycleShape = {
  /**
   * `'kill'` (default) kills the E2B sandbox, then releases the client; `'close'` only releases
   * the client, leaving the sandbox running until its lifetime ends (restore it from `toConfig()`).
   */
  disposeAction: z.enum(['kill', 'close'], { error: "must be 'kill' or 'close'" }).optional(),
  /** Renew the lifetime on activity (at most one request per half lifetime). Default `true`. */
  autoRenew: z.boolean().optional(),
};
const lifecycleSchema: z.ZodObject<typeof lifecycleShape, z.core.$strict> = z.strictObject(lifecycleShape);

/**
 * THE definition of the E2B options: the `E2BSandboxConfig` type, validation (the field is named,
 * unknown keys rejected), defaults, `toConfig()` redaction ({@link E2B_SECRET_OPTIONS}) and the README
 * options table (a test compares the table with {@link e2bOptionNames}) all derive from it.
 */
const e2bOptionsShape = {
  /** Always `'e2b'`. */
  kind: z.literal('e2b', { error: "must be 'e2b' (an E2B sandbox config needs kind: 'e2b')" }),
  /** E2B API key. Default: the `E2B_API_KEY` environment variable. A secret: never in messages, printed objects or `toConfig()` (unless asked). */
  apiKey: nonEmpty.optional().meta(meta({ env: 'E2B_API_KEY', secret: true })),
  /** Restore this existing sandbox instead of creating one (`Sandbox.connect`). */
  sandboxId: nonEmpty.optional(),
  /** Template to create the sandbox from. Default `'base'`. Alias: `image` (same meaning; give one). */
  template: nonEmpty.optional(),
  /** Alias of `template`, the name other backends use. */
  image: nonEmpty.optional(),
  /**
   * Sandbox lifetime in milliseconds (sent in whole seconds, rounded up): E2B kills the sandbox
   * this long after creation or the latest renewal (`lifecycle.autoRenew`, `renew()`,
   * `setTimeout()`). Also applied when restoring by `sandboxId`. Default 300 000 (5 min); 1 000 – 86 400 000.
   */
  timeoutMs: ms(1_000).optional(),
  /** Default per-command timeout of `exec` in milliseconds; `0` = none. Default 120 000. Never the lifetime. */
  execTimeoutMs: ms(0).optional(),
  /** Timeout of each HTTP request to E2B in milliseconds (the `e2b` client's `requestTimeoutMs`). Default 60 000. */
  requestTimeoutMs: ms(1).optional(),
  /** Environment variables set for every command of a new sandbox (E2B `envs`). Values are secrets. Alias: `env`. */
  envs: stringMap.optional().meta(meta({ secret: true })),
  /** Alias of `envs`, the name other backends use. */
  env: stringMap.optional().meta(meta({ secret: true })),
  /**
   * Metadata attached to a new sandbox (visible in `E2BSandbox.list`), merged over the creator
   * labels `kode.sdk: 'kode-e2b'` and `kode.version` (a key given here wins).
   */
  metadata: stringMap.optional(),
  /** E2B domain. Default: `E2B_DOMAIN`, else `e2b.app`. */
  domain: nonEmpty.optional(),
  /** Working directory (absolute): relative paths and commands start here; created by `init()`. Default `/home/user`. */
  workDir: nonEmpty
    .refine((value) => value.startsWith('/') && !value.includes('\0'), { message: 'must be an absolute path' })
    .optional(),
  /** How `watchFiles` works. */
  watch: watchSchema.optional().meta(meta({ nested: true })),
  /** What `dispose()` does and whether activity renews the lifetime. */
  lifecycle: lifecycleSchema.optional().meta(meta({ nested: true })),
  /** Retry policy of idempotent calls: `true` (default policy), `false` (none) or `{ attempts?, initialDelayMs?, maxDelayMs?, totalMs? }`. */
  retry: z.union([z.boolean(), z.record(z.string(), z.unknown())], { error: 'must be true, false or an object' }).optional(),
  /** Testing option: the E2B control-plane URL (default `https://api.<domain>`, or `E2B_API_URL`). */
  apiUrl: httpUrl.optional(),
  /** Testing option: the URL every envd request goes to instead of `https://49983-<id>.<domain>` (or `E2B_SANDBOX_URL`). */
  sandboxUrl: httpUrl.optional(),
  /** Testing option: E2B debug mode (`E2B_DEBUG`): no control-plane calls, id `debug_sandbox_id`, envd at `sandboxUrl`. */
  debug: z.boolean({ error: 'must be a boolean' }).optional(),
};
/**
 * The E2B options schema (zod, unknown keys rejected at every level); see the shape's docs above.
 * Declared with the shape's own type so the field docs reach `E2BSandboxConfig` in the .d.ts.
 */
export const e2bOptionsSchema: z.ZodObject<typeof e2bOptionsShape, z.core.$strict> = z.strictObject(e2bOptionsShape);

/** Options whose values are secrets: left out of `toConfig()` unless `includeSecrets`. */
export const E2B_SECRET_OPTIONS = ['apiKey', 'envs'] as const;

/** What `dispose()` does with the remote sandbox, and lifetime renewal. */
export type E2BSandboxLifecycle = NonNullable<z.input<typeof e2bOptionsSchema>['lifecycle']>;

/**
 * Config of an E2B sandbox: what `new E2BSandbox(config)` and `SandboxFactory.create(config)` take.
 * Every field is optional except `kind`. Derived from {@link e2bOptionsSchema}.
 */
export type E2BSandboxConfig = Omit<z.input<typeof e2bOptionsSchema>, 'retry'> & {
  /** Retry policy of idempotent calls: `true` (default), `false` (none) or per-field overrides. */
  retry?: boolean | RetryOptions;
};

/**
 * Every option name the schema accepts, nested object fields as `parent.child` (`watch.mode`).
 * The README options table lists exactly these.
 */
export function e2bOptionNames(): string[] {
  return optionRows(e2bOptionsSchema).map((row) => row.name);
}

/** Metadata key naming the package that created a sandbox (value {@link CREATOR_SDK}); the same key `@kode/opensandbox` uses. */
export const CREATOR_SDK_KEY = 'kode.sdk';
/** Metadata key holding the version of the package that created a sandbox. */
export const CREATOR_VERSION_KEY = 'kode.version';
/** Value of {@link CREATOR_SDK_KEY} on every sandbox this package creates (`@kode/e2b`, written like `@kode/opensandbox`'s `kode-opensandbox`). */
export const CREATOR_SDK = 'kode-e2b';

/**
 * The creator labels this package adds to every sandbox it creates, under the user's `metadata`
 * (a key the user sets wins): `{ 'kode.sdk': 'kode-e2b', 'kode.version': <package version> }`, so
 * `kode-e2b gc --metadata kode.sdk=kode-e2b` finds strays. Restoring by `sandboxId` sends no metadata.
 */
export function creatorMetadata(): Record<string, string> {
  return { [CREATOR_SDK_KEY]: CREATOR_SDK, [CREATOR_VERSION_KEY]: packageJson.version };
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
  autoRenew: boolean;
  retry: RetryPolicy;
  /** The `retry` option as given (for `toConfig()`). */
  retryOption: boolean | RetryOptions | undefined;
  apiUrl: string | undefined;
  sandboxUrl: string | undefined;
  debug: boolean | undefined;
}

function fail(message: string): never {
  throw new InvalidArgumentError(message, { backend: 'e2b' });
}

function envValue(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function alias<T>(primary: T | undefined, other: T | undefined, names: [string, string]): T | undefined {
  if (primary !== undefined && other !== undefined && JSON.stringify(primary) !== JSON.stringify(other)) {
    fail(`e2b options \`${names[0]}\` and \`${names[1]}\` are the same option (\`${names[1]}\` is an alias); give one.`);
  }
  return primary ?? other;
}

/**
 * Validates `config` against {@link e2bOptionsSchema} and fills defaults (`apiKey` from
 * `E2B_API_KEY`). Pure apart from reading `env`. Unknown keys are rejected (typos must not pass
 * silently); `image` and `env` are aliases of `template` and `envs`.
 * @throws InvalidArgumentError naming the bad option
 */
export function resolveE2BOptions(config: E2BSandboxConfig, env: Record<string, string | undefined> = process.env): ResolvedE2BOptions {
  const o = parseOptions(e2bOptionsSchema, config, { label: 'e2b', backend: 'e2b' });
  const workDir = o.workDir ?? DEFAULT_E2B_WORKDIR;
  const retryOption = o.retry as boolean | RetryOptions | undefined;
  return {
    apiKey: o.apiKey ?? envValue(env, 'E2B_API_KEY'),
    sandboxId: o.sandboxId,
    template: alias(o.template, o.image, ['template', 'image']) ?? DEFAULT_E2B_TEMPLATE,
    timeoutMs: o.timeoutMs ?? DEFAULT_E2B_TIMEOUT_MS,
    execTimeoutMs: o.execTimeoutMs ?? DEFAULT_E2B_EXEC_TIMEOUT_MS,
    requestTimeoutMs: o.requestTimeoutMs,
    envs: alias(o.envs, o.env, ['envs', 'env']),
    metadata: o.metadata,
    domain: o.domain,
    workDir: workDir.length > 1 ? workDir.replace(/\/+$/, '') : workDir,
    watch: o.watch === undefined ? undefined : { ...o.watch },
    disposeAction: o.lifecycle?.disposeAction ?? 'kill',
    autoRenew: o.lifecycle?.autoRenew ?? true,
    retry: resolveRetryPolicy(retryOption, 'e2b'),
    retryOption,
    apiUrl: o.apiUrl,
    sandboxUrl: o.sandboxUrl,
    debug: o.debug,
  };
}

/**
 * The JSON-safe config that restores a sandbox with these options. Secret options
 * ({@link E2B_SECRET_OPTIONS}) only with `includeSecrets`.
 */
export function toE2BConfig(
  o: ResolvedE2BOptions,
  options: { includeSecrets: boolean; sandboxId: string | undefined; timeoutMs: number },
): E2BSandboxConfig & Record<string, unknown> {
  const config: E2BSandboxConfig & Record<string, unknown> = {
    kind: 'e2b',
    ...(options.sandboxId === undefined ? {} : { sandboxId: options.sandboxId }),
    template: o.template,
    workDir: o.workDir,
    timeoutMs: options.timeoutMs,
    execTimeoutMs: o.execTimeoutMs,
    lifecycle: { disposeAction: o.disposeAction, autoRenew: o.autoRenew },
    ...(o.retryOption === undefined ? {} : { retry: typeof o.retryOption === 'object' ? { ...o.retryOption } : o.retryOption }),
    ...(o.watch === undefined ? {} : { watch: { ...o.watch } }),
    ...(o.metadata === undefined ? {} : { metadata: { ...o.metadata } }),
    ...(o.domain === undefined ? {} : { domain: o.domain }),
    ...(o.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: o.requestTimeoutMs }),
    ...(o.apiUrl === undefined ? {} : { apiUrl: o.apiUrl }),
    ...(o.sandboxUrl === undefined ? {} : { sandboxUrl: o.sandboxUrl }),
    ...(o.debug === undefined ? {} : { debug: o.debug }),
  };
  if (options.includeSecrets) {
    const secrets: Pick<ResolvedE2BOptions, (typeof E2B_SECRET_OPTIONS)[number]> = { apiKey: o.apiKey, envs: o.envs };
    for (const key of E2B_SECRET_OPTIONS) {
      const value = secrets[key];
      if (value !== undefined) (config as Record<string, unknown>)[key] = typeof value === 'object' ? { ...value } : value;
    }
  }
  return config;
}
