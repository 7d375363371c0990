import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendError, type BaseSandboxConfig, FileNotFoundError, InvalidArgumentError, SandboxNotFoundError, type WatchConfig } from '@kode/core';
import { redactSecretOptions, type DriverEndpoint, type DriverExecRequest, type DriverExecResult, type DriverStartContext, type SandboxDriverV1 } from '@kode/driver';
import { errnoCode, mapHostError, mapLookupError } from './host-errors';
import { LOCAL_CAPABILITIES } from './local-capabilities';
import { LOCAL_KIND, localConfigSchema, type LocalSandboxConfig, type ResolvedLocalConfig } from './local-config';
import { LocalDriverFs } from './local-driver-fs';
import { LocalDriverProcesses } from './local-driver-processes';
import { LocalDriverSessions } from './local-driver-sessions';
import { LocalWatchPort } from './local-watch-port';
import { hostRealPath, PathGuard } from './path-guard';
import { runCommand } from './run-command';

/**
 * The sandbox id of a local sandbox whose real working directory is `realWorkDir`:
 * `local-` followed by the first 16 hex digits of the SHA-256 of the path. Stable across
 * instances and processes; two sandboxes on the same directory share it.
 */
export function localSandboxId(realWorkDir: string): string {
  return `local-${createHash('sha256').update(realWorkDir).digest('hex').slice(0, 16)}`;
}

/** What `start` sets up. */
interface Started {
  workDir: string;
  sandboxId: string;
  tempRoot: string;
}

/**
 * The local driver (`SandboxDriverV1`): commands are child processes of this Node process (bash,
 * each in its own process group), files are the host's, confined on real paths by a `PathGuard`
 * to `workDir`, `allowPaths` and a private temp directory. The rules of the contract live in the
 * front (`DriverSandbox`); a local sandbox never expires (`lifecycle.renew: false`, no `renew`).
 */
export class LocalDriver implements SandboxDriverV1 {
  readonly specificationVersion = 'v1';
  readonly kind = LOCAL_KIND;
  readonly capabilities = LOCAL_CAPABILITIES;
  readonly execTimeoutMs: number;
  readonly watch: WatchConfig;
  readonly secrets: ReadonlyArray<string | undefined>;
  readonly fs: LocalDriverFs;
  readonly processes: LocalDriverProcesses;
  readonly sessions: LocalDriverSessions;
  readonly watchPort: LocalWatchPort;

  readonly #config: ResolvedLocalConfig;
  readonly #guard: PathGuard;
  #started: Started | undefined;
  #tempRoot: string | undefined;

  /** @param config validated config (see `resolveLocalConfig`); no I/O */
  constructor(config: ResolvedLocalConfig) {
    this.#config = config;
    this.execTimeoutMs = config.execTimeoutMs;
    this.watch = { mode: config.watchMode, ...(config.pollIntervalMs === undefined ? {} : { pollIntervalMs: config.pollIntervalMs }) };
    this.secrets = Object.values(config.env);
    this.#guard = new PathGuard([
      { label: 'workDir', lexical: config.workDir, real: config.workDir },
      ...config.allowPaths.map((path, index) => ({ label: `allowPaths[${index}]`, lexical: path, real: path })),
    ]);
    this.fs = new LocalDriverFs({ guard: this.#guard, tempDir: () => join(this.#startedState().tempRoot, 'files') });
    this.processes = new LocalDriverProcesses({
      prepare: (request) => this.#prepare(request),
      logDir: () => join(this.#startedState().tempRoot, 'logs'),
    });
    this.sessions = new LocalDriverSessions({
      stateDir: () => join(this.#startedState().tempRoot, 'sessions'),
      baseEnv: () => ({ ...process.env, ...config.env }),
    });
    this.watchPort = new LocalWatchPort(() => ({ ...process.env, ...config.env }));
  }

  /** Absolute working directory: as configured until `start`, then its real path. */
  get workDir(): string {
    return this.#started?.workDir ?? this.#config.workDir;
  }

  /**
   * Checks that `workDir` is an existing directory (and, with a config `sandboxId`, that it still
   * yields that id), resolves the real paths of the roots and creates the private temp directory
   * under `os.tmpdir()`. Reports the phase `preparing`.
   * @throws FileNotFoundError (workDir missing), InvalidArgumentError (workDir not a directory),
   * SandboxNotFoundError (config `sandboxId` does not match workDir)
   */
  async start(context: DriverStartContext): Promise<{ sandboxId: string }> {
    context.progress('preparing');
    const configured = this.#config.workDir;
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
    if (this.#config.sandboxId !== undefined && this.#config.sandboxId !== sandboxId) {
      throw new SandboxNotFoundError(`No local sandbox ${this.#config.sandboxId} at workDir ${workDir} (its id is ${sandboxId}).`, {
        backend: LOCAL_KIND,
        sandboxId: this.#config.sandboxId,
        hint: 'A local sandbox id is derived from its real workDir; restore with the workDir from the same toConfig().',
      });
    }
    const allowRoots = await Promise.all(
      this.#config.allowPaths.map(async (path, index) => ({ label: `allowPaths[${index}]`, lexical: path, real: await hostRealPath(path, { followFinal: true }) })),
    );
    const tempRoot = await realpath(await mkdtemp(join(tmpdir(), 'kode-local-')));
    try {
      await mkdir(join(tempRoot, 'files'));
      await mkdir(join(tempRoot, 'logs'));
      await mkdir(join(tempRoot, 'sessions'), { mode: 0o700 });
    } catch (error) {
      await rm(tempRoot, { recursive: true, force: true });
      throw mapHostError(error, { op: 'init', path: tempRoot });
    }
    this.#tempRoot = tempRoot;
    this.#guard.setRoots([
      { label: 'workDir', lexical: configured, real: workDir },
      ...allowRoots,
      { label: 'temp', lexical: join(tempRoot, 'files'), real: join(tempRoot, 'files') },
    ]);
    this.#started = { workDir, sandboxId, tempRoot };
    return { sandboxId };
  }

  /** Kills every background process group still alive and removes the private temp directory. Files in `workDir` stay. */
  async stop(): Promise<void> {
    await this.processes.killAll();
    const tempRoot = this.#tempRoot;
    if (tempRoot === undefined) return;
    await rm(tempRoot, { recursive: true, force: true });
    this.#tempRoot = undefined;
  }

  /**
   * Runs `bash -c` in its own process group, in the real path of `cwd`, with `process.env` +
   * config `env` + `env`; output bytes go to the sinks as read. On timeout or abort the whole
   * group is killed (SIGTERM, SIGKILL after 1 s).
   * @throws FileNotFoundError (missing cwd, or not a directory), BackendError
   */
  async exec(request: DriverExecRequest): Promise<DriverExecResult> {
    const { cwd, env } = await this.#prepare(request);
    return runCommand({
      command: request.command,
      cwd,
      env,
      timeoutMs: request.timeoutMs,
      signal: request.signal,
      onStdout: request.onStdout,
      onStderr: request.onStderr,
    });
  }

  /** A local sandbox's ports are the host's: `http://127.0.0.1:<port>`, no headers. */
  endpoint(port: number): Promise<DriverEndpoint> {
    return Promise.resolve({ url: `http://127.0.0.1:${port}`, headers: {} });
  }

  /**
   * `{ kind, workDir, allowPaths?, execTimeoutMs, watch?, sandboxId? }`: the `watch` options that
   * were given (a defaulted mode is left out, so the restoring host picks its own default); `env`
   * only with `includeSecrets`.
   */
  toConfig(options: { includeSecrets: boolean; sandboxId: string | undefined }): BaseSandboxConfig & Record<string, unknown> {
    const c = this.#config;
    const watch: NonNullable<LocalSandboxConfig['watch']> = {};
    if (c.watchModeExplicit) watch.mode = c.watchMode;
    if (c.pollIntervalMs !== undefined) watch.pollIntervalMs = c.pollIntervalMs;
    const config: LocalSandboxConfig & Record<string, unknown> = { kind: LOCAL_KIND, workDir: this.workDir, execTimeoutMs: c.execTimeoutMs };
    if (Object.keys(watch).length > 0) config.watch = watch;
    if (c.allowPaths.length > 0) config.allowPaths = [...c.allowPaths];
    if (Object.keys(c.env).length > 0) config.env = { ...c.env };
    const sandboxId = options.sandboxId ?? c.sandboxId;
    if (sandboxId !== undefined) config.sandboxId = sandboxId;
    // Options marked secret in the schema (`env`) only with includeSecrets.
    return redactSecretOptions(localConfigSchema, config, options);
  }

  #startedState(): Started {
    const started = this.#started;
    if (started === undefined) throw new BackendError('The local driver is not started (a call outside start…stop is a bug in the front).', { backend: LOCAL_KIND });
    return started;
  }

  /** The real, existing directory `cwd` (already confined by the front) and the merged environment. */
  async #prepare(request: { cwd: string; env: Record<string, string> | undefined }): Promise<{ cwd: string; env: NodeJS.ProcessEnv }> {
    const real = await hostRealPath(request.cwd, { followFinal: true });
    let info;
    try {
      info = await stat(real);
    } catch (error) {
      throw mapLookupError(error, { op: 'cwd', path: request.cwd });
    }
    if (!info.isDirectory()) throw new FileNotFoundError(`cwd ${request.cwd} is not a directory.`, { backend: LOCAL_KIND, path: request.cwd });
    return { cwd: real, env: { ...process.env, ...this.#config.env, ...request.env } };
  }
}
