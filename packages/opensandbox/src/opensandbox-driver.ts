import { ConnectionConfig, Sandbox as SdkSandbox, type NetworkPolicy, type Volume } from '@alibaba-group/opensandbox';
import {
  BackendError,
  defineCapabilities,
  FileNotFoundError,
  hasErrorCode,
  quoteShellArg,
  type BaseSandboxConfig,
  type SandboxCapabilities,
  type SandboxError,
} from '@kode/core';
import { withRetry, type DriverEndpoint, type DriverExecRequest, type DriverExecResult, type DriverLifetime, type DriverStartContext, type SandboxDriverV1 } from '@kode/driver';
import { runCommandStream } from './command-stream';
import type { OpenSandboxContext } from './context';
import { CLIENT_TIMEOUT_GRACE_MS, execOutcome, LINE_ENVELOPE_BYTES } from './exec-outcome';
import { mapOpenSandboxError } from './map-error';
import { OpenSandboxDriverFs } from './opensandbox-fs';
import { OpenSandboxDriverProcesses } from './opensandbox-processes';
import { OpenSandboxDriverSessions } from './opensandbox-sessions';
import { creatorMetadata, toOpenSandboxConfig, type ResolvedOpenSandboxOptions } from './options';
import { RetryAfterTracker } from './retry-after';
import { OpenSandboxWatchPort } from './watch-port';

/**
 * What the OpenSandbox backend supports. Output comes from execd line by line, so it is not
 * byte-exact (`exec.exactOutput: false`: every line is returned ending in `\n`). Sandboxes have a
 * lifetime that the renew-expiration API extends (`lifecycle.renew`). Shell sessions run on execd's
 * bash sessions, endpoints come from the server's endpoint API (every routing mode), pause and
 * resume from the lifecycle API.
 */
export const OPEN_SANDBOX_CAPABILITIES: SandboxCapabilities = defineCapabilities({
  exec: { exactOutput: false, streaming: true, sessions: true },
  fs: { binary: true, confined: false, symlinks: true, streaming: true },
  processes: { background: true, reconnect: true },
  watch: { native: true, polling: true },
  lifecycle: { restore: true, renew: true, pause: true },
  endpoints: true,
});

const BACKEND = 'opensandbox';

/**
 * The OpenSandbox driver: I/O on the official `@alibaba-group/opensandbox` client, errors mapped by
 * `mapOpenSandboxError`. The rules of the contract live in the front (`DriverSandbox`).
 */
export class OpenSandboxDriver implements SandboxDriverV1 {
  readonly specificationVersion = 'v1';
  readonly kind = BACKEND;
  readonly capabilities = OPEN_SANDBOX_CAPABILITIES;
  readonly workDir: string;
  readonly execTimeoutMs: number;
  readonly watch: { mode: 'native' | 'polling' | 'off'; pollIntervalMs: number };
  readonly secrets: ReadonlyArray<string | undefined>;
  readonly lifetime: DriverLifetime;
  readonly fs: OpenSandboxDriverFs;
  readonly processes: OpenSandboxDriverProcesses;
  readonly sessions: OpenSandboxDriverSessions;
  readonly watchPort: OpenSandboxWatchPort;

  readonly #options: ResolvedOpenSandboxOptions;
  readonly #retryAfter = new RetryAfterTracker();
  #sdk: SdkSandbox | undefined;
  #sandboxId: string | undefined;

  /** @param options validated options (see `resolveOptions`) */
  constructor(options: ResolvedOpenSandboxOptions) {
    this.#options = options;
    this.workDir = options.workDir;
    this.execTimeoutMs = options.execTimeoutMs;
    this.watch = options.watch;
    this.secrets = [options.apiKey, ...Object.values(options.env ?? {})];
    this.lifetime = { timeoutMs: options.timeoutMs, autoRenew: options.autoRenew };
    const ctx: OpenSandboxContext = {
      workDir: this.workDir,
      client: () => this.client(),
      toError: (error, where) => this.toError(error, where),
    };
    this.fs = new OpenSandboxDriverFs(ctx);
    this.processes = new OpenSandboxDriverProcesses(ctx);
    this.sessions = new OpenSandboxDriverSessions(ctx);
    this.watchPort = new OpenSandboxWatchPort(ctx);
  }

  /** The connected SDK sandbox. @throws BackendError when called outside `start`…`stop` (a bug in the front) */
  client(): SdkSandbox {
    const sdk = this.#sdk;
    if (sdk === undefined) throw new BackendError('OpenSandbox: the driver is not started.', { backend: BACKEND });
    return sdk;
  }

  /** Creates the sandbox (or connects to `sandboxId`), waits for execd, creates `workDir`. Kills a sandbox it created when `workDir` fails. */
  async start(context: DriverStartContext): Promise<{ sandboxId: string }> {
    const o = this.#options;
    const connectionConfig = new ConnectionConfig({
      domain: o.endpoint,
      protocol: o.protocol,
      apiKey: o.apiKey ?? '',
      useServerProxy: o.useServerProxy,
      ...(o.requestTimeoutSeconds !== undefined ? { requestTimeoutSeconds: o.requestTimeoutSeconds } : {}),
    }).withTransportIfMissing(); // initialised here, so the SDK uses this object (and its wrapped fetch) as is
    this.#retryAfter.attach(connectionConfig);
    let waiting = false;
    const health = {
      // The SDK creates (or connects) and then polls execd; the first poll marks the `waiting` phase.
      healthCheck: (candidate: SdkSandbox): Promise<boolean> => {
        if (!waiting) {
          waiting = true;
          context.progress('waiting');
        }
        return candidate.isHealthy();
      },
      ...(o.skipHealthCheck !== undefined ? { skipHealthCheck: o.skipHealthCheck } : {}),
      ...(o.readyTimeoutSeconds !== undefined ? { readyTimeoutSeconds: o.readyTimeoutSeconds } : {}),
      ...(o.healthCheckPollingInterval !== undefined ? { healthCheckPollingInterval: o.healthCheckPollingInterval } : {}),
    };
    let sdk: SdkSandbox;
    const created = o.sandboxId === undefined;
    context.progress(created ? 'creating' : 'connecting');
    try {
      sdk =
        o.sandboxId !== undefined
          ? await SdkSandbox.connect({ sandboxId: o.sandboxId, connectionConfig, ...health })
          : await SdkSandbox.create({
              connectionConfig,
              image: o.image,
              timeoutSeconds: Math.ceil(o.timeoutMs / 1000),
              ...(o.env !== undefined ? { env: o.env } : {}),
              // The creator labels let `OpenSandbox.list` / `kode-sandbox gc` find strays; the user's keys win.
              metadata: { ...creatorMetadata(), ...o.metadata },
              ...(o.resource !== undefined ? { resource: o.resource } : {}),
              ...(o.networkPolicy !== undefined ? { networkPolicy: o.networkPolicy as NetworkPolicy } : {}),
              ...(o.volumes !== undefined ? { volumes: o.volumes as Volume[] } : {}),
              ...(o.entrypoint !== undefined ? { entrypoint: o.entrypoint } : {}),
              ...health,
            });
    } catch (error) {
      throw this.toError(error, o.sandboxId !== undefined ? { operation: `connect to sandbox ${o.sandboxId}` } : { operation: `create a sandbox from image ${o.image}` });
    }
    context.progress('preparing');
    try {
      await this.#makeWorkDir(sdk);
    } catch (error) {
      if (created) await sdk.kill().catch(() => undefined);
      await sdk.close().catch(() => undefined);
      throw error;
    }
    this.#sdk = sdk;
    this.#sandboxId = sdk.id;
    return { sandboxId: sdk.id };
  }

  /**
   * Kills the sandbox (`disposeAction: 'kill'`; one retried delete; a sandbox already gone counts
   * as killed) and releases the client. When the kill fails the client stays, so a second call
   * sends the delete again.
   */
  async stop(): Promise<void> {
    const sdk = this.#sdk;
    if (sdk === undefined) return;
    if (this.#options.disposeAction === 'kill') {
      try {
        await this.#killWithRetry(sdk);
      } catch (error) {
        if (!hasErrorCode(error, 'SANDBOX_NOT_FOUND')) throw error;
      }
    }
    this.#sdk = undefined;
    try {
      await sdk.close();
    } catch (error) {
      throw this.toError(error, { operation: 'close the client' });
    }
  }

  /**
   * Runs the command with ONE streaming request; the exit code comes from the stream's final
   * event. `timeoutMs` is enforced by the server and, as a fallback, by interrupting the command
   * by id. Output arrives line by line (each line ends in `\n`), capped while it streams.
   */
  async exec(request: DriverExecRequest): Promise<DriverExecResult> {
    const sdk = this.client();
    const { timeoutMs } = request;
    let truncated = false;
    const result = await runCommandStream({
      sdk,
      command: request.command,
      options: {
        workingDirectory: request.cwd,
        ...(request.env ? { envs: request.env } : {}),
        ...(timeoutMs > 0 ? { timeoutSeconds: timeoutMs / 1000 } : {}),
      },
      signal: request.signal,
      deadlineMs: timeoutMs > 0 ? timeoutMs + CLIENT_TIMEOUT_GRACE_MS : undefined,
      // A line longer than the cap is cut by the transport (memory O(cap)); its event envelope needs some room.
      maxLineBytes: request.maxOutputBytes + LINE_ENVELOPE_BYTES,
      onLine: (stream, line, cut) => {
        truncated ||= cut;
        (stream === 'stdout' ? request.onStdout : request.onStderr)(`${line}\n`);
      },
    });
    return execOutcome(result, {
      timeoutMs,
      truncated,
      signal: request.signal,
      what: 'exec',
      startFailure: (detail) => this.#startFailure(detail, request.cwd),
      failure: (error) => this.toError(error, { operation: 'exec', cwd: request.cwd }),
    });
  }

  /** Extends the lifetime to `timeoutMs` from now (server: renew-expiration, whole seconds). */
  async renew(timeoutMs: number): Promise<void> {
    const sdk = this.client();
    try {
      await sdk.renew(Math.ceil(timeoutMs / 1000));
    } catch (error) {
      throw this.toError(error, { operation: `renew sandbox ${sdk.id}` });
    }
  }

  /**
   * The server's endpoint for `port` (`GET /sandboxes/{id}/endpoints/{port}`, with
   * `use_server_proxy` as configured): `<protocol>://<endpoint>` plus the headers it names (the
   * gateway's `OpenSandbox-Ingress-To`, access tokens).
   */
  async endpoint(port: number): Promise<DriverEndpoint> {
    const sdk = this.client();
    try {
      const found = await sdk.getEndpoint(port);
      return { url: `${this.#options.protocol}://${found.endpoint}`, headers: { ...(found.headers ?? {}) } };
    } catch (error) {
      throw this.toError(error, { operation: `get the endpoint of port ${port}` });
    }
  }

  /** `POST /sandboxes/{id}/pause`: the server freezes the sandbox (files, processes, sessions kept). */
  async pause(): Promise<void> {
    const sdk = this.client();
    try {
      await sdk.pause();
    } catch (error) {
      throw this.toError(error, { operation: `pause sandbox ${sdk.id}` });
    }
  }

  /**
   * `POST /sandboxes/{id}/resume`, then reconnects (the execd endpoint may change) and waits for
   * execd like `start` does. The new SDK sandbox replaces the old one.
   */
  async resume(): Promise<void> {
    const sdk = this.client();
    const o = this.#options;
    try {
      this.#sdk = await sdk.resume({
        ...(o.skipHealthCheck !== undefined ? { skipHealthCheck: o.skipHealthCheck } : {}),
        ...(o.readyTimeoutSeconds !== undefined ? { readyTimeoutSeconds: o.readyTimeoutSeconds } : {}),
        ...(o.healthCheckPollingInterval !== undefined ? { healthCheckPollingInterval: o.healthCheckPollingInterval } : {}),
      });
    } catch (error) {
      throw this.toError(error, { operation: `resume sandbox ${sdk.id}` });
    }
  }

  /** Whether the server still knows the sandbox (one lifecycle `GET`). */
  async exists(): Promise<boolean> {
    const sdk = this.client();
    try {
      await sdk.getInfo();
      return true;
    } catch (error) {
      if (hasErrorCode(this.toError(error, { operation: `get sandbox ${sdk.id}` }), 'SANDBOX_NOT_FOUND')) return false;
      throw error;
    }
  }

  /** The options, JSON-safe, with `sandboxId`; `apiKey` and `env` only with `includeSecrets`. */
  toConfig(options: { includeSecrets: boolean; sandboxId: string | undefined }): BaseSandboxConfig & Record<string, unknown> {
    return toOpenSandboxConfig(this.#options, { includeSecrets: options.includeSecrets, sandboxId: options.sandboxId ?? this.#options.sandboxId });
  }

  /** Maps a failure of this sandbox's calls (API key redacted, `Retry-After` attached). */
  toError(error: unknown, where: { operation: string; path?: string; cwd?: string }): SandboxError {
    return mapOpenSandboxError(error, {
      ...where,
      secrets: this.secrets,
      endpoint: this.#options.endpoint,
      useServerProxy: this.#options.useServerProxy,
      retryAfterMs: this.#retryAfter.recent(),
      ...((this.#sandboxId ?? this.#options.sandboxId) !== undefined ? { sandboxId: this.#sandboxId ?? this.#options.sandboxId } : {}),
    });
  }

  async #killWithRetry(sdk: SdkSandbox): Promise<void> {
    // The delete is idempotent: retried like every idempotent call, so one 503 does not leak the sandbox.
    await withRetry(
      async () => {
        try {
          await sdk.kill();
        } catch (error) {
          throw this.toError(error, { operation: `kill sandbox ${sdk.id}` });
        }
      },
      { policy: this.#options.retry },
    );
  }

  /** `mkdir -p` of workDir with one exec (no chmod/chown of an existing directory). */
  async #makeWorkDir(sdk: SdkSandbox): Promise<void> {
    const stderr: string[] = [];
    const result = await runCommandStream({
      sdk,
      command: `mkdir -p -- ${quoteShellArg(this.workDir)}`,
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

  #startFailure(detail: string, cwd: string): SandboxError {
    if (/no such file or directory|chdir|not a directory/i.test(detail)) {
      return new FileNotFoundError(`OpenSandbox: exec failed: working directory ${cwd} does not exist (${detail}).`, { backend: BACKEND, path: cwd });
    }
    return new BackendError(`OpenSandbox: exec failed: the command could not be started: ${detail}`, { backend: BACKEND });
  }
}
