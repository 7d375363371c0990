import { setMaxListeners } from 'node:events';
import {
  assertCapability,
  assertCommand,
  DEFAULT_MAX_OUTPUT_BYTES,
  DisposedError,
  hasErrorCode,
  InvalidArgumentError,
  NotInitializedError,
  OutputBuffer,
  resolveSandboxPath,
  sanitizeError,
  SandboxError,
  SandboxLifecycle,
  SandboxNotFoundError,
  TIMEOUT_EXIT_CODE,
  type BaseSandboxConfig,
  type ExecOptions,
  type ExecResult,
  type InitOptions,
  type InitPhase,
  type Sandbox,
  type SandboxCapabilities,
  type SandboxKind,
  type ToConfigOptions,
  type WatchEvent,
  type WatchFilesOptions,
  type WatchListener,
} from '@kode/core';
import { WatchRegistry, type WatchPort } from '@kode/watch';
import { assertOptions, checkCount, checkEnv, checkFunction, checkSignal, checkTimeMs } from './arguments';
import { FrontFs } from './front-fs';
import { execAttributes, execResultAttributes, traceFs, traceProcesses, type TraceContext } from './front-telemetry';
import { FrontProcesses } from './front-processes';
import { LifetimeKeeper } from './lifetime-keeper';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from './retry-policy';
import { FrontEndpoints } from './front-endpoints';
import { OutputSink } from './output-sink';
import { FrontSessions } from './front-sessions';
import { DRIVER_SPECIFICATION_VERSION, type DriverExecRequest, type DriverExecResult, type SandboxDriver } from './sandbox-driver';
import { traced } from './telemetry';

/** Past a command's `timeoutMs`, how long the front waits for the driver's own timeout before aborting it (ms). */
export const EXEC_DEADLINE_GRACE_MS = 5_000;

const EXEC_OPTION_KEYS = ['cwd', 'env', 'timeoutMs', 'signal', 'onStdout', 'onStderr', 'maxOutputBytes'] as const;

/** Codes after which the front asks the driver whether the sandbox still exists. */
const MAYBE_GONE = new Set(['CONNECTION_FAILED', 'BACKEND_ERROR', 'REQUEST_TIMEOUT', 'SANDBOX_NOT_FOUND']);

/** Options of the {@link DriverSandbox} constructor. */
export interface DriverSandboxOptions {
  /** Retry policy for idempotent calls (see `resolveRetryPolicy`). Default {@link DEFAULT_RETRY_POLICY}. */
  retry?: RetryPolicy;
}

/** How the front runs one driver call. */
export interface CallOptions {
  /** Retry retryable failures (idempotent calls only). */
  idempotent?: boolean;
  /** The caller's abort signal: an abort rejects with its reason. */
  signal?: AbortSignal | undefined;
  /** Count the call as activity for lifetime renewal. Default true. */
  track?: boolean;
}

/** How {@link FrontContext.runExec} runs one command. Internal. */
export interface RunExecSpec {
  /** Name in messages, e.g. `'exec'` or `'session.exec'`. */
  name: string;
  /** Resolve a missing `cwd` to `workDir` (plain exec); otherwise pass `undefined` on. */
  defaultCwd: boolean;
  /** Checks a resolved, confined `cwd` before the command (e.g. that it is a directory). */
  checkCwd?: (cwd: string) => Promise<void>;
  /** The driver call. */
  run: (request: Omit<DriverExecRequest, 'cwd'> & { cwd: string | undefined }) => Promise<DriverExecResult>;
}

/** What the front's fs and processes parts share with it. Internal. */
export interface FrontContext {
  readonly backend: string;
  readonly driver: SandboxDriver;
  workDir(): string;
  /** Throws unless ready (or gone). */
  assertUsable(): void;
  /** Runs a driver call with retries when idempotent, error sanitising and gone detection. */
  call<T>(operation: string, run: () => Promise<T>, options?: CallOptions): Promise<T>;
  /** Runs `run` as work in progress for the lifetime keeper. */
  busy<T>(run: () => Promise<T>): Promise<T>;
  /** Aborted (with a `DisposedError`) when `dispose()` starts: long transfers stop on it. */
  readonly disposing?: AbortSignal;
  /** `exec`'s argument checks, timeouts, abort and output caps around another driver call (sessions). */
  runExec(command: string, options: ExecOptions | undefined, spec: RunExecSpec): Promise<ExecResult>;
}

/**
 * The one implementation of the `Sandbox` contract (docs/contract.md). Each backend supplies a
 * {@link SandboxDriver}; this class owns the rules: argument checks, the lifecycle state machine,
 * path resolution, sorted listings, glob selection, watch wiring, timeouts, abort, output caps,
 * error redaction, retries of idempotent calls, gone-sandbox detection and lifetime renewal.
 * Backends subclass it to keep their public class and constructor (`new OpenSandbox({...})`).
 *
 * Printing a sandbox (`console.log`, `util.inspect`, `JSON.stringify`) shows only its redacted
 * config: the driver and its secrets are kept in private fields.
 */
export class DriverSandbox implements Sandbox {
  /** Backend kind. */
  readonly kind: SandboxKind;
  /** Frozen capabilities the driver declares. */
  readonly capabilities: SandboxCapabilities;
  /** Files. */
  readonly fs: FrontFs;
  /** Background processes. */
  readonly processes: FrontProcesses;
  /** Shell sessions (`capabilities.exec.sessions`). */
  readonly sessions: FrontSessions;
  /** URLs of ports inside the sandbox (`capabilities.endpoints`). */
  readonly endpoints: FrontEndpoints;

  readonly #driver: SandboxDriver;
  readonly #lifecycle: SandboxLifecycle;
  readonly #registry: WatchRegistry;
  readonly #retry: RetryPolicy;
  readonly #running = new AbortController();
  /** `fs` without its telemetry wrapper, for `dispose()`. */
  readonly #fs: FrontFs;
  /** `processes` without its telemetry wrapper, for `dispose()`. */
  readonly #processes: FrontProcesses;
  readonly #keeper: LifetimeKeeper | undefined;
  #sandboxId: string | undefined;
  #gone: SandboxNotFoundError | undefined;
  readonly #trace: TraceContext;
  #paused = false;
  #execsRunning = 0;

  /**
   * @param driver the backend; owned by this sandbox from now on
   * @throws InvalidArgumentError when the driver's `specificationVersion` is not one this front implements
   */
  constructor(driver: SandboxDriver, options: DriverSandboxOptions = {}) {
    if ((driver as { specificationVersion?: unknown }).specificationVersion !== DRIVER_SPECIFICATION_VERSION) {
      throw new InvalidArgumentError(
        `The ${String(driver.kind)} driver implements specification ${String((driver as { specificationVersion?: unknown }).specificationVersion)}; @kode/driver implements ${DRIVER_SPECIFICATION_VERSION}.`,
        { backend: String(driver.kind), hint: 'Install versions of the backend package and @kode/driver that belong together.' },
      );
    }
    this.#driver = driver;
    this.kind = driver.kind;
    this.capabilities = driver.capabilities;
    this.#retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.#lifecycle = new SandboxLifecycle(driver.kind);
    setMaxListeners(0, this.#running.signal); // one listener per running exec
    const context: FrontContext = {
      backend: driver.kind,
      driver,
      workDir: () => this.workDir,
      assertUsable: () => this.#assertUsable(),
      call: (operation, run, callOptions) => this.#call(operation, run, callOptions),
      busy: (run) => this.#busy(run),
      disposing: this.#running.signal,
      runExec: (command, execOptions, spec) => this.#runExec(command, execOptions, spec),
    };
    this.#trace = { backend: driver.kind, sandboxId: () => this.#sandboxId, secrets: driver.secrets };
    this.#fs = new FrontFs(context);
    this.fs = traceFs(this.#fs, this.#trace);
    this.#processes = new FrontProcesses(context);
    this.processes = traceProcesses(this.#processes, this.#trace);
    this.sessions = new FrontSessions(context);
    this.endpoints = new FrontEndpoints(context);
    this.#registry = new WatchRegistry({
      backend: driver.kind,
      port: this.#watchPort(),
      config: driver.watch,
      ...(driver.nativeWatch === undefined ? {} : { native: driver.nativeWatch }),
    });
    const lifetime = driver.lifetime;
    if (lifetime !== undefined && lifetime.autoRenew && driver.renew !== undefined && driver.capabilities.lifecycle.renew) {
      const renew = driver.renew.bind(driver);
      this.#keeper = new LifetimeKeeper({
        lifetimeMs: lifetime.timeoutMs,
        renew: (ms) => this.#call('renew', () => renew(ms), { idempotent: true, track: false }),
        onError: () => undefined, // the next activity retries; a gone sandbox surfaces on the next call
      });
    }
  }

  /** Absolute working directory inside the sandbox. */
  get workDir(): string {
    return this.#driver.workDir;
  }

  /**
   * Creates or connects the sandbox (the driver's `start`), reporting phases to `onProgress`.
   * Idempotent; concurrent calls share one attempt; a failed attempt can be retried.
   * @throws the driver's typed errors (sanitised); DisposedError after `dispose()`
   */
  init(options: InitOptions = {}): Promise<void> {
    return traced({ operation: 'init', ...this.#trace }, () => this.#init(options));
  }

  #init(options: InitOptions): Promise<void> {
    const opts = assertOptions(options, { name: 'init options', known: ['onProgress'], backend: this.kind });
    const onProgress = checkFunction<NonNullable<InitOptions['onProgress']>>(opts.onProgress, { name: 'onProgress', backend: this.kind });
    return this.#lifecycle.init(async () => {
      const started = Date.now();
      const report = (phase: InitPhase): void => {
        try {
          onProgress?.({ phase, elapsedMs: Date.now() - started });
        } catch {
          // A throwing progress callback must not break init.
        }
      };
      try {
        const { sandboxId } = await this.#driver.start({ progress: report });
        this.#sandboxId = sandboxId;
      } catch (error) {
        throw sanitizeError(error, { secrets: this.#driver.secrets, backend: this.kind, operation: 'init' });
      }
      this.#keeper?.renewed();
      report('ready');
    });
  }

  /**
   * The sandbox id (pass it as `sandboxId` to restore). Still answers after `dispose()`.
   * @throws NotInitializedError before `init()` resolved
   */
  getSandboxId(): string {
    if (this.#sandboxId !== undefined && this.#lifecycle.state !== 'new' && this.#lifecycle.state !== 'initializing') return this.#sandboxId;
    throw new NotInitializedError(`The ${this.kind} sandbox is not initialised, so it has no id yet.`, {
      backend: this.kind,
      hint: 'Call `await sandbox.init()` first, or create it with `SandboxFactory.createAsync(config)`.',
    });
  }

  /**
   * Runs `command` with `bash -c`. Checks every option (unknown keys rejected), enforces
   * `timeoutMs` (default the sandbox's `execTimeoutMs`; `code: 124, timedOut: true`), abort
   * (rejects with `signal.reason`), `maxOutputBytes` per stream (default 10 MiB; memory stays
   * O(cap)), and measures `durationMs` itself. Never retried.
   * @throws InvalidArgumentError, UnsupportedCapabilityError (`onStdout`/`onStderr` with `exec.streaming`
   * declared absent), NotInitializedError, DisposedError (also when disposed while it runs),
   * FileNotFoundError (missing cwd), SandboxNotFoundError (sandbox gone), transport errors
   */
  exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    const driver = this.#driver;
    return traced({ operation: 'exec', ...this.#trace, attributes: execAttributes(command), resultAttributes: execResultAttributes }, () =>
      this.#runExec(command, options, { name: 'exec', defaultCwd: true, run: (request) => driver.exec({ ...request, cwd: request.cwd ?? this.workDir }) }),
    );
  }

  /** `exec`'s machinery (checks, timeouts, abort, caps), shared with sessions (`FrontContext.runExec`). */
  async #runExec(command: string, options: ExecOptions | undefined, spec: RunExecSpec): Promise<ExecResult> {
    const b = { backend: this.kind };
    const name = spec.name;
    assertCommand(command, { name: `${name} command`, ...b });
    const o = assertOptions(options, { name: `${name} options`, known: EXEC_OPTION_KEYS, backend: this.kind });
    const env = checkEnv(o.env, { name: `${name} env`, ...b });
    const timeoutMs = checkTimeMs(o.timeoutMs, { name: `${name} timeoutMs`, ...b }) ?? this.#driver.execTimeoutMs;
    const maxOutputBytes = checkCount(o.maxOutputBytes, { name: `${name} maxOutputBytes`, ...b }) ?? DEFAULT_MAX_OUTPUT_BYTES;
    const onStdout = checkFunction<(chunk: string) => void>(o.onStdout, { name: `${name} onStdout`, ...b });
    const onStderr = checkFunction<(chunk: string) => void>(o.onStderr, { name: `${name} onStderr`, ...b });
    const signal = checkSignal(o.signal, { name: `${name} signal`, ...b });
    if (o.cwd !== undefined && typeof o.cwd !== 'string') throw new InvalidArgumentError(`${name} cwd must be a string.`, b);
    if (onStdout !== undefined || onStderr !== undefined) assertCapability(this.capabilities, 'exec.streaming', this.kind);
    this.#assertUsable();
    const cwd = o.cwd === undefined && !spec.defaultCwd ? undefined : resolveSandboxPath(this.workDir, (o.cwd) ?? '.');
    if (cwd !== undefined) await this.#confine(cwd, `${name} cwd`);
    if (cwd !== undefined && spec.checkCwd !== undefined) await spec.checkCwd(cwd);
    // Checked after the last await: from here to the driver call nothing yields, so an abort cannot slip between.
    if (signal?.aborted) throw signal.reason;
    this.#assertUsable();

    const stdout = new OutputBuffer(maxOutputBytes);
    const stderr = new OutputBuffer(maxOutputBytes);
    const stdoutSink = new OutputSink(stdout, onStdout);
    const stderrSink = new OutputSink(stderr, onStderr);
    const controller = new AbortController();
    let deadlinePassed = false;
    const onAbort = (): void => controller.abort(signal?.reason);
    const onDispose = (): void => controller.abort(this.#running.signal.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#running.signal.addEventListener('abort', onDispose, { once: true });
    const deadline =
      timeoutMs > 0
        ? setTimeout(() => {
            deadlinePassed = true;
            controller.abort(new Error('deadline'));
          }, Math.min(timeoutMs + EXEC_DEADLINE_GRACE_MS, 2_147_483_647))
        : undefined;
    const started = performance.now();
    try {
      this.#execsRunning++;
      const outcome = await this.#busy(() =>
        spec.run({
          command,
          cwd,
          env,
          timeoutMs,
          maxOutputBytes,
          signal: controller.signal,
          onStdout: (chunk) => stdoutSink.push(chunk),
          onStderr: (chunk) => stderrSink.push(chunk),
        }),
      );
      if (signal?.aborted) throw signal.reason;
      const timedOut = outcome.timedOut || deadlinePassed;
      return {
        code: timedOut ? TIMEOUT_EXIT_CODE : outcome.code,
        stdout: stdout.text(),
        stderr: stderr.text(),
        timedOut,
        truncated: stdout.truncated || stderr.truncated || outcome.truncated === true,
        durationMs: Math.round(performance.now() - started),
      };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (this.#running.signal.aborted) throw this.#disposedDuring(name);
      if (deadlinePassed) {
        return { code: TIMEOUT_EXIT_CODE, stdout: stdout.text(), stderr: stderr.text(), timedOut: true, truncated: stdout.truncated || stderr.truncated, durationMs: Math.round(performance.now() - started) };
      }
      throw await this.#failure(error, name);
    } finally {
      // A trailing incomplete UTF-8 sequence reaches the callbacks too (as U+FFFD, like the result).
      stdoutSink.end();
      stderrSink.end();
      this.#execsRunning = Math.max(0, this.#execsRunning - 1);
      if (deadline !== undefined) clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      this.#running.signal.removeEventListener('abort', onDispose);
    }
  }

  /**
   * Watches files and directories (relative to `workDir`) through `@kode/watch`; resolves once the
   * watch is live. Open watches count as activity for lifetime renewal. When the sandbox turns out
   * to be gone, `onError` gets one `SandboxNotFoundError` and the watch stops.
   * @throws InvalidArgumentError, UnsupportedCapabilityError (the configured `watch.mode` declared absent), NotInitializedError, DisposedError
   */
  watchFiles(paths: string[], listener: WatchListener, options?: WatchFilesOptions): Promise<string> {
    return traced({ operation: 'watch', ...this.#trace, attributes: { 'kode.paths': Array.isArray(paths) ? paths.length : 0 } }, () => this.#watchFiles(paths, listener, options));
  }

  async #watchFiles(paths: string[], listener: WatchListener, options?: WatchFilesOptions): Promise<string> {
    const b = { backend: this.kind };
    if (!Array.isArray(paths) || paths.length === 0) throw new InvalidArgumentError('watchFiles paths must be a non-empty array of paths.', b);
    if (typeof listener !== 'function') throw new InvalidArgumentError('watchFiles listener must be a function.', b);
    const o = assertOptions(options, { name: 'watchFiles options', known: ['recursive', 'onFallback', 'onError'], backend: this.kind });
    const onError = checkFunction<(error: Error) => void>(o.onError, { name: 'watchFiles onError', ...b });
    checkFunction(o.onFallback, { name: 'watchFiles onFallback', ...b });
    this.#assertUsable();
    const mode = this.#driver.watch.mode ?? 'polling';
    if (mode !== 'off') assertCapability(this.capabilities, mode === 'native' ? 'watch.native' : 'watch.polling', this.kind);
    const absolute = paths.map((path) => resolveSandboxPath(this.workDir, path));
    for (const path of absolute) await this.#confine(path, 'watchFiles');
    this.#assertUsable();
    let id: string | undefined;
    let stopped = false;
    const guardedOptions: WatchFilesOptions = {
      ...(o as WatchFilesOptions),
      onError: (error) => {
        if (stopped) return;
        if (hasErrorCode(error, 'SANDBOX_NOT_FOUND')) {
          stopped = true;
          if (id !== undefined) void this.#unwatchEntry(id);
        }
        onError?.(error);
      },
    };
    const guardedListener = (event: WatchEvent): void => {
      if (!stopped) listener(event);
    };
    this.#keeper?.begin();
    try {
      id = await this.#registry.watch({ paths: absolute, listener: guardedListener, options: guardedOptions });
    } catch (error) {
      this.#keeper?.end();
      throw await this.#failure(error, 'watchFiles');
    }
    this.#watchIds.add(id);
    if (stopped) void this.#unwatchEntry(id);
    return id;
  }

  readonly #watchIds = new Set<string>();

  /**
   * Stops a watch; once it resolves the listener gets nothing more. Idempotent: unknown ids, and
   * any id after `dispose()` (which closed every watch), resolve.
   * @throws NotInitializedError before `init()`
   */
  async unwatchFiles(id: string): Promise<void> {
    if (typeof id !== 'string') throw new InvalidArgumentError('unwatchFiles id must be a string.', { backend: this.kind });
    if (this.#lifecycle.state === 'disposing' || this.#lifecycle.state === 'disposed') return;
    if (this.#lifecycle.state !== 'ready') this.#lifecycle.assertReady();
    await this.#unwatchEntry(id);
  }

  /**
   * Extends the lifetime to `timeoutMs` from now (default: the configured lifetime). Retried like
   * any idempotent call.
   * @throws UnsupportedCapabilityError, InvalidArgumentError, NotInitializedError, DisposedError, SandboxNotFoundError
   */
  renew(timeoutMs?: number): Promise<void> {
    return traced({ operation: 'renew', ...this.#trace }, () => this.#renew(timeoutMs));
  }

  async #renew(timeoutMs?: number): Promise<void> {
    assertCapability(this.capabilities, 'lifecycle.renew', this.kind);
    const ms = checkTimeMs(timeoutMs, { name: 'renew timeoutMs', backend: this.kind }) ?? this.#driver.lifetime?.timeoutMs;
    this.#assertUsable();
    const renew = this.#driver.renew?.bind(this.#driver);
    if (renew === undefined || ms === undefined) {
      throw new InvalidArgumentError(`The ${this.kind} sandbox has no lifetime to renew.`, { backend: this.kind });
    }
    if (ms < 1_000) throw new InvalidArgumentError(`renew timeoutMs must be at least 1000 ms, got ${ms}.`, { backend: this.kind });
    await this.#call('renew', () => renew(ms), { idempotent: true });
    this.#keeper?.renewed();
  }

  /**
   * Freezes the sandbox (the driver's `pause`); files, background processes and sessions are kept.
   * While paused every other call raises `InvalidArgumentError` with a hint to `resume()`
   * (docs/decisions/0152-pause-resume.md). Idempotent. Never retried.
   * @throws UnsupportedCapabilityError, InvalidArgumentError (a command runs or a watch is open),
   * NotInitializedError, DisposedError, SandboxNotFoundError, transport errors
   */
  async pause(): Promise<void> {
    assertCapability(this.capabilities, 'lifecycle.pause', this.kind);
    this.#lifecycle.assertReady();
    if (this.#paused) return;
    this.#assertUsable();
    const pause = this.#driver.pause?.bind(this.#driver);
    if (pause === undefined) throw new InvalidArgumentError(`The ${this.kind} driver has no pause.`, { backend: this.kind });
    if (this.#execsRunning > 0 || this.#watchIds.size > 0) {
      throw new InvalidArgumentError(`The ${this.kind} sandbox cannot pause while ${this.#execsRunning > 0 ? 'a command runs' : 'a watch is open'}.`, {
        backend: this.kind,
        hint: 'Wait for running commands and call unwatchFiles() for open watches before pause().',
      });
    }
    await this.#call('pause', pause);
    this.#paused = true;
  }

  /**
   * Thaws a paused sandbox (the driver's `resume`). Idempotent: a sandbox this instance did not
   * pause is left as is. Never retried.
   * @throws UnsupportedCapabilityError, NotInitializedError, DisposedError, SandboxNotFoundError, transport errors
   */
  async resume(): Promise<void> {
    assertCapability(this.capabilities, 'lifecycle.pause', this.kind);
    this.#lifecycle.assertReady();
    if (this.#gone) throw this.#gone;
    if (!this.#paused) return;
    const resume = this.#driver.resume?.bind(this.#driver);
    if (resume === undefined) throw new InvalidArgumentError(`The ${this.kind} driver has no resume.`, { backend: this.kind });
    await this.#call('resume', resume);
    this.#paused = false;
  }

  /**
   * Closes every watch, aborts running commands (they reject with `DisposedError`), kills what a
   * `processes.start` in flight started (waiting up to 10 s for it), then lets the
   * driver release or destroy the sandbox. Idempotent once it succeeded; when the driver's release
   * failed (e.g. one 503 on the delete), the error is thrown and the next `dispose()` tries again.
   */
  dispose(): Promise<void> {
    return traced({ operation: 'dispose', ...this.#trace }, () => this.#dispose());
  }

  #dispose(): Promise<void> {
    return this.#lifecycle.dispose(async () => {
      this.#keeper?.stop();
      await this.#registry.closeAll().catch(() => undefined);
      this.#running.abort(this.#disposedDuring('the call'));
      // A processes.start in flight kills what it started (bounded wait) before the driver stops.
      await this.#processes.settleStarts();
      // A writeStream it stopped removes its temporary file (bounded wait) before the driver stops.
      await this.#fs.settleWrites();
      await this.sessions.closeAll({ release: !this.#paused });
      await this.#stopDriver();
    });
  }

  /** Same as {@link DriverSandbox.dispose}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  /**
   * A JSON-safe config that restores this sandbox (carries `sandboxId` once known). Secrets (API
   * keys, `env` values) only with `{ includeSecrets: true }`.
   */
  toConfig(options: ToConfigOptions = {}): BaseSandboxConfig & Record<string, unknown> {
    const o = assertOptions(options, { name: 'toConfig options', known: ['includeSecrets'], backend: this.kind });
    return this.#driver.toConfig({ includeSecrets: o.includeSecrets === true, sandboxId: this.#sandboxId });
  }

  /** `JSON.stringify(sandbox)`: the redacted config. */
  toJSON(): BaseSandboxConfig & Record<string, unknown> {
    return this.toConfig();
  }

  /** `util.inspect(sandbox)` / `console.log(sandbox)`: kind, state, id and the redacted config. */
  [Symbol.for('nodejs.util.inspect.custom')](): Record<string, unknown> {
    return { kind: this.kind, state: this.#lifecycle.state, sandboxId: this.#sandboxId, workDir: this.workDir, config: this.toConfig() };
  }

  /** The driver, for subclasses that expose backend specifics (e.g. `getClient()`). */
  protected get driver(): SandboxDriver {
    return this.#driver;
  }

  /** For subclasses: throws unless the sandbox is ready. @throws NotInitializedError @throws DisposedError */
  protected assertReady(): void {
    this.#assertUsable();
  }

  async #stopDriver(): Promise<void> {
    const wasStarted = this.#sandboxId !== undefined;
    let lastError: unknown;
    try {
      await this.#driver.stop({ wasStarted });
      return;
    } catch (error) {
      lastError = error;
    }
    // SandboxLifecycle lets the next dispose() send the release again.
    throw sanitizeError(lastError, { secrets: this.#driver.secrets, backend: this.kind, operation: 'dispose' });
  }

  async #unwatchEntry(id: string): Promise<void> {
    const known = this.#watchIds.delete(id);
    await this.#registry.unwatch(id);
    if (known) this.#keeper?.end();
  }

  #assertUsable(): void {
    this.#lifecycle.assertReady();
    if (this.#gone) throw this.#gone;
    if (this.#paused) {
      throw new InvalidArgumentError(`The ${this.kind} sandbox is paused.`, { backend: this.kind, hint: 'Call `await sandbox.resume()` first.' });
    }
  }

  async #confine(path: string, operation: string): Promise<void> {
    const confine = this.#driver.fs.confine?.bind(this.#driver.fs);
    if (confine === undefined) return;
    try {
      await confine(path, { followFinal: true });
    } catch (error) {
      throw sanitizeError(error, { secrets: this.#driver.secrets, backend: this.kind, operation });
    }
  }

  async #busy<T>(run: () => Promise<T>): Promise<T> {
    const keeper = this.#keeper;
    if (keeper === undefined) return run();
    keeper.begin();
    try {
      return await run();
    } finally {
      keeper.end();
    }
  }

  async #call<T>(operation: string, run: () => Promise<T>, options: CallOptions = {}): Promise<T> {
    if (options.track !== false) this.#keeper?.touch();
    try {
      return options.idempotent === true ? await withRetry(run, { policy: this.#retry, signal: options.signal ?? this.#running.signal }) : await run();
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (this.#running.signal.aborted && !SandboxError.isInstance(error)) throw this.#disposedDuring(operation);
      throw await this.#failure(error, operation);
    }
  }

  /** Sanitises a failure and, when it may mean the sandbox is gone, asks the driver once. */
  async #failure(error: unknown, operation: string): Promise<SandboxError> {
    const sanitized = sanitizeError(error, { secrets: this.#driver.secrets, backend: this.kind, operation });
    if (this.#gone) return this.#gone;
    if (!MAYBE_GONE.has(sanitized.code) || this.#driver.exists === undefined || this.#sandboxId === undefined) return sanitized;
    if (sanitized.code === 'SANDBOX_NOT_FOUND') return this.#markGone(sanitized);
    let exists = true;
    try {
      exists = await this.#driver.exists();
    } catch {
      return sanitized; // cannot tell: keep the original error
    }
    return exists ? sanitized : this.#markGone(sanitized);
  }

  #markGone(cause: SandboxError): SandboxNotFoundError {
    const lifetime = this.#driver.lifetime;
    this.#gone = new SandboxNotFoundError(`The ${this.kind} sandbox ${this.#sandboxId ?? ''} no longer exists: it expired or was killed elsewhere.`, {
      backend: this.kind,
      ...(this.#sandboxId === undefined ? {} : { sandboxId: this.#sandboxId }),
      retryable: false,
      ...(cause.status === undefined ? {} : { status: cause.status }),
      hint:
        lifetime !== undefined
          ? `A sandbox expires ${Math.round(lifetime.timeoutMs / 1000)} s (\`timeoutMs\`) after its last renewal; keep \`lifecycle.autoRenew\` on, raise \`timeoutMs\`, or call \`renew()\`. Create a new sandbox to go on.`
          : 'Create a new sandbox to go on.',
      cause,
    });
    return this.#gone;
  }

  #disposedDuring(operation: string): DisposedError {
    return new DisposedError(`The ${this.kind} sandbox was disposed during ${operation}.`, { backend: this.kind });
  }

  #watchPort(): WatchPort {
    const port = this.#driver.watchPort;
    const snapshot = port.snapshot.bind(port);
    const stream = port.stream?.bind(port);
    return {
      snapshot: async (request) => {
        try {
          return await snapshot(request);
        } catch (error) {
          if (request.signal?.aborted) throw error;
          throw await this.#failure(error, 'watch snapshot');
        }
      },
      ...(stream === undefined ? {} : { stream: (request) => stream(request) }),
    };
  }
}
