/**
 * `@kode/opensandbox`: the OpenSandbox backend of the KODE sandbox layer, plus the whole
 * `@kode/core` API (so installing this one package is enough).
 *
 * Importing this module registers `kind: 'opensandbox'` with `SandboxFactory` (a side effect).
 */
import { SandboxFactory, type BaseSandboxConfig } from '@kode/core';
import { OpenSandbox } from './open-sandbox';
import type { OpenSandboxOptions } from './options';

export {
  AuthenticationFailedError,
  BackendError,
  ConnectionFailedError,
  DEFAULT_EXEC_TIMEOUT_MS,
  DEFAULT_MAX_OUTPUT_BYTES,
  DisposedError,
  FileNotFoundError,
  ImagePullFailedError,
  InvalidArgumentError,
  NotInitializedError,
  OutputBuffer,
  PathOutsideSandboxError,
  RateLimitedError,
  ReadyTimeoutError,
  RequestTimeoutError,
  RETRYABLE_ERROR_CODES,
  SANDBOX_ERROR_CODES,
  SandboxError,
  SandboxFactory,
  SandboxLifecycle,
  SandboxNotFoundError,
  SandboxStartFailedError,
  TIMEOUT_EXIT_CODE,
  MAX_COMMAND_BYTES,
  MAX_TIMER_MS,
  UnsupportedCapabilityError,
  assertCapability,
  assertCommand,
  assertTimeMs,
  assertValidPath,
  clampTimerMs,
  describe,
  sanitizeCause,
  sanitizeError,
  createSandboxError,
  defineCapabilities,
  hasCapability,
  hasErrorCode,
  isPathInside,
  normalizeGlobPattern,
  normalizePosixPath,
  quoteShellArg,
  redactSecrets,
  relativePosixPath,
  resolveSandboxPath,
  selectGlobMatches,
  shellCommand,
  type BaseSandboxConfig,
  type CapabilityPath,
  type DirEntry,
  type ExecOptions,
  type ExecResult,
  type FileStat,
  type FileType,
  type InitOptions,
  type InitPhase,
  type InitProgress,
  type GlobMatcherFactory,
  type GlobOptions,
  type GlobSelectOptions,
  type ListOptions,
  type MkdirOptions,
  type ProcessOutput,
  type ProcessOutputOptions,
  type ProcessSignal,
  type ProcessStatus,
  type RmOptions,
  type Sandbox,
  type SandboxBackendRegistration,
  type SandboxFactoryConfig,
  type SandboxCapabilities,
  type SandboxErrorCode,
  type SandboxErrorOptions,
  type SandboxFs,
  type SandboxKind,
  type SandboxLifecycleState,
  type SandboxProcesses,
  type StartedProcess,
  type StartProcessOptions,
  type ToConfigOptions,
  type WaitProcessOptions,
  type WatchConfig,
  type WatchEvent,
  type WatchEventType,
  type WatchFilesOptions,
  type WatchListener,
  type WatchMode,
} from '@kode/core';
export {
  DEFAULT_RETRY_POLICY,
  DriverSandbox,
  NO_RETRY_POLICY,
  type RetryOptions,
  type RetryPolicy,
  type SandboxDriver,
  type SandboxDriverV1,
} from '@kode/driver';
export { mapOpenSandboxError, OPEN_SANDBOX_HINTS, type OpenSandboxErrorContext } from './map-error';
export { OpenSandbox, type OpenSandboxConfig } from './open-sandbox';
export { OPEN_SANDBOX_CAPABILITIES, OpenSandboxDriver } from './opensandbox-driver';
export {
  DEFAULT_IMAGE,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_SANDBOX_TIMEOUT_MS,
  DEFAULT_WORK_DIR,
  MIN_SANDBOX_TIMEOUT_MS,
  type OpenSandboxDisposeAction,
  type OpenSandboxOptions,
} from './options';

/** The factory registration of this backend (done on import). */
export const openSandboxBackend = {
  kind: 'opensandbox',
  packageName: '@kode/opensandbox',
  create: (config: BaseSandboxConfig) => new OpenSandbox(config as OpenSandboxOptions),
} as const;

SandboxFactory.register(openSandboxBackend);
