import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdir, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertCapability,
  DEFAULT_MAX_OUTPUT_BYTES,
  DisposedError,
  type ExecOptions,
  type InitOptions,
  UnsupportedCapabilityError,
  type ExecResult,
  FileNotFoundError,
  InvalidArgumentError,
  NotInitializedError,
  type Sandbox,
  type SandboxCapabilities,
  SandboxLifecycle,
  SandboxNotFoundError,
  type ToConfigOptions,
  type WatchFilesOptions,
  type WatchListener,
} from '@kode/core';
import { WatchRegistry } from '@kode/watch';
import { errnoCode, mapHostError, mapLookupError } from './host-errors';
import { LOCAL_CAPABILITIES } from './local-capabilities';
import { LOCAL_KIND, type LocalSandboxConfig, type ResolvedLocalConfig, resolveLocalConfig, validateEnv, validateMs } from './local-config';
import { LocalFs } from './local-fs';
import { LocalProcesses } from './local-processes';
import { LocalWatchPort } from './local-watch-port';
import { hostRealPath, PathGuard, type SandboxRoot } from './path-guard';
import { runCommand } from './run-command';

/**
 * The sandbox id of a local sandbox whose real working directory is `realWorkDir`:
 * `local-` followed by the first 16 hex digits of the SHA-256 of the path. Stable across
 * instances and processes; two sandboxes on the same directory share it.
 */
export function localSandboxId(realWorkDir: string): string {
  return `local-${createHash('sha256').update(realWorkDir).digest('hex').slice(0, 16)}`;
}

/** What `init()` sets up. */
interface ReadyState {
  workDir: string;
  sandboxId: string;
  tempRoot: string;
}

/**
 * A sandbox on the host: commands run as child processes of this Node process (bash, each in its
 * own process group) and files are the host's, confined to `workDir`, `allowPaths` and a private
 * temp directory. Meant for development, tests and offline debugging.
 *
 * Confinement covers the `fs` methods (checked on real paths) and the `cwd` of commands; the
 * commands themselves run with the host user's full rights: `exec` is NOT a security boundary.
 *
 * Construct (no I/O) → `await init()` → use → `await dispose()`. `new LocalSandbox(config)` and
 * `SandboxFactory.create(config)` (after importing `@kode/local`) are interchangeable.
 */
export class LocalSandbox implements Sandbox {
  /** Always `'local'`. */
  readonly kind = LOCAL_KIND;
  /** See {@link LOCAL_CAPABILITIES}. Frozen. */
  readonly capabilities: SandboxCapabilities = LOCAL_CAPABILITIES;
  /** Host files, confined; see `LocalFs`. */
  readonly fs: LocalFs;
  /** Background processes; see `LocalProcesses`. */
  readonly processes: LocalProcesses;

  private readonly config: ResolvedLocalConfig;
  private readonly lifecycle = new SandboxLifecycle(LOCAL_KIND);
  private readonly guard: PathGuard;
  private readonly watches: WatchRegistry;
  private readonly running = new AbortController();
  private ready: ReadyState | undefined;
  private tempRootCreated: string | undefined;

  /**
   * Validates `config` and builds the sandbox without touching the file system.
   * @throws InvalidArgumentError for any invalid option (the message names it)
   */
  constructor(config: LocalSandboxConfig) {
    this.config = resolveLocalConfig(config);
    setMaxListeners(0, this.running.signal); // one listener per running exec
    const roots: SandboxRoot[] = [
      { label: 'workDir', lexical: this.config.workDir, real: this.config.workDir },
      ...this.config.allowPaths.map((path, index) => ({ label: `allowPaths[${index}]`, lexical: path, real: path })),
    ];
    this.guard = new PathGuard(roots);
    this.fs = new LocalFs({
      assertReady: () => this.lifecycle.assertReady(),
      workDir: () => this.workDir,
      guard: this.guard,
      tempDir: () => join(this.readyState().tempRoot, 'files'),
    });
    this.processes = new LocalProcesses({
      assertReady: () => this.lifecycle.assertReady(),
      prepare: (options) => this.prepare(options),
      logDir: () => join(this.readyState().tempRoot, 'logs'),
    });
    const port = new LocalWatchPort(() => ({ ...process.env, ...this.config.env }));
    this.watches = new WatchRegistry({
      backend: LOCAL_KIND,
      port,
      config: { mode: this.config.watchMode, ...(this.config.pollIntervalMs === undefined ? {} : { pollIntervalMs: this.config.pollIntervalMs }) },
    });
  }

  /** Absolute working directory: as configured until `init()`, then its real path. */
  get workDir(): string {
    return this.ready?.workDir ?? this.config.workDir;
  }

  /**
   * Checks that `workDir` is an existing directory, resolves the real paths of the roots and
   * creates the private temp directory (under `os.tmpdir()`). Idempotent; concurrent calls share
   * one attempt; a failed attempt can be retried.
   * @throws FileNotFoundError (workDir missing), InvalidArgumentError (workDir not a directory),
   * SandboxNotFoundError (config `sandboxId` does not match workDir), DisposedError
   */
  init(options: InitOptions = {}): Promise<void> {
    const started = Date.now();
    return this.lifecycle.init(async () => {
      await this.start();
      try {
        options.onProgress?.({ phase: 'ready', elapsedMs: Date.now() - started });
      } catch {
        // A throwing progress callback must not break init.
      }
    });
  }

  /** A local sandbox never expires, so there is nothing to renew. @throws UnsupportedCapabilityError always */
  renew(): Promise<void> {
    return Promise.reject(new UnsupportedCapabilityError('The local backend does not support lifecycle.renew: a local sandbox never expires.', { backend: LOCAL_KIND, capability: 'lifecycle.renew' }));
  }

  /** `local-<16 hex>` derived from the real workDir; see {@link localSandboxId}. @throws NotInitializedError before `init()` */
  getSandboxId(): string {
    if (this.ready) return this.ready.sandboxId;
    this.lifecycle.assertReady();
    throw new NotInitializedError('The local sandbox is not initialised.', { backend: LOCAL_KIND });
  }

  /**
   * Runs `command` with `/bin/bash -c` in its own process group, in `cwd` (default `workDir`;
   * must exist and lie inside the sandbox), with `process.env` + config `env` + `options.env`.
   * Output is byte-exact and streamed to `onStdout`/`onStderr` (UTF-8, never splitting a
   * character); each stream keeps at most `maxOutputBytes` (default 10 MiB, then `truncated`).
   * On timeout (default `execTimeoutMs`, `0` = none) or abort the whole group is killed (SIGTERM,
   * SIGKILL after 1 s): a timeout resolves `{ code: 124, timedOut: true }`, an abort rejects with
   * `signal.reason` (an already-aborted signal rejects without starting anything). A non-zero
   * exit resolves; death by signal `n` gives `128 + n`. `dispose()` aborts running commands.
   * @throws InvalidArgumentError (bad options), FileNotFoundError (missing cwd, or not a directory),
   * PathOutsideSandboxError (cwd outside), NotInitializedError, DisposedError, BackendError
   */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.lifecycle.assertReady();
    if (typeof command !== 'string') throw new InvalidArgumentError('command must be a string.', { backend: LOCAL_KIND });
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('exec options must be an object.', { backend: LOCAL_KIND });
    const timeoutMs = validateMs(options.timeoutMs, { name: 'timeoutMs' }) ?? this.config.execTimeoutMs;
    const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    if (!Number.isInteger(maxOutputBytes) || maxOutputBytes < 0) {
      throw new InvalidArgumentError(`maxOutputBytes must be a non-negative integer, got ${String(maxOutputBytes)}.`, { backend: LOCAL_KIND });
    }
    for (const name of ['onStdout', 'onStderr'] as const) {
      if (options[name] !== undefined && typeof options[name] !== 'function') {
        throw new InvalidArgumentError(`${name} must be a function.`, { backend: LOCAL_KIND });
      }
    }
    const { signal } = options;
    if (signal?.aborted) throw signal.reason;
    const { cwd, env } = await this.prepare(options);
    if (signal?.aborted) throw signal.reason;
    return runCommand({
      command,
      cwd,
      env,
      timeoutMs,
      maxOutputBytes,
      signal,
      stopSignal: this.running.signal,
      onStdout: options.onStdout,
      onStderr: options.onStderr,
    });
  }

  /**
   * Watches files or directories (relative paths resolve against `workDir`; each must lie inside
   * the sandbox) through `@kode/watch`: natively with `inotifywait` or by polling, per the config's
   * `watch.mode`. Resolves with the watch id once the watch is live; with mode `'off'` nothing is
   * registered and the id is inert.
   * @throws InvalidArgumentError, PathOutsideSandboxError, UnsupportedCapabilityError (mode
   * `'native'` on a host without inotifywait), NotInitializedError, DisposedError
   */
  async watchFiles(paths: string[], listener: WatchListener, options?: WatchFilesOptions): Promise<string> {
    this.lifecycle.assertReady();
    if (!Array.isArray(paths) || paths.length === 0) {
      throw new InvalidArgumentError('watchFiles needs a non-empty array of paths.', { backend: LOCAL_KIND });
    }
    if (typeof listener !== 'function') throw new InvalidArgumentError('watchFiles needs a listener function.', { backend: LOCAL_KIND });
    if (this.config.watchMode === 'native') assertCapability(this.capabilities, 'watch.native', LOCAL_KIND);
    const absolute = paths.map((path) => this.fs.resolve(path));
    await Promise.all(absolute.map((path) => this.guard.check(path, { op: 'watchFiles', followFinal: true })));
    this.lifecycle.assertReady();
    return this.watches.watch(options === undefined ? { paths: absolute, listener } : { paths: absolute, listener, options });
  }

  /** Stops a watch; once this resolves its listener gets nothing more. Idempotent; unknown ids are ignored. @throws DisposedError, NotInitializedError */
  async unwatchFiles(id: string): Promise<void> {
    this.lifecycle.assertReady();
    await this.watches.unwatch(id);
  }

  /**
   * Closes every watch first, then aborts running `exec` calls (they reject with
   * `DisposedError`), kills every background process group still alive and removes the temp
   * directory. Idempotent; later calls of any method raise `DisposedError`. Files in `workDir` stay.
   */
  dispose(): Promise<void> {
    return this.lifecycle.dispose(async () => {
      await this.watches.closeAll();
      this.running.abort(new DisposedError('The local sandbox was disposed while the command ran.', { backend: LOCAL_KIND }));
      await this.processes.killAll();
      if (this.tempRootCreated !== undefined) await rm(this.tempRootCreated, { recursive: true, force: true });
    });
  }

  /** Same as {@link LocalSandbox.dispose}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  /**
   * A JSON-safe config that restores this sandbox (same workDir, same id): `kind`, `workDir`,
   * `allowPaths`, `execTimeoutMs`, the `watch` options that were given (a defaulted mode is left
   * out, so the restoring host picks its own default) and, once known, `sandboxId`. `env` may hold secrets, so
   * it is included only with `{ includeSecrets: true }`. Callable in any state.
   */
  toConfig(options: ToConfigOptions = {}): LocalSandboxConfig & Record<string, unknown> {
    const watch: NonNullable<LocalSandboxConfig['watch']> = {};
    if (this.config.watchModeExplicit) watch.mode = this.config.watchMode;
    if (this.config.pollIntervalMs !== undefined) watch.pollIntervalMs = this.config.pollIntervalMs;
    const config: LocalSandboxConfig & Record<string, unknown> = {
      kind: LOCAL_KIND,
      workDir: this.workDir,
      execTimeoutMs: this.config.execTimeoutMs,
    };
    if (Object.keys(watch).length > 0) config.watch = watch;
    if (this.config.allowPaths.length > 0) config.allowPaths = [...this.config.allowPaths];
    if (options.includeSecrets === true && Object.keys(this.config.env).length > 0) config.env = { ...this.config.env };
    const sandboxId = this.ready?.sandboxId ?? this.config.sandboxId;
    if (sandboxId !== undefined) config.sandboxId = sandboxId;
    return config;
  }

  private readyState(): ReadyState {
    if (!this.ready) this.lifecycle.assertReady();
    return this.ready as ReadyState;
  }

  private async start(): Promise<void> {
    const configured = this.config.workDir;
    let info;
    try {
      info = await stat(configured);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') {
        throw new FileNotFoundError(`workDir ${configured} does not exist.`, {
          backend: LOCAL_KIND,
          path: configured,
          cause: error,
          hint: 'Create the directory first, or pass an existing workDir.',
        });
      }
      throw mapHostError(error, { op: 'init', path: configured });
    }
    if (!info.isDirectory()) throw new InvalidArgumentError(`workDir ${configured} is not a directory.`, { backend: LOCAL_KIND });
    const workDir = await realpath(configured);
    const sandboxId = localSandboxId(workDir);
    if (this.config.sandboxId !== undefined && this.config.sandboxId !== sandboxId) {
      throw new SandboxNotFoundError(`No local sandbox ${this.config.sandboxId} at workDir ${workDir} (its id is ${sandboxId}).`, {
        backend: LOCAL_KIND,
        sandboxId: this.config.sandboxId,
        hint: 'A local sandbox id is derived from its real workDir; restore with the workDir from the same toConfig().',
      });
    }
    const allowRoots = await Promise.all(
      this.config.allowPaths.map(async (path, index) => ({ label: `allowPaths[${index}]`, lexical: path, real: await hostRealPath(path, { followFinal: true }) })),
    );
    const tempRoot = await realpath(await mkdtemp(join(tmpdir(), 'kode-local-')));
    try {
      await mkdir(join(tempRoot, 'files'));
      await mkdir(join(tempRoot, 'logs'));
    } catch (error) {
      await rm(tempRoot, { recursive: true, force: true });
      throw mapHostError(error, { op: 'init', path: tempRoot });
    }
    this.tempRootCreated = tempRoot;
    this.guard.setRoots([
      { label: 'workDir', lexical: configured, real: workDir },
      ...allowRoots,
      { label: 'temp', lexical: join(tempRoot, 'files'), real: join(tempRoot, 'files') },
    ]);
    this.ready = { workDir, sandboxId, tempRoot };
  }

  /** Confined, existing cwd and merged environment for a command. */
  private async prepare(options: { cwd?: string | undefined; env?: Record<string, string> | undefined }): Promise<{ cwd: string; env: NodeJS.ProcessEnv }> {
    const env = { ...process.env, ...this.config.env, ...validateEnv(options.env, 'env') };
    const absolute = this.fs.resolve(options.cwd ?? '.');
    const real = await this.guard.check(absolute, { op: 'cwd', followFinal: true });
    let info;
    try {
      info = await stat(real);
    } catch (error) {
      throw mapLookupError(error, { op: 'cwd', path: absolute });
    }
    if (!info.isDirectory()) throw new FileNotFoundError(`cwd ${absolute} is not a directory.`, { backend: LOCAL_KIND, path: absolute });
    this.lifecycle.assertReady();
    return { cwd: real, env };
  }
}
