import type {
  BaseSandboxConfig,
  DirEntry,
  FileStat,
  InitPhase,
  ProcessOutput,
  ProcessSignal,
  ProcessStatus,
  SandboxCapabilities,
  SandboxKind,
  WatchConfig,
} from '@kode/core';
import type { NativeWatchFactory, WatchPort } from '@kode/watch';

/**
 * The driver specification version this package implements. A driver states the version it was
 * written for in `specificationVersion`; the front refuses any other, so the interface can evolve
 * without silently mis-calling an old driver.
 */
export const DRIVER_SPECIFICATION_VERSION = 'v1';

/** What {@link SandboxDriverV1.exec} runs. Everything is already validated and resolved by the front. */
export interface DriverExecRequest {
  /** Non-empty command line for `bash -c` (no NUL, at most `MAX_COMMAND_BYTES`). */
  command: string;
  /** Absolute working directory. The driver raises `FileNotFoundError` when it does not exist. */
  cwd: string;
  /** Extra environment variables (validated names and values), or `undefined`. */
  env: Record<string, string> | undefined;
  /**
   * Milliseconds after which the driver kills the whole process tree and resolves with
   * `timedOut: true`; `0` = no limit. The front also arms a fallback deadline a few seconds later
   * that aborts `signal`.
   */
  timeoutMs: number;
  /**
   * Aborted when the caller aborts, the sandbox is disposed or the fallback deadline passes. The
   * driver then kills the process tree and settles promptly (resolve or reject; the front decides
   * what the caller sees).
   */
  signal: AbortSignal;
  /**
   * Bytes the front keeps per stream. The front enforces it; a driver may use it to bound its own
   * transport buffers (e.g. cut one enormous output line) and then reports `truncated`.
   */
  maxOutputBytes: number;
  /** Output sinks: call with each chunk as it arrives (text or bytes). The front caps, buffers and forwards. */
  onStdout: (chunk: string | Uint8Array) => void;
  /** See `onStdout`. */
  onStderr: (chunk: string | Uint8Array) => void;
}

/** How a command ended. A non-zero exit is data; transport failures reject instead. */
export interface DriverExecResult {
  /** Exit code (0..255, `128 + n` for death by signal `n`). Ignored when `timedOut`. */
  code: number;
  /** True when the driver killed the command for running past `timeoutMs`. */
  timedOut: boolean;
  /** True when the driver dropped output itself (see `DriverExecRequest.maxOutputBytes`). */
  truncated?: boolean;
}

/** What `DriverFs.files` lists: regular files only, as POSIX paths relative to the root. */
export interface DriverFileList {
  /** Paths relative to the root, in any order; symlinks are neither listed nor followed. */
  files: string[];
}

/** What the front will select from `DriverFs.files`' answer. */
export interface DriverFilesHint {
  /** The glob pattern, normalised and relative to the root (POSIX, no leading `./`). */
  pattern: string;
  /** Ignore patterns relative to the root: no match lies in a directory one of them matches. */
  ignore: readonly string[];
}

/**
 * Files. Every path is absolute and normalised by the front. Missing paths raise
 * `FileNotFoundError` (also when a parent is a regular file: ENOTDIR counts as missing).
 */
export interface DriverFs {
  /** A file's bytes. A directory raises `InvalidArgumentError`. */
  readBytes(path: string): Promise<Uint8Array>;
  /** Replaces a file (atomically where the backend can), creating parent directories. Idempotent. */
  write(path: string, data: Uint8Array): Promise<void>;
  /** `lstat`: a link is reported as `symlink`, not followed. */
  stat(path: string): Promise<FileStat>;
  /** Entries of a directory (all descendants with `recursive`), in any order; the front sorts. */
  list(path: string, options: { recursive: boolean }): Promise<DirEntry[]>;
  /** Creates a directory that does not exist yet (parents too with `recursive`). */
  mkdir(path: string, options: { recursive: boolean }): Promise<void>;
  /**
   * Removes an entry the front has just `stat`ed: `type` is what `stat` said (a directory is only
   * passed when the caller asked for `recursive`).
   */
  remove(path: string, options: { type: FileStat['type'] }): Promise<void>;
  /** Moves `from` to `to`, replacing a non-directory at `to`, creating `to`'s parents. A directory at `to` raises `InvalidArgumentError`. */
  rename(from: string, to: string): Promise<void>;
  /**
   * Regular files below `root` for `glob` (one round trip on remote backends); a missing root gives
   * `[]`. `hint` says what the front will select; a driver may use it to skip directories that
   * cannot hold a match (listing more is always correct), never to select.
   */
  files(root: string, hint?: DriverFilesHint): Promise<DriverFileList>;
  /** An existing directory where `temp()` hands out fresh paths. */
  tempDir(): string;
  /**
   * Confined backends only: raises `PathOutsideSandboxError` when `path` (real path, symlinks
   * resolved; `followFinal` follows a link in the last component) leaves the sandbox. Called by the
   * front before every fs operation and for every `cwd` and watched path.
   */
  confine?(path: string, options: { followFinal: boolean }): Promise<void>;
  /** Lexical form of `confine` for `fs.isInside`; default `true`. */
  isInside?(path: string): boolean;
  /**
   * Present when `capabilities.fs.streaming`: opens a file for reading in chunks, holding O(chunk)
   * memory. Resolves once the file is open, so a missing path (`FileNotFoundError`) or a directory
   * (`InvalidArgumentError`) is raised before any byte; `size` when the backend knows it. Aborting
   * `signal` errors the stream; the front cancels it when the caller stops early.
   */
  openReadStream?(path: string, options: { signal: AbortSignal }): Promise<DriverReadStream>;
  /**
   * Present when `capabilities.fs.streaming`: writes `source` to `path` (a fresh temporary name the
   * front picked next to the target; it renames it and removes it on failure), creating parent
   * directories, pulling one chunk at a time. Rejects when `source` throws or `signal` aborts; may
   * leave a partial file at `path`. Never retried.
   */
  writeStream?(path: string, source: AsyncIterable<Uint8Array>, options: { signal: AbortSignal }): Promise<void>;
}

/** What {@link DriverFs.openReadStream} opened. */
export interface DriverReadStream {
  /** The file's bytes; the front reads it to the end or cancels it. */
  stream: ReadableStream<Uint8Array>;
  /** The file's size in bytes, when known. */
  size?: number;
}

/** What {@link DriverProcesses.start} runs (validated and resolved by the front). */
export interface DriverStartRequest {
  command: string;
  cwd: string;
  env: Record<string, string> | undefined;
}

/** Background processes; ids are the driver's own. Unknown ids raise `InvalidArgumentError`. */
export interface DriverProcesses {
  /** Starts `command` detached and returns its id once it runs. Never retried. */
  start(request: DriverStartRequest): Promise<{ id: string }>;
  /** Output since `cursor` (a byte offset). Idempotent. */
  output(id: string, options: { cursor: number }): Promise<ProcessOutput>;
  /**
   * Resolves when the process exits, or after `timeoutMs` (`0`: no limit) with its current status;
   * an abort of `signal` stops waiting (the front rejects with the reason).
   */
  wait(id: string, options: { timeoutMs: number; signal: AbortSignal }): Promise<ProcessStatus>;
  /** Signals the whole process tree; a finished process is a no-op. */
  kill(id: string, signal: ProcessSignal): Promise<void>;
  /** Every process the backend still knows. */
  list(): Promise<ProcessStatus[]>;
}

/** What {@link DriverSessions.exec} runs: like {@link DriverExecRequest}, but `cwd` is optional. */
export interface DriverSessionExecRequest extends Omit<DriverExecRequest, 'cwd'> {
  /**
   * Absolute directory (checked to exist by the front) the session changes to before the command;
   * it stays the session's directory, like `cd`. `undefined`: the session's current directory.
   * `env` applies to this command only.
   */
  cwd: string | undefined;
}

/**
 * Shell sessions (`capabilities.exec.sessions`): a session's exported variables and working
 * directory persist from one command to the next; sessions are independent. The front runs one
 * command per session at a time. Unknown ids raise `InvalidArgumentError`.
 */
export interface DriverSessions {
  /** Starts a session in `cwd` (an existing absolute directory) with `env` exported. Never retried. */
  create(request: { cwd: string; env: Record<string, string> | undefined }): Promise<{ id: string }>;
  /** Runs one command in the session, with the same duties as {@link SandboxDriverV1.exec}. Never retried. */
  exec(id: string, request: DriverSessionExecRequest): Promise<DriverExecResult>;
  /** Ends the session and frees its resources. Idempotent: an unknown or closed id is a no-op. */
  close(id: string): Promise<void>;
}

/** Where a port inside the sandbox is reached from the caller (`capabilities.endpoints`). */
export interface DriverEndpoint {
  /** Absolute URL with scheme, no trailing slash. */
  url: string;
  /** Headers every request must carry (`{}` when none). */
  headers: Record<string, string>;
}

/** What {@link SandboxDriverV1.start} may report while it works. */
export interface DriverStartContext {
  /** Report a phase (`creating`, `connecting`, `waiting`, `preparing`); the front adds `ready` and timing. */
  progress(phase: Exclude<InitPhase, 'ready'>): void;
}

/** Lifetime of a sandbox that expires unless renewed. */
export interface DriverLifetime {
  /** The lifetime in ms that activity renews (the sandbox expires this long after the last renew). */
  timeoutMs: number;
  /** Renew on activity (default on; `lifecycle.autoRenew: false` turns it off). */
  autoRenew: boolean;
}

/**
 * A backend, reduced to what differs between backends. `DriverSandbox` (the front) owns every rule
 * of the contract (docs/contract.md): argument checks, lifecycle, path resolution, sorting, glob
 * selection, watch wiring, timeouts, abort, output caps, error redaction, retries of idempotent
 * calls, lifetime renewal. A driver does I/O and maps its failures to `SandboxError`s (with
 * `status`, `retryable` and `retryAfterMs` telling the truth), nothing else.
 *
 * Methods are only called between a successful `start` and `stop`. All paths are absolute.
 */
export interface SandboxDriverV1 {
  /** Always `'v1'` for this interface. */
  readonly specificationVersion: 'v1';
  /** Backend kind, e.g. `'opensandbox'`. */
  readonly kind: SandboxKind;
  /** Frozen capabilities (`defineCapabilities`). */
  readonly capabilities: SandboxCapabilities;
  /** Absolute working directory; may change during `start` (e.g. to its real path). */
  readonly workDir: string;
  /** Default per-command timeout in ms (`0` = none). */
  readonly execTimeoutMs: number;
  /** The resolved `watch` block of the config. */
  readonly watch: WatchConfig;
  /** Values that must never appear in an error, log or printed object (API keys, env values). */
  readonly secrets: ReadonlyArray<string | undefined>;
  /** Set when the sandbox expires unless renewed (`capabilities.lifecycle.renew`). */
  readonly lifetime?: DriverLifetime;
  /** Files. */
  readonly fs: DriverFs;
  /** Background processes; absent when `capabilities.processes.background` is false. */
  readonly processes?: DriverProcesses;
  /** What the watch strategies need (snapshot, and `stream` for native watch). */
  readonly watchPort: WatchPort;
  /**
   * The backend's own native watch (e.g. E2B's `watchDir` stream), used for `watch.mode: 'native'`
   * instead of the built-in inotifywait strategy over `watchPort.stream`. Optional.
   */
  readonly nativeWatch?: NativeWatchFactory;
  /** Creates or connects the sandbox and prepares `workDir`; returns the sandbox id. Cleans up after itself when it fails. */
  start(context: DriverStartContext): Promise<{ sandboxId: string }>;
  /** Releases (and per the backend's policy destroys) the sandbox. `wasStarted` is false when `start` never succeeded. May be called again after it failed. */
  stop(options: { wasStarted: boolean }): Promise<void>;
  /** Runs one command; see {@link DriverExecRequest}. Never retried. */
  exec(request: DriverExecRequest): Promise<DriverExecResult>;
  /** Shell sessions; present when `capabilities.exec.sessions`. */
  readonly sessions?: DriverSessions;
  /** Where `port` (1..65535) is reached from the caller; present when `capabilities.endpoints`. Idempotent. */
  endpoint?(port: number): Promise<DriverEndpoint>;
  /** Freezes the sandbox (files, processes and sessions kept); present when `capabilities.lifecycle.pause`. */
  pause?(): Promise<void>;
  /** Thaws a sandbox `pause` froze; present when `capabilities.lifecycle.pause`. */
  resume?(): Promise<void>;
  /** Extends the lifetime to `timeoutMs` from now; present when `capabilities.lifecycle.renew`. */
  renew?(timeoutMs: number): Promise<void>;
  /**
   * Whether the sandbox still exists, asked (at most once per failed call) after a call failed
   * with a connection or backend error, so a gone sandbox surfaces as `SandboxNotFoundError`.
   * One request.
   */
  exists?(): Promise<boolean>;
  /** The config that restores this sandbox (JSON-safe); secrets only with `includeSecrets`. */
  toConfig(options: { includeSecrets: boolean; sandboxId: string | undefined }): BaseSandboxConfig & Record<string, unknown>;
}

/** Any driver version the front understands. */
export type SandboxDriver = SandboxDriverV1;
