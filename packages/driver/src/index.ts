export { assertOptions, checkBoolean, checkCount, checkEnv, checkFunction, checkSignal, checkTimeMs } from './arguments';
export { DriverSandbox, EXEC_DEADLINE_GRACE_MS, type CallOptions, type DriverSandboxOptions, type RunExecSpec } from './driver-sandbox';
export { FrontEndpoints } from './front-endpoints';
export { FrontFs } from './front-fs';
export { configureTelemetry, traced, type SpanAttributes, type TelemetryOptions, type TraceRequest } from './telemetry';
export { FrontFsStreams, streamTempPathFor } from './front-fs-streams';
export { FrontProcesses } from './front-processes';
export {
  optionDefaultText,
  optionRows,
  optionTableDrift,
  parseOptions,
  readmeOptionRows,
  redactSecretOptions,
  secretOptionNames,
  type OptionMeta,
  type OptionRow,
} from './option-schema';
export { FrontSessions } from './front-sessions';
export { sessionCreateScript, sessionEnvFile, sessionScript, type SessionScriptRequest } from './shell-session-script';
export { LifetimeKeeper, type LifetimeKeeperOptions } from './lifetime-keeper';
export {
  DEFAULT_RETRY_POLICY,
  isRetryable,
  NO_RETRY_POLICY,
  resolveRetryPolicy,
  retryDelayMs,
  withRetry,
  type RetryOptions,
  type RetryPolicy,
  type WithRetryOptions,
} from './retry-policy';
export {
  DRIVER_SPECIFICATION_VERSION,
  type DriverExecRequest,
  type DriverExecResult,
  type DriverFileList,
  type DriverFilesHint,
  type DriverEndpoint,
  type DriverFs,
  type DriverLifetime,
  type DriverProcesses,
  type DriverReadStream,
  type DriverSessionExecRequest,
  type DriverSessions,
  type DriverStartContext,
  type DriverStartRequest,
  type SandboxDriver,
  type SandboxDriverV1,
} from './sandbox-driver';
export {
  ADMIN_ARG_OPTIONS,
  ADMIN_GC_FLAGS,
  ADMIN_LIST_FLAGS,
  adminSettings,
  formatAge,
  formatGcSummary,
  formatList,
  parseDuration,
  parseMetadataPairs,
  runAdminCommand,
  runGc,
  type AdminArgValues,
  type AdminCreator,
  type AdminGcSettings,
  type AdminListSettings,
  type GcAction,
  type GcReport,
  type SandboxAdminPort,
  type SandboxListEntry,
} from './sandbox-admin';
