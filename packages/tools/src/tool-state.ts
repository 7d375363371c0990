import { hasCapability, InvalidArgumentError, type ExecSession, type Sandbox } from '@kode/core';
import { ReadTracker, type ReadTrackerOptions } from './read-tracker';
import { DEFAULT_TOOL_SETTINGS, type ToolSettings } from './tool-settings';

/** Options of {@link createToolState}. */
export interface ToolStateOptions {
  /** The sandbox this state belongs to; tool calls with another sandbox are rejected. */
  sandbox: Sandbox;
  /**
   * Enable the read-before-write tracker: `true` for defaults, or its options (without `sandbox`).
   * Default `false`: writes are not checked.
   */
  trackReads?: boolean | Omit<ReadTrackerOptions, 'sandbox'>;
  /** Overrides of {@link DEFAULT_TOOL_SETTINGS}. */
  settings?: Partial<ToolSettings>;
}

/**
 * What the tools remember about one sandbox between calls: the `bash_logs` cursor of each
 * background process, the optional {@link ReadTracker}, and settings. Create one per sandbox
 * (per agent session) and pass it as `context.state`; nothing is kept in module globals.
 * Call {@link dispose} when done (idempotent; it stops the tracker's watches).
 */
export class ToolState {
  /** The sandbox this state belongs to. */
  readonly sandbox: Sandbox;
  /** Effective settings (defaults merged with overrides). Frozen. */
  readonly settings: Readonly<ToolSettings>;
  /** The read-before-write tracker, when enabled. */
  readonly tracker: ReadTracker | undefined;
  private readonly cursors = new Map<string, number>();
  private session: Promise<ExecSession> | undefined;
  private disposed = false;

  constructor(options: ToolStateOptions) {
    this.sandbox = options.sandbox;
    this.settings = Object.freeze({ ...DEFAULT_TOOL_SETTINGS, ...options.settings });
    const track = options.trackReads ?? false;
    this.tracker = track === false ? undefined : new ReadTracker({ ...(track === true ? {} : track), sandbox: options.sandbox });
  }

  /** The `bash_logs` cursor of background process `id` (0 before the first call). */
  logCursor(id: string): number {
    return this.cursors.get(id) ?? 0;
  }

  /** Stores the cursor `bash_logs` reached for process `id`. */
  setLogCursor(id: string, cursor: number): void {
    this.cursors.set(id, cursor);
  }

  /** Forgets the cursor of process `id` (after it was killed and fully read). */
  forgetProcess(id: string): void {
    this.cursors.delete(id);
  }

  /**
   * The shell session foreground `bash_run` commands share, created on first use; `undefined`
   * when `settings.bashSessions` is off, the sandbox does not declare `exec.sessions`, or this
   * state is disposed. A session that failed to start is not kept (the next call tries again).
   * @throws what `sandbox.sessions.create()` throws
   */
  async shellSession(): Promise<ExecSession | undefined> {
    if (this.disposed || !this.settings.bashSessions || !hasCapability(this.sandbox.capabilities, 'exec.sessions')) return undefined;
    if (this.session === undefined) {
      const created = this.sandbox.sessions.create();
      this.session = created;
      created.catch(() => {
        if (this.session === created) this.session = undefined;
      });
    }
    return this.session;
  }

  /** Forgets the shared shell session (e.g. after the sandbox refused it); the next call starts a new one. */
  resetShellSession(): void {
    const session = this.session;
    this.session = undefined;
    void session?.then((s) => s.close()).catch(() => undefined);
  }

  /** Stops the tracker's watches and closes the shared shell session. Idempotent. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const session = this.session;
    this.session = undefined;
    await this.tracker?.dispose();
    await session?.then((s) => s.close()).catch(() => undefined);
  }
}

/** Creates the per-sandbox {@link ToolState}. No I/O. */
export function createToolState(options: ToolStateOptions): ToolState {
  if (typeof options !== 'object' || options === null || typeof options.sandbox !== 'object') {
    throw new InvalidArgumentError('createToolState needs { sandbox }.');
  }
  return new ToolState(options);
}
