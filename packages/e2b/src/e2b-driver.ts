import { Sandbox as E2BClient, type ConnectionOpts } from 'e2b';
import {
  AuthenticationFailedError,
  BackendError,
  hasErrorCode,
  InvalidArgumentError,
  SandboxNotFoundError,
  type SandboxCapabilities,
  type SandboxError,
  type WatchConfig,
} from '@kode/core';
import {
  withRetry,
  type DriverEndpoint,
  type DriverExecRequest,
  type DriverExecResult,
  type DriverLifetime,
  type DriverStartContext,
  type SandboxDriverV1,
} from '@kode/driver';
import type { NativeWatchFactory, WatchPort } from '@kode/watch';
import { E2B_CAPABILITIES, E2B_DEBUG_CAPABILITIES } from './capabilities';
import type { E2BContext } from './e2b-context';
import { e2bEndpoint } from './e2b-endpoint';
import { execOnE2B } from './e2b-exec';
import { E2BDriverFs } from './e2b-fs';
import { E2BDriverProcesses } from './e2b-processes';
import { E2BDriverSessions } from './e2b-sessions';
import { createE2BNativeWatch, createE2BWatchPort } from './e2b-watch';
import { E2B_HINTS, isE2BUnavailable, mapE2BError, type E2BErrorContext } from './map-error';
import { creatorMetadata, toE2BConfig, type E2BSandboxConfig, type ResolvedE2BOptions } from './options';

/**
 * The E2B backend as a `SandboxDriverV1`: I/O through the stock `e2b` client and error mapping,
 * nothing else. `E2BSandbox` (the front, `DriverSandbox`) owns every rule of the contract. Internal
 * to `@kode/e2b`; one driver per sandbox.
 */
export class E2BDriver implements SandboxDriverV1 {
  /** Driver interface version. */
  readonly specificationVersion = 'v1' as const;
  /** Always `'e2b'`. */
  readonly kind = 'e2b' as const;
  /** {@link E2B_CAPABILITIES}; in debug mode {@link E2B_DEBUG_CAPABILITIES} (no pause). */
  readonly capabilities: SandboxCapabilities;
  /** Absolute working directory (default `/home/user`). */
  readonly workDir: string;
  /** Default per-command timeout in ms. */
  readonly execTimeoutMs: number;
  /** The `watch` option. */
  readonly watch: WatchConfig;
  /**
   * The API key, every `envs` value and (once connected) the traffic access token: redacted from
   * errors and never printed.
   */
  readonly secrets: ReadonlyArray<string | undefined>;
  /** The E2B lifetime (`timeoutMs`) that activity renews (`lifecycle.autoRenew`). */
  readonly lifetime: DriverLifetime;
  /** Files. */
  readonly fs: E2BDriverFs;
  /** Background processes (ids are envd pids, valid across reconnects). */
  readonly processes: E2BDriverProcesses;
  /** Shell sessions: a state directory in the sandbox + one envd command per exec. */
  readonly sessions: E2BDriverSessions;
  /** Polling snapshots: one `find` per tick. */
  readonly watchPort: WatchPort;
  /** Native watch through envd's `WatchDir` stream. */
  readonly nativeWatch: NativeWatchFactory;

  readonly #options: ResolvedE2BOptions;
  readonly #context: E2BContext;
  /** {@link secrets}, growing by the traffic access token once known (the front holds this array). */
  readonly #secrets: Array<string | undefined>;
  #client: E2BClient | undefined;
  #sandboxId: string | undefined;
  #timeoutMs: number;

  /** @param options validated options (`resolveE2BOptions`) */
  constructor(options: ResolvedE2BOptions) {
    this.#options = options;
    this.capabilities = this.#debug() ? E2B_DEBUG_CAPABILITIES : E2B_CAPABILITIES;
    this.workDir = options.workDir;
    this.execTimeoutMs = options.execTimeoutMs;
    this.watch = options.watch ?? {};
    this.#secrets = [options.apiKey, ...Object.values(options.envs ?? {})];
    this.secrets = this.#secrets;
    this.lifetime = { timeoutMs: options.timeoutMs, autoRenew: options.autoRenew };
    this.#timeoutMs = options.timeoutMs;
    const context: E2BContext = {
      workDir: options.workDir,
      client: () => this.client(),
      fail: (error, where) => this.fail(error, where),
      failIdempotent: (error, where) => this.#failIdempotent(error, where),
    };
    this.#context = context;
    this.fs = new E2BDriverFs(context);
    this.processes = new E2BDriverProcesses(context);
    this.sessions = new E2BDriverSessions(context);
    this.watchPort = createE2BWatchPort(context);
    this.nativeWatch = createE2BNativeWatch(context);
  }

  /** The connected client. @throws BackendError when the driver is not started (the front prevents that) */
  client(): E2BClient {
    if (this.#client === undefined) throw new BackendError('The E2B driver is not started.', { backend: 'e2b', retryable: false });
    return this.#client;
  }

  /** Maps an `e2b` failure (secrets redacted, sandbox id attached). Never throws. */
  fail(error: unknown, where: Omit<E2BErrorContext, 'secrets' | 'sandboxId'>): SandboxError {
    const sandboxId = this.#sandboxId ?? this.#options.sandboxId;
    return mapE2BError(error, { ...where, secrets: this.secrets, ...(sandboxId === undefined ? {} : { sandboxId }) });
  }

  async #failIdempotent(error: unknown, where: Omit<E2BErrorContext, 'secrets' | 'sandboxId'>): Promise<SandboxError> {
    const mapped = this.fail(error, where);
    if (!isE2BUnavailable(mapped) || this.#client === undefined) return mapped;
    let state: 'running' | 'paused' | 'gone';
    try {
      state = await this.#remoteState();
    } catch {
      return mapped; // cannot tell: not retried, the front decides
    }
    if (state === 'paused') {
      // Paused by another client (this instance refuses calls while it paused it itself): E2B's
      // proxy answers as for a missing sandbox; retrying will not help, resuming will.
      return new InvalidArgumentError(`E2B ${where.operation} failed: the sandbox ${this.#sandboxId ?? ''} is paused.`, {
        backend: 'e2b',
        hint: 'Another client paused it. Restore it by `sandboxId` (e.g. `SandboxFactory.createAsync(sandbox.toConfig())`): connecting resumes it.',
        ...(this.#sandboxId === undefined ? {} : { sandboxId: this.#sandboxId }),
        cause: mapped,
      });
    }
    if (state === 'gone') {
      return new SandboxNotFoundError(`E2B ${where.operation} failed: the sandbox ${this.#sandboxId ?? ''} no longer exists.`, {
        backend: 'e2b',
        retryable: false,
        hint: E2B_HINTS.sandboxGone,
        ...(this.#sandboxId === undefined ? {} : { sandboxId: this.#sandboxId }),
        cause: mapped,
      });
    }
    return this.fail(error, { ...where, sandboxExists: true });
  }

  #connectionOpts(): ConnectionOpts & { sandboxUrl?: string } {
    const o = this.#options;
    return {
      ...(o.apiKey === undefined ? {} : { apiKey: o.apiKey }),
      ...(o.domain === undefined ? {} : { domain: o.domain }),
      ...(o.apiUrl === undefined ? {} : { apiUrl: o.apiUrl }),
      ...(o.sandboxUrl === undefined ? {} : { sandboxUrl: o.sandboxUrl }),
      ...(o.debug === undefined ? {} : { debug: o.debug }),
      ...(o.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: o.requestTimeoutMs }),
    };
  }

  #debug(): boolean {
    return this.#options.debug ?? (process.env.E2B_DEBUG ?? '').toLowerCase() === 'true';
  }

  /**
   * Creates the sandbox from `template` (or restores `sandboxId` with `Sandbox.connect`, extending
   * its lifetime to `timeoutMs` from now when that is later), then creates `workDir`; a sandbox it
   * created is killed again when that fails. Never retried (a create is not idempotent).
   * @throws AuthenticationFailedError without an API key (before any request); SandboxNotFoundError
   * for an unknown `sandboxId`; ImagePullFailedError for an unknown template; other mapped errors
   */
  async start(context: DriverStartContext): Promise<{ sandboxId: string }> {
    const o = this.#options;
    context.progress(o.sandboxId === undefined ? 'creating' : 'connecting');
    if (!o.apiKey && !this.#debug()) {
      throw new AuthenticationFailedError('No E2B API key: pass `apiKey` or set E2B_API_KEY.', {
        backend: 'e2b',
        hint: 'Get a key at https://e2b.dev/dashboard?tab=keys, then pass { apiKey } or export E2B_API_KEY.',
      });
    }
    let client: E2BClient;
    let created = false;
    try {
      if (o.sandboxId !== undefined) {
        client = await E2BClient.connect(o.sandboxId, { ...this.#connectionOpts(), timeoutMs: o.timeoutMs });
      } else {
        client = await E2BClient.create(o.template, {
          ...this.#connectionOpts(),
          timeoutMs: o.timeoutMs,
          ...(o.envs === undefined ? {} : { envs: o.envs }),
          metadata: { ...creatorMetadata(), ...o.metadata },
        });
        created = true;
      }
    } catch (error) {
      throw this.fail(
        error,
        o.sandboxId === undefined ? { operation: `create sandbox from template '${o.template}'`, template: o.template } : { operation: `connect to sandbox ${o.sandboxId}` },
      );
    }
    this.#sandboxId = client.sandboxId;
    if (client.trafficAccessToken) this.#secrets.push(client.trafficAccessToken);
    context.progress('preparing');
    try {
      await client.files.makeDir(this.workDir);
    } catch (error) {
      const mapped = this.fail(error, { operation: `create workDir ${this.workDir}`, path: this.workDir });
      if (created) await client.kill().catch(() => false);
      throw mapped;
    }
    this.#client = client;
    return { sandboxId: client.sandboxId };
  }

  /**
   * Stops following background processes, then kills the sandbox (`disposeAction: 'kill'`; the
   * delete is retried with the `retry` policy; a sandbox already gone counts as killed) or leaves
   * it running (`'close'`). When the kill fails the client is kept, so the next call sends it again.
   */
  async stop(): Promise<void> {
    const client = this.#client;
    if (client === undefined) return;
    await this.processes.release();
    if (this.#options.disposeAction === 'kill') {
      try {
        await withRetry(
          async () => {
            try {
              await client.kill();
            } catch (error) {
              throw this.fail(error, { operation: `kill sandbox ${client.sandboxId}` });
            }
          },
          { policy: this.#options.retry },
        );
      } catch (error) {
        if (!hasErrorCode(error, 'SANDBOX_NOT_FOUND')) throw error;
      }
    }
    this.#client = undefined;
  }

  /** Runs one command through envd (see `execOnE2B`). Never retried. */
  exec(request: DriverExecRequest): Promise<DriverExecResult> {
    return execOnE2B(this.#context, request);
  }

  /**
   * Where `port` is reached (see `e2bEndpoint`): E2B's host `https://<port>-<id>.<domain>`, or
   * `sandboxUrl` with the routing headers `E2b-Sandbox-Id` / `E2b-Sandbox-Port`, or
   * `http://localhost:<port>` in debug mode; plus `e2b-traffic-access-token` when the sandbox has
   * one. No I/O.
   */
  endpoint(port: number): Promise<DriverEndpoint> {
    const client = this.client();
    return Promise.resolve(
      e2bEndpoint({
        port,
        sandboxId: client.sandboxId,
        host: client.getHost(port),
        sandboxUrl: this.#options.sandboxUrl ?? (process.env.E2B_SANDBOX_URL || undefined),
        debug: this.#debug(),
        trafficAccessToken: client.trafficAccessToken,
      }),
    );
  }

  /**
   * Pauses the sandbox (`POST /sandboxes/{id}/pause`; a sandbox already paused counts as paused).
   * E2B snapshots the VM, memory included, and drops every connection to it, so the driver first
   * stops following background processes (`wait` reattaches through envd after `resume`).
   * Not declared in debug mode (no control plane).
   * @throws SandboxNotFoundError; mapped errors
   */
  async pause(): Promise<void> {
    const client = this.client();
    await this.processes.release();
    try {
      await client.pause();
    } catch (error) {
      throw this.fail(error, { operation: `pause sandbox ${client.sandboxId}` });
    }
  }

  /**
   * Resumes a paused sandbox: `POST /v2/sandboxes/{id}/connect` (what `Sandbox.connect` does)
   * with the current lifetime (`timeoutMs`), which E2B starts afresh, since a paused sandbox does
   * not age. Files, processes and memory are as they were.
   * @throws SandboxNotFoundError (killed while paused); mapped errors
   */
  async resume(): Promise<void> {
    const client = this.client();
    try {
      await client.connect({ timeoutMs: this.#timeoutMs });
    } catch (error) {
      throw this.fail(error, { operation: `resume sandbox ${client.sandboxId}` });
    }
  }

  /** Sets the lifetime to `timeoutMs` from now through E2B's timeout API (`setTimeout`, whole seconds). */
  async renew(timeoutMs: number): Promise<void> {
    const client = this.client();
    try {
      await client.setTimeout(timeoutMs);
    } catch (error) {
      throw this.fail(error, { operation: `renew sandbox ${client.sandboxId}` });
    }
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Whether E2B still knows the sandbox: one control-plane `GET /sandboxes/{id}` (in debug mode,
   * with no control plane, one envd health check).
   */
  async exists(): Promise<boolean> {
    return (await this.#remoteState()) !== 'gone';
  }

  /** The sandbox's state per the control plane (one `GET /sandboxes/{id}`; debug mode: one envd health check). */
  async #remoteState(): Promise<'running' | 'paused' | 'gone'> {
    const client = this.client();
    if (this.#debug()) return (await client.isRunning()) ? 'running' : 'gone';
    try {
      return (await client.getInfo()).state === 'paused' ? 'paused' : 'running';
    } catch (error) {
      if (hasErrorCode(this.fail(error, { operation: `get sandbox ${client.sandboxId}` }), 'SANDBOX_NOT_FOUND')) return 'gone';
      throw error;
    }
  }

  /** The options, JSON-safe, with `sandboxId` and the current lifetime; `apiKey` and `envs` only with `includeSecrets`. */
  toConfig(options: { includeSecrets: boolean; sandboxId: string | undefined }): E2BSandboxConfig & Record<string, unknown> {
    return toE2BConfig(this.#options, {
      includeSecrets: options.includeSecrets,
      sandboxId: options.sandboxId ?? this.#options.sandboxId,
      timeoutMs: this.#timeoutMs,
    });
  }
}
