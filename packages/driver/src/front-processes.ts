import {
  assertCapability,
  assertCommand,
  DisposedError,
  InvalidArgumentError,
  resolveSandboxPath,
  type ProcessOutput,
  type ProcessOutputOptions,
  type ProcessSignal,
  type ProcessStatus,
  type SandboxProcesses,
  type StartedProcess,
  type StartProcessOptions,
  type WaitProcessOptions,
} from '@kode/core';
import { assertOptions, checkCount, checkEnv, checkSignal, checkTimeMs } from './arguments';
import type { FrontContext } from './driver-sandbox';
import type { DriverProcesses } from './sandbox-driver';

const SIGNALS: readonly ProcessSignal[] = ['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP'];

/** How long `dispose()` waits for `processes.start` calls in flight to settle, in ms. */
export const START_SETTLE_TIMEOUT_MS = 10_000;

/**
 * The contract's background-process rules over a driver's `DriverProcesses`: capability gate,
 * argument checks, `cwd` resolution, retries of reads, waits counted as activity. `start` is never
 * retried.
 */
export class FrontProcesses implements SandboxProcesses {
  readonly #ctx: FrontContext;
  /** `start` calls whose driver request is in flight; each settles after its own clean-up. */
  readonly #starting = new Set<Promise<void>>();

  /** @internal built by `DriverSandbox` */
  constructor(context: FrontContext) {
    this.#ctx = context;
  }

  /**
   * Starts `command` detached; returns once it runs. When `dispose()` begins while the start is
   * in flight, the process it started is killed (SIGKILL, whole tree) and the call rejects with
   * `DisposedError`: no process outlives the sandbox through a start that raced `dispose()`.
   * @throws UnsupportedCapabilityError, InvalidArgumentError, FileNotFoundError (cwd), DisposedError
   */
  async start(command: string, options?: StartProcessOptions): Promise<StartedProcess> {
    const backend = this.#ctx.backend;
    const driver = this.#driver();
    assertCommand(command, { name: 'processes.start command', backend });
    const o = assertOptions(options, { name: 'processes.start options', known: ['cwd', 'env'], backend });
    const env = checkEnv(o.env, { name: 'processes.start env', backend });
    if (o.cwd !== undefined && typeof o.cwd !== 'string') throw new InvalidArgumentError('processes.start cwd must be a string.', { backend });
    this.#ctx.assertUsable();
    const cwd = resolveSandboxPath(this.#ctx.workDir(), (o.cwd) ?? '.');
    const confine = this.#ctx.driver.fs.confine?.bind(this.#ctx.driver.fs);
    if (confine !== undefined) await this.#ctx.call('processes.start cwd', () => confine(cwd, { followFinal: true }), { track: false });
    this.#ctx.assertUsable(); // dispose() may have begun during the cwd check: start nothing then
    let settle = (): void => undefined;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this.#starting.add(settled);
    try {
      const started = await this.#ctx.call('processes.start', () => driver.start({ command, cwd, env }));
      if (this.#ctx.disposing?.aborted === true) {
        await driver.kill(started.id, 'SIGKILL').catch(() => undefined);
        throw new DisposedError(`The ${this.#ctx.backend} sandbox was disposed during processes.start; the process it started was killed.`, {
          backend: this.#ctx.backend,
        });
      }
      return started;
    } finally {
      this.#starting.delete(settled);
      settle();
    }
  }

  /**
   * For `dispose()`, after it aborted `disposing`: resolves once every `start` in flight has
   * settled (and killed what it started), or after `timeoutMs` (a start still in flight then kills
   * its process when it completes). Never rejects.
   * @internal
   */
  async settleStarts(timeoutMs: number = START_SETTLE_TIMEOUT_MS): Promise<void> {
    if (this.#starting.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    try {
      await Promise.race([Promise.all(this.#starting), bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Output since `cursor` (byte offset; default 0). @throws InvalidArgumentError for an unknown id or a bad cursor */
  async output(id: string, options?: ProcessOutputOptions): Promise<ProcessOutput> {
    const backend = this.#ctx.backend;
    const driver = this.#driver();
    this.#checkId(id);
    const o = assertOptions(options, { name: 'processes.output options', known: ['cursor'], backend });
    const cursor = checkCount(o.cursor, { name: 'processes.output cursor', backend }) ?? 0;
    this.#ctx.assertUsable();
    return this.#ctx.call(`processes.output ${id}`, () => driver.output(id, { cursor }), { idempotent: true });
  }

  /**
   * Resolves when the process exits, or after `timeoutMs` with `running: true`. Aborting stops
   * waiting (the process runs on) and rejects with `signal.reason`. Counts as activity.
   */
  async wait(id: string, options?: WaitProcessOptions): Promise<ProcessStatus> {
    const backend = this.#ctx.backend;
    const driver = this.#driver();
    this.#checkId(id);
    const o = assertOptions(options, { name: 'processes.wait options', known: ['timeoutMs', 'signal'], backend });
    const timeoutMs = checkTimeMs(o.timeoutMs, { name: 'processes.wait timeoutMs', backend }) ?? 0;
    const signal = checkSignal(o.signal, { name: 'processes.wait signal', backend });
    this.#ctx.assertUsable();
    if (signal?.aborted) throw signal.reason;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.#ctx.busy(() =>
        this.#ctx.call(`processes.wait ${id}`, () => driver.wait(id, { timeoutMs, signal: controller.signal }), { idempotent: true, signal }),
      );
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Signals the whole tree (default SIGTERM, then SIGKILL after a grace period). Idempotent. */
  async kill(id: string, signal: ProcessSignal = 'SIGTERM'): Promise<void> {
    const driver = this.#driver();
    this.#checkId(id);
    if (!SIGNALS.includes(signal)) {
      throw new InvalidArgumentError(`processes.kill signal must be one of ${SIGNALS.join(', ')}, got ${String(signal)}.`, { backend: this.#ctx.backend });
    }
    this.#ctx.assertUsable();
    await this.#ctx.call(`processes.kill ${id}`, () => driver.kill(id, signal), { idempotent: true });
  }

  /** Every process the backend still knows, running or finished. */
  async list(): Promise<ProcessStatus[]> {
    const driver = this.#driver();
    this.#ctx.assertUsable();
    return this.#ctx.call('processes.list', () => driver.list(), { idempotent: true });
  }

  #driver(): DriverProcesses {
    assertCapability(this.#ctx.driver.capabilities, 'processes.background', this.#ctx.backend);
    const processes = this.#ctx.driver.processes;
    if (processes === undefined) throw new InvalidArgumentError(`The ${this.#ctx.backend} driver has no processes.`, { backend: this.#ctx.backend });
    return processes;
  }

  #checkId(id: unknown): void {
    if (typeof id !== 'string' || id === '') throw new InvalidArgumentError('process id must be a non-empty string.', { backend: this.#ctx.backend });
  }
}
