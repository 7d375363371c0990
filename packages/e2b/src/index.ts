/**
 * `@kode/e2b`: the E2B backend of the KODE sandbox layer, plus the whole `@kode/core` API (so
 * installing this one package is enough).
 *
 * Importing this module registers `kind: 'e2b'` with `SandboxFactory` (a side effect).
 */
import { registerE2BBackend } from './register';

registerE2BBackend();

// The whole @kode/core API, as the same objects (checked by index.test.ts), so `@kode/e2b` alone is enough.
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
  UnsupportedCapabilityError,
  assertCapability,
  assertValidPath,
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

export { E2B_CAPABILITIES } from './capabilities';
export { E2BSandbox } from './e2b-sandbox';
export { E2BFs } from './e2b-fs';
export { E2BProcesses, PROCESS_STATE_DIR } from './e2b-processes';
export { E2B_HINTS, mapE2BError, type E2BErrorContext } from './map-error';
export {
  DEFAULT_E2B_TEMPLATE,
  DEFAULT_E2B_TIMEOUT_MS,
  DEFAULT_E2B_WORKDIR,
  resolveE2BOptions,
  type E2BSandboxConfig,
  type E2BSandboxLifecycle,
  type ResolvedE2BOptions,
} from './options';
export { registerE2BBackend } from './register';
