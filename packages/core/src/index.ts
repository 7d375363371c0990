export {
  assertCapability,
  defineCapabilities,
  hasCapability,
  type CapabilityPath,
  type SandboxCapabilities,
} from './capabilities';
export {
  AuthenticationFailedError,
  BackendError,
  ConnectionFailedError,
  createSandboxError,
  DisposedError,
  FileNotFoundError,
  ImagePullFailedError,
  InvalidArgumentError,
  NotInitializedError,
  PathOutsideSandboxError,
  RateLimitedError,
  ReadyTimeoutError,
  RequestTimeoutError,
  SandboxNotFoundError,
  SandboxStartFailedError,
  UnsupportedCapabilityError,
} from './errors/error-classes';
export { RETRYABLE_ERROR_CODES, SANDBOX_ERROR_CODES, type SandboxErrorCode } from './errors/error-codes';
export { sanitizeCause, sanitizeError } from './errors/sanitize-error';
export { hasErrorCode, SandboxError, type SandboxErrorOptions } from './errors/sandbox-error';
export {
  DEFAULT_EXEC_TIMEOUT_MS,
  DEFAULT_MAX_OUTPUT_BYTES,
  TIMEOUT_EXIT_CODE,
  type ExecOptions,
  type ExecResult,
} from './exec';
export type {
  ByteSource,
  DirEntry,
  FileStat,
  FileType,
  GlobOptions,
  ListOptions,
  MkdirOptions,
  ReadStreamOptions,
  RmOptions,
  SandboxFs,
  StreamProgress,
  WriteStreamOptions,
} from './fs';
export {
  normalizeGlobPattern,
  selectGlobMatches,
  type GlobMatcherFactory,
  type GlobSelectOptions,
} from './glob-select';
export { assertCommand, assertTimeMs, clampTimerMs, describe, MAX_COMMAND_BYTES, MAX_TIMER_MS, type TimeMsCheck } from './limits';
export { OutputBuffer } from './output-buffer';
export { assertValidPath, isPathInside, normalizePosixPath, relativePosixPath, resolveSandboxPath } from './paths';
export type {
  ProcessOutput,
  ProcessOutputOptions,
  ProcessSignal,
  ProcessStatus,
  SandboxProcesses,
  StartedProcess,
  StartProcessOptions,
  WaitProcessOptions,
} from './processes';
export { redactSecrets } from './redact';
export type { CreateSessionOptions, ExecSession, SandboxSessions } from './sessions';
export type { SandboxEndpoint, SandboxEndpoints } from './endpoints';
export type { BaseSandboxConfig, InitOptions, InitPhase, InitProgress, Sandbox, SandboxKind, ToConfigOptions } from './sandbox';
export { SandboxFactory, type SandboxBackendRegistration, type SandboxFactoryConfig } from './sandbox-factory';
export { SandboxLifecycle, type SandboxLifecycleState } from './sandbox-lifecycle';
export { quoteShellArg, shellCommand } from './shell-quote';
export type {
  WatchConfig,
  WatchEvent,
  WatchEventType,
  WatchFilesOptions,
  WatchListener,
  WatchMode,
} from './watch';
