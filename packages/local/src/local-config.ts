import { isAbsolute, resolve as resolveHostPath } from 'node:path';
import { type BaseSandboxConfig, InvalidArgumentError, MAX_TIMER_MS, type WatchMode } from '@kode/core';
import { checkEnv, optionRows, parseOptions, type OptionMeta, type OptionRow } from '@kode/driver';
import { z } from 'zod';
import { MIN_POLL_INTERVAL_MS } from '@kode/watch';
import { NATIVE_WATCH_AVAILABLE } from './local-capabilities';

/** Backend name used in errors and registrations. */
export const LOCAL_KIND = 'local';

/** Default exec timeout of a local sandbox, in milliseconds (120 s). */
export const DEFAULT_LOCAL_EXEC_TIMEOUT_MS = 120_000;

/**
 * Default watch mode of a local sandbox: `'native'` (inotifywait on the host, falling back to
 * polling if it dies) where native watching is available, else `'polling'`.
 */
export const DEFAULT_LOCAL_WATCH_MODE: WatchMode = NATIVE_WATCH_AVAILABLE ? 'native' : 'polling';


/**
 * Config of a {@link LocalSandbox}; the same object works for `new LocalSandbox(config)` and
 * `SandboxFactory.create(config)`. Everything but `kind` is optional.
 */
export interface LocalSandboxConfig extends BaseSandboxConfig {
  kind: 'local';
  /**
   * Host directory that relative paths and commands start from. Default `process.cwd()`. Resolved
   * to an absolute path at construction and to its real path (symlinks resolved) by `init()`,
   * which fails with `FileNotFoundError` when it does not exist.
   */
  workDir?: string;
  /**
   * Further host directories (or files) the fs methods may touch besides `workDir`. Relative
   * entries resolve against `workDir`. Checked on real paths, like `workDir`.
   */
  allowPaths?: string[];
  /**
   * Extra environment variables for every command, added over `process.env`. Names are POSIX
   * (`[A-Za-z_][A-Za-z0-9_]*`); values are secrets (never in errors or a default `toConfig()`).
   */
  env?: Record<string, string>;
  /** Default per-command timeout of `exec`, in integer milliseconds. Default 120 000; `0` means no limit. */
  execTimeoutMs?: number;
  /**
   * How `watchFiles` works: `mode` `'native'` (`inotifywait` on the host, falling back to polling
   * when its stream fails; the default where `inotifywait` is installed on Linux), `'polling'`
   * (snapshots every `pollIntervalMs`, default 1000, minimum 100; the default elsewhere) or `'off'`
   * (nothing is registered).
   */
  watch?: { mode?: WatchMode; pollIntervalMs?: number };
  /**
   * Set by `toConfig()`. When given, `init()` checks that the real `workDir` still yields this id and
   * raises `SandboxNotFoundError` otherwise.
   */
  sandboxId?: string;
}

/** The config after validation and defaults; `workDir` is absolute (not yet realpath'd). */
export interface ResolvedLocalConfig {
  workDir: string;
  allowPaths: string[];
  env: Record<string, string>;
  execTimeoutMs: number;
  watchMode: WatchMode;
  /** Whether `watch.mode` was given (else it is the host's default, which `toConfig()` leaves out). */
  watchModeExplicit: boolean;
  pollIntervalMs: number | undefined;
  sandboxId: string | undefined;
}

const WATCH_MODES = ['native', 'polling', 'off'] as const satisfies readonly WatchMode[];
const meta = (m: OptionMeta): OptionMeta => m;
const pathString = z
  .string()
  .min(1)
  .refine((p) => !p.includes('\0'), { error: 'must not contain a NUL byte' });
const timeMs = (min: number) => z.number().int().min(min).max(MAX_TIMER_MS);

/**
 * The schema of {@link LocalSandboxConfig}: types, bounds, unknown-key rejection, defaults, and
 * per option its README default and secrecy (`.meta()`). `resolveLocalConfig` parses with it;
 * the README options table is checked against {@link localOptionRows} by a test; `toConfig()`
 * leaves out the options marked secret.
 */
export const localConfigSchema = z.strictObject({
  kind: z.literal(LOCAL_KIND),
  workDir: pathString.optional().meta(meta({ default: 'process.cwd()' })),
  allowPaths: z.array(pathString).optional().meta(meta({ default: '[]' })),
  env: z.record(z.string(), z.string()).optional().meta(meta({ default: '{}', secret: true })),
  execTimeoutMs: timeMs(0).default(DEFAULT_LOCAL_EXEC_TIMEOUT_MS),
  watch: z
    .strictObject({
      mode: z.enum(WATCH_MODES).optional().meta(meta({ default: "'native' if inotifywait is installed (Linux), else 'polling'" })),
      pollIntervalMs: timeMs(MIN_POLL_INTERVAL_MS).optional().meta(meta({ default: '1000' })),
    })
    .optional()
    .meta(meta({ nested: true })),
  sandboxId: z.string().min(1).optional(),
});

/** The options table of the README, derived from {@link localConfigSchema}. */
export function localOptionRows(): OptionRow[] {
  return optionRows(localConfigSchema);
}

// The documented interface and the schema must describe the same options (compile-time check).
type SchemaInput = z.input<typeof localConfigSchema>;
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
const interfaceMatchesSchema: SameKeys<Required<LocalSandboxConfig>, Required<SchemaInput>> = true;
const interfaceAssignable: (c: LocalSandboxConfig) => SchemaInput = (c) => c;
void interfaceMatchesSchema;
void interfaceAssignable;

/**
 * Validates a {@link LocalSandboxConfig} with {@link localConfigSchema} and applies defaults, without I/O.
 * @throws InvalidArgumentError naming the offending field
 */
export function resolveLocalConfig(config: unknown): ResolvedLocalConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new InvalidArgumentError("LocalSandbox config must be an object with kind: 'local'.", { backend: LOCAL_KIND });
  }
  const c = parseOptions(localConfigSchema, config, { label: 'LocalSandbox', backend: LOCAL_KIND });
  const workDir = resolveHostPath(c.workDir ?? process.cwd());
  const allowPaths = (c.allowPaths ?? []).map((path) => (isAbsolute(path) ? resolveHostPath(path) : resolveHostPath(workDir, path)));
  const env = checkEnv(c.env, { name: 'env', backend: LOCAL_KIND }) ?? {};
  return {
    workDir,
    allowPaths,
    env,
    execTimeoutMs: c.execTimeoutMs,
    watchMode: c.watch?.mode ?? DEFAULT_LOCAL_WATCH_MODE,
    watchModeExplicit: c.watch?.mode !== undefined,
    pollIntervalMs: c.watch?.pollIntervalMs,
    sandboxId: c.sandboxId,
  };
}
