import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, realpath, rm, stat } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertCapability, DEFAULT_EXEC_TIMEOUT_MS, defineCapabilities, FileNotFoundError, InvalidArgumentError, MAX_TIMER_MS } from '@kode/core';
import type { BaseSandboxConfig, SandboxCapabilities, WatchConfig } from '@kode/core';
import { assertOptions, checkEnv, checkTimeMs } from '@kode/driver';
import type { DriverExecRequest, DriverExecResult, DriverStartContext, SandboxDriverV1 } from '@kode/driver';
import { resolveWatchConfig } from '@kode/watch';
import { EXAMPLE_KIND, toSandboxError } from './host-errors';
import { HostFs, hostWatchPort } from './host-fs';

/**
 * What the example backend declares. Every `false` is a promise the front keeps for it: the call
 * raises `UnsupportedCapabilityError` (no background processes, no native watch, no restore, no
 * renew). Output is byte-exact because it comes straight from the pipes.
 */
export const EXAMPLE_CAPABILITIES: SandboxCapabilities = defineCapabilities({
  exec: { exactOutput: true, streaming: true, sessions: false },
  fs: { binary: true, confined: false, symlinks: true, streaming: false },
  processes: { background: false, reconnect: false },
  watch: { native: false, polling: true },
  lifecycle: { restore: false, renew: false, pause: false },
  endpoints: false,
});

/** The config of the example backend (what `new ExampleSandbox(config)` and `SandboxFactory.create` take). */
export interface ExampleSandboxConfig extends BaseSandboxConfig {
  kind: 'example';
  /** Existing host directory under which `init()` creates the sandbox's own directory. Default: the OS temp directory. */
  parentDir?: string;
  /** Default per-command timeout in ms (`0` = none). Default `DEFAULT_EXEC_TIMEOUT_MS` of `@kode/core`. */
  execTimeoutMs?: number;
  /** Environment variables of every command (on top of the host's). Values are secrets: `toConfig()` omits them by default. */
  env?: Record<string, string>;
}

/** `workDir` is not an option: `init()` creates a fresh one. `sandboxId` (restore) is refused. */
const KNOWN_OPTIONS = ['kind', 'parentDir', 'execTimeoutMs', 'env', 'watch'] as const;
/** After the shell exits, how long its output pipes may stay open (held by a `cmd &` child), in ms. */
const DRAIN_MS = 500;

/**
 * A sandbox over a fresh host directory: `start` creates `<parentDir>/kode-example-<hex>/{work,tmp}`,
 * `stop` removes it. Commands run with `bash -c` in their own process group, so a timeout or an
 * abort kills the whole tree. NOT an isolation boundary: commands run as the current user, on the
 * host. Everything else (argument checks, lifecycle, watch, output caps) is the front's.
 */
export class ExampleDriver implements SandboxDriverV1 {
  readonly specificationVersion = 'v1';
  readonly kind = EXAMPLE_KIND;
  readonly capabilities = EXAMPLE_CAPABILITIES;
  readonly execTimeoutMs: number;
  readonly watch: WatchConfig;
  readonly secrets: ReadonlyArray<string | undefined>;
  readonly fs = new HostFs(() => join(this.#base, 'tmp'));
  readonly watchPort = hostWatchPort;
  #base: string;
  #created = false;
  readonly #parentDir: string | undefined;
  readonly #env: Record<string, string> | undefined;

  /**
   * Validates the config without I/O.
   * @throws UnsupportedCapabilityError for a `sandboxId` (restoring is not supported)
   * @throws InvalidArgumentError naming the offending option
   */
  constructor(config: ExampleSandboxConfig) {
    if ((config as { sandboxId?: unknown } | undefined)?.sandboxId !== undefined) assertCapability(EXAMPLE_CAPABILITIES, 'lifecycle.restore', EXAMPLE_KIND);
    const o = assertOptions(config, { name: 'example config', known: KNOWN_OPTIONS, backend: EXAMPLE_KIND });
    if (o.kind !== EXAMPLE_KIND) throw new InvalidArgumentError(`example config kind must be 'example', got ${String(o.kind)}.`, { backend: EXAMPLE_KIND });
    if (o.parentDir !== undefined && (typeof o.parentDir !== 'string' || !o.parentDir.startsWith('/'))) {
      throw new InvalidArgumentError('example config parentDir must be an absolute path.', { backend: EXAMPLE_KIND });
    }
    this.#parentDir = o.parentDir;
    this.execTimeoutMs = checkTimeMs(o.execTimeoutMs, { name: 'example config execTimeoutMs', backend: EXAMPLE_KIND }) ?? DEFAULT_EXEC_TIMEOUT_MS;
    this.#env = checkEnv(o.env, { name: 'example config env', backend: EXAMPLE_KIND });
    this.secrets = Object.values(this.#env ?? {});
    this.watch = resolveWatchConfig(config.watch, 'polling');
    this.#base = join(this.#parentDir ?? tmpdir(), `kode-example-${randomBytes(6).toString('hex')}`);
  }

  /** `<base>/work`: where commands start. Its real path once `start` resolved it. */
  get workDir(): string {
    return join(this.#base, 'work');
  }

  /** Creates the sandbox's directory (a fresh one; an existing one is never reused) and returns its name as the id. */
  async start(context: DriverStartContext): Promise<{ sandboxId: string }> {
    context.progress('creating');
    const base = this.#base;
    await mkdir(base).catch((error: unknown) => Promise.reject(toSandboxError(error, { operation: `create the sandbox directory ${base}`, path: base })));
    this.#created = true; // from here on the directory is ours to remove
    try {
      await Promise.all([mkdir(join(base, 'work')), mkdir(join(base, 'tmp'))]);
      this.#base = await realpath(base);
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw toSandboxError(error, { operation: `prepare the sandbox directory ${base}`, path: base });
    }
    return { sandboxId: this.#base.slice(this.#base.lastIndexOf('/') + 1) };
  }

  /** Removes the sandbox's directory (only one `start` created) and everything in it. Idempotent. */
  async stop(): Promise<void> {
    if (!this.#created) return;
    try {
      await rm(this.#base, { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      throw toSandboxError(error, { operation: `remove the sandbox directory ${this.#base}` });
    }
  }

  /** Runs `bash -c command` in a new process group; a timeout or abort kills the group (SIGKILL). */
  async exec(request: DriverExecRequest): Promise<DriverExecResult> {
    const cwd = await stat(request.cwd).catch(() => undefined);
    if (!cwd?.isDirectory()) throw new FileNotFoundError(`Cannot run a command in ${request.cwd}: no such directory.`, { backend: EXAMPLE_KIND, path: request.cwd });
    const { signal } = request;
    if (signal.aborted) throw signal.reason;
    const child = spawn('bash', ['-c', request.command], {
      cwd: request.cwd,
      env: { ...process.env, ...this.#env, ...request.env },
      detached: true, // its own process group, so the whole tree can be killed
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => request.onStdout(chunk));
    child.stderr.on('data', (chunk: Buffer) => request.onStderr(chunk));
    return new Promise<DriverExecResult>((resolve, reject) => {
      let timedOut = false;
      let settled = false;
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      let drain: NodeJS.Timeout | undefined;
      const killGroup = (): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // The group is already gone.
        }
      };
      const finish = (settle: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(drain);
        signal.removeEventListener('abort', onAbort);
        child.stdout.destroy();
        child.stderr.destroy();
        settle();
      };
      const done = (): void => finish(() => resolve({ code: exit?.code ?? 128 + (exit?.signal ? constants.signals[exit.signal] : 0), timedOut }));
      const onAbort = (): void => {
        killGroup();
        finish(() => reject(signal.reason as Error));
      };
      const timer =
        request.timeoutMs > 0
          ? setTimeout(() => {
              if (exit !== undefined) return; // finished in time; only a `cmd &` child is still draining
              timedOut = true;
              killGroup();
            }, Math.min(request.timeoutMs, MAX_TIMER_MS))
          : undefined;
      signal.addEventListener('abort', onAbort, { once: true });
      child.once('error', (error) => finish(() => reject(toSandboxError(error, { operation: `run bash in ${request.cwd}` }))));
      child.once('exit', (code, exitSignal) => {
        exit = { code, signal: exitSignal };
        drain = setTimeout(done, DRAIN_MS);
      });
      child.once('close', done);
    });
  }

  /**
   * The config, JSON-safe, `env` values only with `includeSecrets`. It carries `sandboxId`, which
   * the constructor refuses with `UnsupportedCapabilityError`: this backend cannot restore.
   */
  toConfig(options: { includeSecrets: boolean; sandboxId: string | undefined }): ExampleSandboxConfig & Record<string, unknown> {
    return {
      kind: EXAMPLE_KIND,
      ...(this.#parentDir === undefined ? {} : { parentDir: this.#parentDir }),
      execTimeoutMs: this.execTimeoutMs,
      watch: { ...this.watch },
      ...(options.includeSecrets && this.#env !== undefined ? { env: { ...this.#env } } : {}),
      ...(options.sandboxId === undefined ? {} : { sandboxId: options.sandboxId }),
    };
  }
}
