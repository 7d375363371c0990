import { isAbsolute, resolve as resolveHostPath } from 'node:path';
import { assertTimeMs, type BaseSandboxConfig, InvalidArgumentError, type WatchMode } from '@kode/core';
import { checkEnv, checkTimeMs } from '@kode/driver';
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

const WATCH_MODES: readonly WatchMode[] = ['native', 'polling', 'off'];
const KNOWN_KEYS = new Set(['kind', 'workDir', 'allowPaths', 'env', 'execTimeoutMs', 'watch', 'sandboxId']);

function fail(message: string): never {
  throw new InvalidArgumentError(message, { backend: LOCAL_KIND });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkPathString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) fail(`${name} must be a non-empty string.`);
  if (value.includes('\0')) fail(`${name} must not contain a NUL byte.`);
  return value;
}

/**
 * Validates a {@link LocalSandboxConfig} and applies defaults, without I/O.
 * @throws InvalidArgumentError naming the offending field
 */
export function resolveLocalConfig(config: unknown): ResolvedLocalConfig {
  if (!isPlainObject(config)) fail('LocalSandbox config must be an object with kind: \'local\'.');
  if (config.kind !== LOCAL_KIND) fail(`LocalSandbox config needs kind: 'local', got ${JSON.stringify(config.kind)}.`);
  for (const key of Object.keys(config)) {
    if (!KNOWN_KEYS.has(key)) fail(`Unknown LocalSandbox option ${JSON.stringify(key)}; known options: ${[...KNOWN_KEYS].join(', ')}.`);
  }
  const workDir = resolveHostPath(config.workDir === undefined ? process.cwd() : checkPathString(config.workDir, 'workDir'));

  const allowPaths: string[] = [];
  if (config.allowPaths !== undefined) {
    if (!Array.isArray(config.allowPaths)) fail('allowPaths must be an array of paths.');
    for (const [index, entry] of (config.allowPaths as unknown[]).entries()) {
      const path = checkPathString(entry, `allowPaths[${index}]`);
      allowPaths.push(isAbsolute(path) ? resolveHostPath(path) : resolveHostPath(workDir, path));
    }
  }

  const env = checkEnv(config.env, { name: 'env', backend: LOCAL_KIND }) ?? {};
  const execTimeoutMs = checkTimeMs(config.execTimeoutMs, { name: 'execTimeoutMs', backend: LOCAL_KIND }) ?? DEFAULT_LOCAL_EXEC_TIMEOUT_MS;

  let watchMode = DEFAULT_LOCAL_WATCH_MODE;
  let watchModeExplicit = false;
  let pollIntervalMs: number | undefined;
  if (config.watch !== undefined) {
    if (!isPlainObject(config.watch)) fail('watch must be an object { mode?, pollIntervalMs? }.');
    const { mode, pollIntervalMs: interval, ...rest } = config.watch;
    const extra = Object.keys(rest);
    if (extra.length > 0) fail(`Unknown watch option ${JSON.stringify(extra[0])}; known options: mode, pollIntervalMs.`);
    if (mode !== undefined) {
      if (!WATCH_MODES.includes(mode as WatchMode)) fail(`watch.mode must be one of ${WATCH_MODES.join(', ')}, got ${JSON.stringify(mode)}.`);
      watchMode = mode as WatchMode;
      watchModeExplicit = true;
    }
    assertTimeMs(interval, { name: 'watch.pollIntervalMs', min: MIN_POLL_INTERVAL_MS, backend: LOCAL_KIND });
    pollIntervalMs = interval;
  }

  let sandboxId: string | undefined;
  if (config.sandboxId !== undefined) {
    if (typeof config.sandboxId !== 'string' || config.sandboxId === '') fail('sandboxId must be a non-empty string.');
    sandboxId = config.sandboxId;
  }
  return { workDir, allowPaths, env, execTimeoutMs, watchMode, watchModeExplicit, pollIntervalMs, sandboxId };
}
