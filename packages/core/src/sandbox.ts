import type { SandboxCapabilities } from './capabilities';
import type { SandboxEndpoints } from './endpoints';
import type { ExecOptions, ExecResult } from './exec';
import type { SandboxFs } from './fs';
import type { SandboxProcesses } from './processes';
import type { SandboxSessions } from './sessions';
import type { WatchConfig, WatchFilesOptions, WatchListener } from './watch';

/** Built-in backend kinds; other strings are allowed for third-party backends. */
export type SandboxKind = 'local' | 'opensandbox' | 'e2b' | (string & {});

/**
 * The fields every backend's config shares. A backend's constructor takes the same object as
 * `SandboxFactory.create`, so `new LocalSandbox(config)` and `SandboxFactory.create(config)` agree.
 */
export interface BaseSandboxConfig {
  /** Which backend builds the sandbox. */
  kind: SandboxKind;
  /** Directory that relative paths and commands start from. Each backend documents its default. */
  workDir?: string;
  /** How `watchFiles` works. */
  watch?: WatchConfig;
}

/** A phase of {@link Sandbox.init}, reported through {@link InitOptions.onProgress}. */
export type InitPhase = 'creating' | 'connecting' | 'waiting' | 'preparing' | 'ready';

/** One progress report of {@link Sandbox.init}. */
export interface InitProgress {
  /** `creating`/`connecting`: asking the backend for the sandbox; `waiting`: until it answers; `preparing`: creating `workDir`; `ready`: done. */
  phase: InitPhase;
  /** Milliseconds since `init()` started. */
  elapsedMs: number;
}

/** Options of {@link Sandbox.init}. */
export interface InitOptions {
  /** Called as `init()` moves through its phases (each at most once, in order). Exceptions it throws are ignored. */
  onProgress?: (progress: InitProgress) => void;
}

/** Options of {@link Sandbox.toConfig}. */
export interface ToConfigOptions {
  /** Include secrets such as the API key. Default `false`: a config is safe to log and persist. */
  includeSecrets?: boolean;
}

/**
 * An isolated place to run commands and touch files. Every backend implements exactly this.
 *
 * Lifecycle: construct (no I/O) → `init()` → use → `dispose()`. Using it before `init()` raises
 * `NotInitializedError`; after `dispose()`, `DisposedError`.
 */
export interface Sandbox extends AsyncDisposable {
  /** The backend kind, e.g. `'local'`. */
  readonly kind: SandboxKind;
  /** Absolute working directory inside the sandbox. */
  readonly workDir: string;
  /** What the backend supports; frozen, JSON-serialisable. */
  readonly capabilities: SandboxCapabilities;
  /** Files. */
  readonly fs: SandboxFs;
  /** Background processes. */
  readonly processes: SandboxProcesses;
  /** Shell sessions whose `cd` and `export` persist (`capabilities.exec.sessions`). */
  readonly sessions: SandboxSessions;
  /** URLs of ports inside the sandbox (`capabilities.endpoints`). */
  readonly endpoints: SandboxEndpoints;
  /**
   * Connects or creates the sandbox and prepares `workDir`. Idempotent; concurrent calls share one
   * attempt (only the first call's `onProgress` is used).
   */
  init(options?: InitOptions): Promise<void>;
  /** The sandbox's id (pass it as `sandboxId` to restore). @throws NotInitializedError before `init()` */
  getSandboxId(): string;
  /** Runs `command` in a shell. A non-zero exit is data; transport failures reject with a `SandboxError`. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /**
   * Watches files and directories; resolves with a watch id once the watch is live. With
   * `watch.mode: 'off'` nothing is registered and the returned id is inert.
   */
  watchFiles(paths: string[], listener: WatchListener, options?: WatchFilesOptions): Promise<string>;
  /** Stops a watch; once it resolves the listener gets nothing more. Idempotent. */
  unwatchFiles(id: string): Promise<void>;
  /**
   * Extends the sandbox's lifetime to `timeoutMs` from now (default: the configured lifetime).
   * Backends that renew on activity do this by themselves; call it to keep an idle sandbox alive.
   * @throws UnsupportedCapabilityError when `capabilities.lifecycle.renew` is false
   * @throws InvalidArgumentError for a bad `timeoutMs`; SandboxNotFoundError when the sandbox is gone
   */
  renew(timeoutMs?: number): Promise<void>;
  /**
   * Freezes the sandbox (`capabilities.lifecycle.pause`): files, background processes and sessions
   * are kept, nothing runs and (on billed backends) compute stops. While paused every call except
   * `resume()`, `dispose()`, `toConfig()` and `getSandboxId()` raises `InvalidArgumentError` with a
   * hint to call `resume()`. Idempotent.
   * @throws UnsupportedCapabilityError; InvalidArgumentError while a command runs or a watch is open;
   * NotInitializedError, DisposedError, SandboxNotFoundError, transport errors
   */
  pause(): Promise<void>;
  /**
   * Thaws a paused sandbox; everything kept by `pause()` runs on. Idempotent (a running sandbox is
   * left as is).
   * @throws UnsupportedCapabilityError, NotInitializedError, DisposedError, SandboxNotFoundError, transport errors
   */
  resume(): Promise<void>;
  /** Closes every watch, then releases (and, per the backend's policy, destroys) the sandbox. Idempotent. */
  dispose(): Promise<void>;
  /** A JSON-safe config that restores this sandbox (carries `sandboxId`); secrets omitted unless asked. */
  toConfig(options?: ToConfigOptions): BaseSandboxConfig & Record<string, unknown>;
}
