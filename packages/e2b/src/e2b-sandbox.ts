import { Sandbox as E2BClient, type ConnectionOpts } from 'e2b';
import {
  assertTimeMs,
  type InitOptions,
  type InitPhase,
  assertCapability,
  AuthenticationFailedError,
  InvalidArgumentError,
  type ExecSession,
  type SandboxEndpoint,
  type SandboxEndpoints,
  type SandboxSessions,
  resolveSandboxPath,
  SandboxLifecycle,
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
import { E2B_CAPABILITIES } from './capabilities';
import type { E2BContext } from './e2b-context';
import { execOnE2B } from './e2b-exec';
import { E2BFs } from './e2b-fs';
import { E2BProcesses } from './e2b-processes';
import { createE2BNativeWatch, createE2BWatchPort } from './e2b-watch';
import { mapE2BError, type E2BErrorContext } from './map-error';
import { resolveE2BOptions, type E2BSandboxConfig, type ResolvedE2BOptions } from './options';

/**
 * A sandbox on E2B (managed cloud microVMs), driven through the stock `e2b` client.
 *
 * `new E2BSandbox(config)` validates the config and does no I/O; `init()` creates the sandbox from
 * `template` (or restores `sandboxId` with `Sandbox.connect`) and creates `workDir`. Commands run
 * through envd (`commands.run`), files through `files.*`, native watch through `files.watchDir`.
 * `dispose()` closes every watch, then kills the sandbox (`lifecycle.disposeAction: 'kill'`,
 * default) or only releases the client (`'close'`).
 */
export class E2BSandbox implements Sandbox {
  /** Always `'e2b'`. */
  readonly kind = 'e2b' as const;
  /** Absolute working directory (default `/home/user`). */
  readonly workDir: string;
  /** What this backend supports (frozen). */
  readonly capabilities: SandboxCapabilities = E2B_CAPABILITIES;
  /** Files. */
  readonly fs: E2BFs;
  /** Background processes (ids are envd pids, valid across reconnects). */
  readonly processes: E2BProcesses;
  /** Shell sessions: declared absent (`exec.sessions: false`); `create` raises `UnsupportedCapabilityError`. */
  readonly sessions: SandboxSessions = {
    create: (): Promise<ExecSession> => this.#unsupported('exec.sessions'),
  };
  /** Endpoints: declared absent (`endpoints.get: false`); `get` raises `UnsupportedCapabilityError`. */
  readonly endpoints: SandboxEndpoints = {
    get: (): Promise<SandboxEndpoint> => this.#unsupported('endpoints.get'),
  };

  private readonly options: ResolvedE2BOptions;
  private readonly lifecycle = new SandboxLifecycle('e2b');
  private readonly registry: WatchRegistry;
  private readonly context: E2BContext;
  private e2b: E2BClient | undefined;
  private timeoutMs: number;

  /** @throws InvalidArgumentError for a bad option (named in the message) */
  constructor(config: E2BSandboxConfig) {
    this.options = resolveE2BOptions(config);
    this.workDir = this.options.workDir;
    this.timeoutMs = this.options.timeoutMs;
    this.context = {
      workDir: this.workDir,
      client: () => this.client(),
      fail: (error, context) => this.fail(error, context),
    };
    this.fs = new E2BFs(this.context);
    this.processes = new E2BProcesses(this.context);
    this.registry = new WatchRegistry({
      backend: 'e2b',
      port: createE2BWatchPort(this.context),
      native: createE2BNativeWatch(this.context),
      ...(this.options.watch === undefined ? {} : { config: this.options.watch }),
    });
  }

  private client(): E2BClient {
    this.lifecycle.assertReady();
    return this.e2b!;
  }

  private fail(error: unknown, context: Omit<E2BErrorContext, 'secrets' | 'sandboxId'>): SandboxError {
    const sandboxId = this.e2b?.sandboxId ?? this.options.sandboxId;
    return mapE2BError(error, { ...context, secrets: [this.options.apiKey], ...(sandboxId === undefined ? {} : { sandboxId }) });
  }

  private connectionOpts(): ConnectionOpts & { sandboxUrl?: string } {
    const o = this.options;
    return {
      ...(o.apiKey === undefined ? {} : { apiKey: o.apiKey }),
      ...(o.domain === undefined ? {} : { domain: o.domain }),
      ...(o.apiUrl === undefined ? {} : { apiUrl: o.apiUrl }),
      ...(o.sandboxUrl === undefined ? {} : { sandboxUrl: o.sandboxUrl }),
      ...(o.debug === undefined ? {} : { debug: o.debug }),
      ...(o.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: o.requestTimeoutMs }),
    };
  }

  /**
   * Creates the sandbox (or restores `sandboxId`, extending its lifetime to `timeoutMs` from now
   * when that is later) and creates `workDir`. Idempotent; concurrent calls share one attempt.
   * @throws AuthenticationFailedError without an API key; SandboxNotFoundError for an unknown
   * `sandboxId`; ImagePullFailedError for an unknown template; other mapped `SandboxError`s
   */
  init(options: InitOptions = {}): Promise<void> {
    const started = Date.now();
    const report = (phase: InitPhase): void => {
      try {
        options.onProgress?.({ phase, elapsedMs: Date.now() - started });
      } catch {
        // A throwing progress callback must not break init.
      }
    };
    return this.lifecycle.init(async () => {
      const o = this.options;
      report(o.sandboxId === undefined ? 'creating' : 'connecting');
      const debug = o.debug ?? (process.env.E2B_DEBUG ?? '').toLowerCase() === 'true';
      if (!o.apiKey && !debug) {
        throw new AuthenticationFailedError('No E2B API key: pass `apiKey` or set E2B_API_KEY.', {
          backend: 'e2b',
          hint: 'Get a key at https://e2b.dev/dashboard?tab=keys, then pass { apiKey } or export E2B_API_KEY.',
        });
      }
      let created = false;
      try {
        if (o.sandboxId !== undefined) {
          this.e2b = await E2BClient.connect(o.sandboxId, { ...this.connectionOpts(), timeoutMs: o.timeoutMs });
        } else {
          this.e2b = await E2BClient.create(o.template, {
            ...this.connectionOpts(),
            timeoutMs: o.timeoutMs,
            ...(o.envs === undefined ? {} : { envs: o.envs }),
            ...(o.metadata === undefined ? {} : { metadata: o.metadata }),
          });
          created = true;
        }
      } catch (error) {
        throw this.fail(error, o.sandboxId === undefined ? { operation: `create sandbox from template '${o.template}'`, template: o.template } : { operation: `connect to sandbox ${o.sandboxId}` });
      }
      report('preparing');
      try {
        await this.e2b.files.makeDir(this.workDir);
      } catch (error) {
        const mapped = this.fail(error, { operation: `create workDir ${this.workDir}`, path: this.workDir });
        if (created) await this.e2b.kill().catch(() => false);
        this.e2b = undefined;
        throw mapped;
      }
      report('ready');
    });
  }

  /**
   * Extends the sandbox's lifetime to `timeoutMs` from now (default: the configured `timeoutMs`)
   * through E2B's timeout API.
   * @throws InvalidArgumentError for a bad `timeoutMs`; NotInitializedError; DisposedError; mapped E2B errors
   */
  async renew(timeoutMs?: number): Promise<void> {
    assertTimeMs(timeoutMs, { name: 'renew timeoutMs', min: 1_000, backend: 'e2b' });
    const client = this.getClient();
    try {
      await client.setTimeout(timeoutMs ?? this.options.timeoutMs);
    } catch (error) {
      throw this.fail(error, { operation: 'renew the sandbox' });
    }
  }

  /** Declared absent (`lifecycle.pause: false`). @throws UnsupportedCapabilityError */
  pause(): Promise<void> {
    return this.#unsupported('lifecycle.pause');
  }

  /** Declared absent (`lifecycle.pause: false`). @throws UnsupportedCapabilityError */
  resume(): Promise<void> {
    return this.#unsupported('lifecycle.pause');
  }

  async #unsupported(path: 'exec.sessions' | 'endpoints.get' | 'lifecycle.pause'): Promise<never> {
    await Promise.resolve();
    assertCapability(this.capabilities, path, 'e2b');
    throw new InvalidArgumentError(`The e2b backend declares ${path}.`, { backend: 'e2b' });
  }

  /**
   * The underlying `e2b` `Sandbox`, for what this package does not wrap (pty, metrics, pause,
   * signed URLs). Do not `kill()` it yourself: `dispose()` owns that. @throws NotInitializedError before `init()`
   */
  getClient(): E2BClient {
    return this.client();
  }

  /** The E2B sandbox id (pass it as `sandboxId` to restore). @throws NotInitializedError before `init()` */
  getSandboxId(): string {
    return this.client().sandboxId;
  }

  /**
   * The host name under which a port of the sandbox is reachable (`<port>-<id>.<domain>`).
   * @throws NotInitializedError before `init()`
   */
  getHost(port: number): string {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new InvalidArgumentError(`port must be an integer 1–65535, got ${String(port)}.`, { backend: 'e2b' });
    return this.client().getHost(port);
  }

  /**
   * Sets the sandbox lifetime to `timeoutMs` from now (E2B `setTimeout`; whole seconds, rounded up).
   * `toConfig()` carries the new value. @throws InvalidArgumentError for a value outside 1 000 – 86 400 000
   */
  async setTimeout(timeoutMs: number): Promise<void> {
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1000 || timeoutMs > 86_400_000) {
      throw new InvalidArgumentError(`setTimeout needs an integer between 1000 and 86400000 ms, got ${String(timeoutMs)}.`, { backend: 'e2b' });
    }
    const client = this.client();
    try {
      await client.setTimeout(timeoutMs);
    } catch (error) {
      throw this.fail(error, { operation: 'set sandbox timeout' });
    }
    this.timeoutMs = timeoutMs;
  }

  /** Runs `command` with bash in `workDir`; non-zero exits are data; timeouts give code 124. */
  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return execOnE2B(this.context, { command, options, defaultTimeoutMs: this.options.execTimeoutMs });
  }

  /** Watches paths; resolves once live. Relative paths resolve against `workDir`. */
  watchFiles(paths: string[], listener: WatchListener, options?: WatchFilesOptions): Promise<string> {
    try {
      this.lifecycle.assertReady();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (!Array.isArray(paths) || paths.length === 0) return Promise.reject(new InvalidArgumentError('watchFiles needs a non-empty array of paths.', { backend: 'e2b' }));
    if (typeof listener !== 'function') return Promise.reject(new InvalidArgumentError('watchFiles needs a listener function.', { backend: 'e2b' }));
    const absolute = paths.map((p) => resolveSandboxPath(this.workDir, p));
    return this.registry.watch({ paths: absolute, listener, ...(options === undefined ? {} : { options }) });
  }

  /** Stops a watch. Idempotent. */
  unwatchFiles(id: string): Promise<void> {
    return this.registry.unwatch(id);
  }

  /**
   * Closes every watch, stops following background processes, then kills the sandbox
   * (`disposeAction: 'kill'`, a sandbox already gone is fine) or leaves it running (`'close'`).
   * Idempotent.
   */
  dispose(): Promise<void> {
    return this.lifecycle.dispose(async () => {
      await this.registry.closeAll();
      await this.processes.release();
      const client = this.e2b;
      this.e2b = undefined;
      if (!client || this.options.disposeAction !== 'kill') return;
      try {
        await client.kill();
      } catch (error) {
        const mapped = this.fail(error, { operation: 'kill sandbox' });
        if (mapped.code !== 'SANDBOX_NOT_FOUND') throw mapped;
      }
    });
  }

  /** `dispose()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  /**
   * A JSON-safe config restoring this sandbox (with `sandboxId` once initialised). `apiKey` and
   * `envs` (which often hold secrets) are included only with `includeSecrets: true`.
   */
  toConfig(options: ToConfigOptions = {}): E2BSandboxConfig & Record<string, unknown> {
    const o = this.options;
    const sandboxId = this.e2b?.sandboxId ?? o.sandboxId;
    const config: E2BSandboxConfig & Record<string, unknown> = {
      kind: 'e2b',
      ...(sandboxId === undefined ? {} : { sandboxId }),
      template: o.template,
      workDir: this.workDir,
      timeoutMs: this.timeoutMs,
      execTimeoutMs: o.execTimeoutMs,
      lifecycle: { disposeAction: o.disposeAction },
      ...(o.watch === undefined ? {} : { watch: { ...o.watch } }),
      ...(o.metadata === undefined ? {} : { metadata: { ...o.metadata } }),
      ...(o.domain === undefined ? {} : { domain: o.domain }),
      ...(o.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: o.requestTimeoutMs }),
      ...(o.apiUrl === undefined ? {} : { apiUrl: o.apiUrl }),
      ...(o.sandboxUrl === undefined ? {} : { sandboxUrl: o.sandboxUrl }),
      ...(o.debug === undefined ? {} : { debug: o.debug }),
    };
    if (options.includeSecrets) {
      if (o.apiKey !== undefined) config.apiKey = o.apiKey;
      if (o.envs !== undefined) config.envs = { ...o.envs };
    }
    return config;
  }
}
