import { ConnectionConfig, Sandbox as SdkSandbox } from '@alibaba-group/opensandbox';
import {
  BackendError,
  defineCapabilities,
  FileNotFoundError,
  InvalidArgumentError,
  NotInitializedError,
  OutputBuffer,
  resolveSandboxPath,
  SandboxLifecycle,
  TIMEOUT_EXIT_CODE,
  type ExecOptions,
  type ExecResult,
  type Sandbox,
  type SandboxCapabilities,
  type SandboxError,
  type ToConfigOptions,
  type WatchFilesOptions,
  type WatchListener,
} from '@kode/core';
import { WatchRegistry } from '@kode/watch';
import { runCommandStream } from './command-stream';
import type { OpenSandboxContext } from './context';
import { exitCodeOf } from './exit-code';
import { mapOpenSandboxError } from './map-error';
import { OpenSandboxFs } from './opensandbox-fs';
import { OpenSandboxProcesses } from './opensandbox-processes';
import { resolveOptions, type OpenSandboxOptions, type ResolvedOpenSandboxOptions } from './options';
import { validateEnv } from './validate';
import { OpenSandboxWatchPort } from './watch-port';

/**
 * What the OpenSandbox backend supports. Output comes from execd line by line, so it is not
 * byte-exact (`exec.exactOutput: false`: every line is returned ending in `\n`).
 */
export const OPEN_SANDBOX_CAPABILITIES: SandboxCapabilities = defineCapabilities({
  exec: { exactOutput: false, streaming: true },
  fs: { binary: true, confined: false, symlinks: true },
  processes: { background: true, reconnect: true },
  watch: { native: true, polling: true },
  lifecycle: { restore: true },
});

/** Extra time past `timeoutMs` the client grants the server's own command timeout before interrupting the command itself. */
const CLIENT_TIMEOUT_GRACE_MS = 2_000;
const BACKEND = 'opensandbox';

/** The config {@link OpenSandbox.toConfig} returns: the options, JSON-safe, with `sandboxId` set. */
export type OpenSandboxConfig = OpenSandboxOptions & Record<string, unknown>;

/**
 * A sandbox on a self-hosted OpenSandbox server, through the official
 * `@alibaba-group/opensandbox` client.
 *
 * Lifecycle: `new OpenSandbox(options)` validates the options (no I/O); `init()` creates the
 * sandbox (or connects to `sandboxId`) and creates `workDir`; `dispose()` closes every watch and
 * then kills the sandbox and releases the client (`lifecycle.disposeAction: 'kill'`, default) or
 * only releases the client (`'close'`).
 *
 * @example
 * ```ts
 * const sandbox = new OpenSandbox({ kind: 'opensandbox', endpoint: 'http://127.0.0.1:8080' });
 * await sandbox.init();
 * const { code, stdout } = await sandbox.exec('echo hello');
 * await sandbox.dispose();
 * ```
 */
export class OpenSandbox implements Sandbox {
  /** Always `'opensandbox'`. */
  readonly kind = BACKEND;
  /** Absolute working directory in the sandbox (default `/workspace`). */
  readonly workDir: string;
  /** See {@link OPEN_SANDBOX_CAPABILITIES}. */
  readonly capabilities: SandboxCapabilities = OPEN_SANDBOX_CAPABILITIES;
  /** Files, on execd's files API. */
  readonly fs: OpenSandboxFs;
  /** Background processes, on execd background commands. */
  readonly processes: OpenSandboxProcesses;

  private readonly options: ResolvedOpenSandboxOptions;
  private readonly lifecycle = new SandboxLifecycle(BACKEND);
  private readonly registry: WatchRegistry;
  private readonly ctx: OpenSandboxContext;
  private sdk: SdkSandbox | undefined;
  private sandboxId: string | undefined;

  /**
   * Validates every option up front (no I/O). Environment fallbacks: `OPEN_SANDBOX_API_KEY`,
   * `OPEN_SANDBOX_ENDPOINT`, `OPEN_SANDBOX_IMAGE`.
   * @throws InvalidArgumentError naming the offending option
   */
  constructor(options: OpenSandboxOptions) {
    this.options = resolveOptions(options);
    this.workDir = this.options.workDir;
    this.sandboxId = this.options.sandboxId;
    this.ctx = {
      workDir: this.workDir,
      client: () => this.getClient(),
      toError: (error, where) => this.toError(error, where),
    };
    this.fs = new OpenSandboxFs(this.ctx);
    this.processes = new OpenSandboxProcesses(this.ctx);
    this.registry = new WatchRegistry({ backend: BACKEND, port: new OpenSandboxWatchPort(this.ctx), config: this.options.watch });
  }

  /**
   * Creates the sandbox (or connects to `sandboxId`), waits for its exec daemon (unless
   * `skipHealthCheck`) and creates `workDir`. Idempotent; concurrent calls share one attempt. If
   * `workDir` cannot be created, a sandbox created by this call is killed and the error thrown.
   * @throws SandboxNotFoundError for an unknown `sandboxId`
   * @throws ImagePullFailedError, SandboxStartFailedError, AuthenticationFailedError, ConnectionFailedError, ReadyTimeoutError, RequestTimeoutError, BackendError
   * @throws DisposedError after `dispose()`
   */
  init(): Promise<void> {
    return this.lifecycle.init(() => this.start());
  }

  /**
   * The sandbox id (pass it as `sandboxId` to restore). Still answers after `dispose()`.
   * @throws NotInitializedError before `init()` resolved
   */
  getSandboxId(): string {
    if (this.sdk !== undefined && this.sandboxId !== undefined) return this.sandboxId;
    if ((this.lifecycle.state === 'disposing' || this.lifecycle.state === 'disposed') && this.sandboxId !== undefined) return this.sandboxId;
    throw new NotInitializedError('The opensandbox sandbox is not initialised, so it has no id yet.', {
      backend: BACKEND,
      hint: 'Call `await sandbox.init()` first, or create it with `SandboxFactory.createAsync(config)`.',
    });
  }

  /**
   * Runs `command` with `bash -c` in the sandbox using ONE streaming request; the exit code comes
   * from the stream's final event. `timeoutMs` (default `execTimeoutMs`, 120 s) is enforced by the
   * server and, as a fallback, by the client (interrupting the command by id): the result then has
   * `code: 124, timedOut: true`. Aborting `signal` interrupts the command in the sandbox and
   * rejects with `signal.reason`. Output is line-based: each line ends in `\n`.
   * @throws InvalidArgumentError for bad options @throws NotInitializedError @throws ConnectionFailedError and other transport errors (never a fake exit code)
   */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (typeof command !== 'string' || command.trim() === '') {
      throw new InvalidArgumentError('exec command must be a non-empty string.', { backend: BACKEND });
    }
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('exec options must be an object.', { backend: BACKEND });
    const cwd = options.cwd === undefined ? this.workDir : resolveSandboxPath(this.workDir, options.cwd);
    const env = validateEnv(options.env, 'exec env');
    const timeoutMs = options.timeoutMs ?? this.options.execTimeoutMs;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new InvalidArgumentError(`exec timeoutMs must be a non-negative number of milliseconds, got ${String(timeoutMs)}.`, { backend: BACKEND });
    }
    const maxOutputBytes = options.maxOutputBytes;
    if (maxOutputBytes !== undefined && (!Number.isInteger(maxOutputBytes) || maxOutputBytes < 0)) {
      throw new InvalidArgumentError(`exec maxOutputBytes must be a non-negative integer, got ${String(maxOutputBytes)}.`, { backend: BACKEND });
    }
    const sdk = this.getClient();
    const { signal } = options;
    if (signal?.aborted) throw signal.reason;

    const stdout = new OutputBuffer(maxOutputBytes);
    const stderr = new OutputBuffer(maxOutputBytes);
    const result = await runCommandStream({
      sdk,
      command,
      options: {
        workingDirectory: cwd,
        ...(env ? { envs: env } : {}),
        ...(timeoutMs > 0 ? { timeoutSeconds: timeoutMs / 1000 } : {}),
      },
      signal,
      deadlineMs: timeoutMs > 0 ? timeoutMs + CLIENT_TIMEOUT_GRACE_MS : undefined,
      onLine: (stream, line) => {
        const chunk = `${line}\n`;
        (stream === 'stdout' ? stdout : stderr).append(chunk);
        const callback = stream === 'stdout' ? options.onStdout : options.onStderr;
        try {
          callback?.(chunk);
        } catch {
          // A throwing output callback must not break the command's bookkeeping.
        }
      },
    });

    const finish = (code: number, timedOut: boolean): ExecResult => ({
      code,
      stdout: stdout.text(),
      stderr: stderr.text(),
      timedOut,
      truncated: stdout.truncated || stderr.truncated,
      durationMs: result.durationMs,
    });
    const { end } = result;
    switch (end.kind) {
      case 'complete':
        return finish(0, false);
      case 'error': {
        const code = exitCodeOf({ value: end.value, detail: end.detail });
        if (code === undefined) throw this.startFailure(end.value, cwd);
        const pastDeadline = timeoutMs > 0 && result.durationMs >= timeoutMs;
        return pastDeadline && code !== 0 ? finish(TIMEOUT_EXIT_CODE, true) : finish(code, false);
      }
      case 'deadline':
        return finish(TIMEOUT_EXIT_CODE, true);
      case 'aborted':
        throw signal?.reason;
      case 'failed':
        throw this.toError(end.error, { operation: 'exec', cwd });
      case 'cut':
        throw new BackendError(
          `OpenSandbox: exec failed: the command stream ended before the command finished${result.id ? ` (command ${result.id})` : ''}.`,
          { backend: BACKEND, retryable: true, hint: 'The connection to the sandbox was cut; the command may or may not have run.' },
        );
    }
  }

  /**
   * Watches files and directories (absolute or relative to `workDir`) through `@kode/watch`;
   * resolves once the watch is live. Polling (default) costs one request per tick for all
   * watches together; native uses `inotifywait` in the sandbox and falls back to polling.
   * With `watch.mode: 'off'` nothing is registered and the id is inert.
   * @throws InvalidArgumentError @throws NotInitializedError
   */
  async watchFiles(paths: string[], listener: WatchListener, options?: WatchFilesOptions): Promise<string> {
    if (!Array.isArray(paths) || paths.length === 0) throw new InvalidArgumentError('watchFiles paths must be a non-empty array.', { backend: BACKEND });
    const resolved = paths.map((p) => resolveSandboxPath(this.workDir, p));
    this.getClient();
    return this.registry.watch({ paths: resolved, listener, ...(options ? { options } : {}) });
  }

  /** Stops a watch; once it resolves the listener gets nothing more. Idempotent. */
  async unwatchFiles(id: string): Promise<void> {
    await this.registry.unwatch(id);
  }

  /**
   * Closes every watch, then kills the sandbox and releases the client (`disposeAction: 'kill'`)
   * or only releases the client (`'close'`: the sandbox keeps running until its lifetime ends).
   * Idempotent. A sandbox that is already gone counts as killed.
   * @throws the mapped error of a failed kill (the client is released anyway)
   */
  dispose(): Promise<void> {
    return this.lifecycle.dispose(async () => {
      await this.registry.closeAll();
      const sdk = this.sdk;
      if (sdk === undefined) return;
      let failure: SandboxError | undefined;
      if (this.options.disposeAction === 'kill') {
        try {
          await sdk.kill();
        } catch (error) {
          const mapped = this.toError(error, { operation: `kill sandbox ${sdk.id}` });
          if (mapped.code !== 'SANDBOX_NOT_FOUND') failure = mapped;
        }
      }
      try {
        await sdk.close();
      } catch (error) {
        failure ??= this.toError(error, { operation: 'close the client' });
      }
      if (failure) throw failure;
    });
  }

  /** Same as {@link OpenSandbox.dispose}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  /**
   * A JSON-safe config that restores this sandbox: the options with the resolved `endpoint` and
   * `sandboxId`. `apiKey` and `env` (which often carries secrets) are left out unless
   * `{ includeSecrets: true }`.
   */
  toConfig(options: ToConfigOptions = {}): OpenSandboxConfig {
    const o = this.options;
    const config: Record<string, unknown> = {
      kind: BACKEND,
      endpoint: o.endpoint,
      ...(this.sandboxId !== undefined ? { sandboxId: this.sandboxId } : {}),
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
      lifecycle: { disposeAction: o.disposeAction },
    };
    if (options.includeSecrets === true) {
      if (o.apiKey !== undefined) config.apiKey = o.apiKey;
      if (o.env !== undefined) config.env = { ...o.env };
    }
    return config as OpenSandboxConfig;
  }

  /**
   * The connected `@alibaba-group/opensandbox` sandbox, for what this class does not wrap (renew,
   * pause, metrics, endpoints). Owned by this instance: do not `kill()` or `close()` it yourself.
   * @throws NotInitializedError before `init()` @throws DisposedError after `dispose()`
   */
  getClient(): SdkSandbox {
    this.lifecycle.assertReady();
    const sdk = this.sdk;
    if (sdk === undefined) throw new NotInitializedError('The opensandbox sandbox is not initialised.', { backend: BACKEND });
    return sdk;
  }

  private async start(): Promise<void> {
    const o = this.options;
    const connectionConfig = new ConnectionConfig({
      domain: o.endpoint,
      protocol: o.protocol,
      apiKey: o.apiKey ?? '',
      useServerProxy: o.useServerProxy,
      ...(o.requestTimeoutSeconds !== undefined ? { requestTimeoutSeconds: o.requestTimeoutSeconds } : {}),
    });
    const health = {
      ...(o.skipHealthCheck !== undefined ? { skipHealthCheck: o.skipHealthCheck } : {}),
      ...(o.readyTimeoutSeconds !== undefined ? { readyTimeoutSeconds: o.readyTimeoutSeconds } : {}),
      ...(o.healthCheckPollingInterval !== undefined ? { healthCheckPollingInterval: o.healthCheckPollingInterval } : {}),
    };
    let sdk: SdkSandbox;
    const created = o.sandboxId === undefined;
    try {
      sdk =
        o.sandboxId !== undefined
          ? await SdkSandbox.connect({ sandboxId: o.sandboxId, connectionConfig, ...health })
          : await SdkSandbox.create({
              connectionConfig,
              image: o.image,
              timeoutSeconds: Math.ceil(o.timeoutMs / 1000),
              ...(o.env !== undefined ? { env: o.env } : {}),
              ...(o.metadata !== undefined ? { metadata: o.metadata } : {}),
              ...(o.resource !== undefined ? { resource: o.resource } : {}),
              ...(o.networkPolicy !== undefined ? { networkPolicy: o.networkPolicy } : {}),
              ...health,
            });
    } catch (error) {
      throw this.toError(error, o.sandboxId !== undefined ? { operation: `connect to sandbox ${o.sandboxId}` } : { operation: `create a sandbox from image ${o.image}` });
    }
    try {
      await this.makeWorkDir(sdk);
    } catch (error) {
      if (created) await sdk.kill().catch(() => undefined);
      await sdk.close().catch(() => undefined);
      throw error;
    }
    this.sdk = sdk;
    this.sandboxId = sdk.id;
  }

  /** `mkdir -p` of workDir with one exec (no chmod/chown of an existing directory). */
  private async makeWorkDir(sdk: SdkSandbox): Promise<void> {
    const stderr: string[] = [];
    const result = await runCommandStream({
      sdk,
      command: `mkdir -p -- '${this.workDir.replaceAll("'", `'\\''`)}'`,
      options: { workingDirectory: '/', timeoutSeconds: 60 },
      deadlineMs: 60_000 + CLIENT_TIMEOUT_GRACE_MS,
      onLine: (stream, line) => {
        if (stream === 'stderr') stderr.push(line);
      },
    });
    if (result.end.kind === 'complete') return;
    if (result.end.kind === 'failed') throw this.toError(result.end.error, { operation: `create workDir ${this.workDir}` });
    const detail = stderr.join('\n') || (result.end.kind === 'error' ? `exit ${result.end.value}` : result.end.kind);
    throw new BackendError(`OpenSandbox: could not create workDir ${this.workDir}: ${detail}`, {
      backend: BACKEND,
      hint: 'Choose a `workDir` the sandbox user may create (the default is /workspace).',
    });
  }

  private startFailure(detail: string, cwd: string): SandboxError {
    if (/no such file or directory|chdir/i.test(detail)) {
      return new FileNotFoundError(`OpenSandbox: exec failed: working directory ${cwd} does not exist (${detail}).`, { backend: BACKEND, path: cwd });
    }
    return new BackendError(`OpenSandbox: exec failed: the command could not be started: ${detail}`, { backend: BACKEND });
  }

  private toError(error: unknown, where: { operation: string; path?: string; cwd?: string }): SandboxError {
    return mapOpenSandboxError(error, {
      ...where,
      secrets: [this.options.apiKey],
      endpoint: this.options.endpoint,
      useServerProxy: this.options.useServerProxy,
      ...(this.sandboxId !== undefined ? { sandboxId: this.sandboxId } : {}),
    });
  }
}
