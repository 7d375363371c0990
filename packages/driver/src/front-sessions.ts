import {
  assertCapability,
  DisposedError,
  FileNotFoundError,
  InvalidArgumentError,
  resolveSandboxPath,
  type CreateSessionOptions,
  type ExecOptions,
  type ExecResult,
  type ExecSession,
  type SandboxSessions,
} from '@kode/core';
import { assertOptions, checkEnv } from './arguments';
import type { FrontContext } from './driver-sandbox';
import type { DriverSessions } from './sandbox-driver';

/**
 * The contract's session rules over a driver's `DriverSessions`: capability gate, argument checks,
 * `cwd` resolution (must be an existing directory), one command at a time per session, and for
 * each command the very machinery of `sandbox.exec` (checks, timeouts, abort, output caps).
 * See docs/decisions/0150-shell-sessions.md.
 */
export class FrontSessions implements SandboxSessions {
  readonly #ctx: FrontContext;
  readonly #open = new Set<FrontSession>();

  /** @internal built by `DriverSandbox` */
  constructor(context: FrontContext) {
    this.#ctx = context;
  }

  /**
   * Starts a shell session in `cwd` (default `workDir`) with `env` exported. Never retried.
   * @throws UnsupportedCapabilityError (`exec.sessions` absent), InvalidArgumentError,
   * FileNotFoundError (cwd missing or not a directory), NotInitializedError, DisposedError
   */
  async create(options?: CreateSessionOptions): Promise<ExecSession> {
    const backend = this.#ctx.backend;
    const driver = this.#driver();
    const o = assertOptions(options, { name: 'sessions.create options', known: ['cwd', 'env'], backend });
    const env = checkEnv(o.env, { name: 'sessions.create env', backend });
    if (o.cwd !== undefined && typeof o.cwd !== 'string') throw new InvalidArgumentError('sessions.create cwd must be a string.', { backend });
    this.#ctx.assertUsable();
    const cwd = resolveSandboxPath(this.#ctx.workDir(), (o.cwd) ?? '.');
    await this.#checkDirectory(cwd, 'sessions.create cwd');
    const { id } = await this.#ctx.call('sessions.create', () => driver.create({ cwd, env }));
    const session = new FrontSession(id, {
      exec: (command, execOptions) =>
        this.#ctx.runExec(command, execOptions, {
          name: 'session.exec',
          defaultCwd: false,
          checkCwd: (dir) => this.#checkDirectory(dir, 'session.exec cwd'),
          run: (request) => driver.exec(id, request),
        }),
      close: async () => {
        this.#open.delete(session);
        await this.#ctx.call(`session.close ${id}`, () => driver.close(id), { idempotent: true });
      },
      backend,
    });
    this.#open.add(session);
    return session;
  }

  /**
   * Marks every open session disposed (their `exec` raises `DisposedError` from now on, their
   * `close()` resolves) and, when `release`, closes their shells, ignoring failures. Used by
   * `dispose()`, which passes `release: false` for a paused sandbox (its shells go with it). @internal
   */
  async closeAll(options: { release: boolean }): Promise<void> {
    const open = [...this.#open];
    this.#open.clear();
    for (const session of open) session.markDisposed();
    const driver = this.#ctx.driver.sessions;
    if (driver === undefined || !options.release) return;
    await Promise.all(open.map((session) => driver.close(session.id).catch(() => undefined)));
  }

  async #checkDirectory(path: string, operation: string): Promise<void> {
    const fs = this.#ctx.driver.fs;
    const confine = fs.confine?.bind(fs);
    if (confine !== undefined) await this.#ctx.call(operation, () => confine(path, { followFinal: true }), { track: false });
    const stat = await this.#ctx.call(operation, () => fs.stat(path), { idempotent: true, track: false });
    if (stat.type === 'file') {
      throw new FileNotFoundError(`${operation} ${path} is not a directory.`, { backend: this.#ctx.backend, path });
    }
  }

  #driver(): DriverSessions {
    assertCapability(this.#ctx.driver.capabilities, 'exec.sessions', this.#ctx.backend);
    const sessions = this.#ctx.driver.sessions;
    if (sessions === undefined) throw new InvalidArgumentError(`The ${this.#ctx.backend} driver has no sessions.`, { backend: this.#ctx.backend });
    return sessions;
  }
}

/** What a {@link FrontSession} delegates to its {@link FrontSessions}. */
interface SessionOps {
  exec(command: string, options: ExecOptions | undefined): Promise<ExecResult>;
  close(): Promise<void>;
  backend: string;
}

/**
 * One session handed out by {@link FrontSessions.create}. Commands run one at a time, in call order.
 * After the sandbox's `dispose()` it is a handle of a disposed sandbox: `exec` raises
 * `DisposedError` (docs/contract.md, rules 11 and 24; docs/decisions/0195-sessions-after-dispose.md).
 */
class FrontSession implements ExecSession {
  readonly id: string;
  readonly #ops: SessionOps;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #disposed = false;

  constructor(id: string, ops: SessionOps) {
    this.id = id;
    this.#ops = ops;
  }

  /**
   * Runs `command` in this session after the commands called before it; same options and
   * results as `sandbox.exec`. See {@link ExecSession.exec}.
   * @throws InvalidArgumentError when the session is closed; DisposedError after (or queued at)
   * the sandbox's `dispose()`; everything `sandbox.exec` throws
   */
  exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    const run = async (): Promise<ExecResult> => {
      if (this.#disposed) {
        throw new DisposedError(`The ${this.#ops.backend} sandbox has been disposed, and session ${this.id} with it.`, {
          backend: this.#ops.backend,
          hint: 'Create a new sandbox, or restore this one from its config (toConfig()), and a new session in it.',
        });
      }
      if (this.#closed) {
        throw new InvalidArgumentError(`Session ${this.id} is closed.`, { backend: this.#ops.backend, hint: 'Create a new session with sandbox.sessions.create().' });
      }
      return this.#ops.exec(command, options);
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Ends the session's shell. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#ops.close();
  }

  /** @internal the sandbox was disposed (its `dispose()` closes the shell) */
  markDisposed(): void {
    this.#closed = true;
    this.#disposed = true;
  }
}
