import { DisposedError, NotInitializedError } from './errors/error-classes';

/** Where a sandbox is in its life. */
export type SandboxLifecycleState = 'new' | 'initializing' | 'ready' | 'disposing' | 'disposed';

/**
 * The init/dispose state machine every backend needs, so each one gets the contract's rules the
 * same way: `init` is idempotent and concurrent calls share one attempt (a failed attempt may be
 * retried); `dispose` is idempotent and wins over a pending `init`; `assertReady` raises
 * `NotInitializedError` or `DisposedError`.
 */
export class SandboxLifecycle {
  private current: SandboxLifecycleState = 'new';
  private initializing: Promise<void> | undefined;
  private disposing: Promise<void> | undefined;

  /** @param backend backend kind, used in error messages */
  constructor(private readonly backend: string) {}

  /** The current state. */
  get state(): SandboxLifecycleState {
    return this.current;
  }

  /** Runs `start` once; later calls return the same promise. @throws DisposedError after dispose */
  init(start: () => Promise<void>): Promise<void> {
    if (this.current === 'ready') return Promise.resolve();
    if (this.current === 'disposing' || this.current === 'disposed') return Promise.reject(this.disposedError());
    this.initializing ??= (async () => {
      this.current = 'initializing';
      try {
        await start();
      } catch (error) {
        this.initializing = undefined;
        if (this.current === 'initializing') this.current = 'new';
        throw error;
      }
      if (this.current === 'initializing') this.current = 'ready';
    })();
    return this.initializing;
  }

  /** Throws unless the sandbox is ready. @throws NotInitializedError @throws DisposedError */
  assertReady(): void {
    if (this.current === 'ready') return;
    if (this.current === 'disposing' || this.current === 'disposed') throw this.disposedError();
    throw new NotInitializedError(`The ${this.backend} sandbox is not initialised.`, {
      backend: this.backend,
      hint: 'Call `await sandbox.init()` before using it, or create it with `SandboxFactory.createAsync(config)`.',
    });
  }

  /**
   * Runs `stop` once (it receives whether `init` had completed); later calls return the same
   * promise. Waits for a pending `init` to settle first. When `stop` fails the state is still
   * `disposed`, but the next call runs `stop` again (so a failed release, e.g. one 503 on a
   * delete, can be retried instead of leaking the sandbox).
   */
  dispose(stop: (wasReady: boolean) => Promise<void>): Promise<void> {
    this.disposing ??= (async () => {
      const pending = this.initializing;
      this.current = 'disposing';
      if (pending) await pending.catch(() => undefined);
      const wasReady = pending !== undefined;
      try {
        await stop(wasReady);
      } catch (error) {
        this.disposing = undefined;
        throw error;
      } finally {
        this.current = 'disposed';
      }
    })();
    return this.disposing;
  }

  private disposedError(): DisposedError {
    return new DisposedError(`The ${this.backend} sandbox has been disposed.`, {
      backend: this.backend,
      hint: 'Create a new sandbox, or restore this one from its config (toConfig()).',
    });
  }
}
