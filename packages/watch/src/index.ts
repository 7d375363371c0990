export { EventCoalescer, mergeChangeType, type EventCoalescerOptions } from './event-coalescer';
export { buildInotifyCommand, INOTIFY_EVENTS, INOTIFY_FORMAT, type InotifyCommandOptions } from './inotify/inotify-command';
export { InotifyRecordParser, parseInotifyRecord, type InotifyOutput, type InotifyRecord } from './inotify/inotify-parser';
export {
  createInotifyWatchFactory,
  DEFAULT_NATIVE_READY_TIMEOUT_MS,
  type InotifyWatchFactoryOptions,
} from './inotify/inotify-strategy';
export type { NativeChange, NativeWatchFactory, NativeWatchHandle, NativeWatchRequest } from './native-strategy';
export { diffStates, sameStat, type KnownStat, type KnownState, type StateChange } from './stat-state';
export {
  DEFAULT_COALESCE_MS,
  DEFAULT_POLL_INTERVAL_MS,
  MIN_POLL_INTERVAL_MS,
  resolveWatchConfig,
  type ResolvedWatchConfig,
} from './watch-config';
export type {
  WatchEntryType,
  WatchPort,
  WatchSnapshotRequest,
  WatchStatEntry,
  WatchStreamRequest,
  WatchStreamResult,
} from './watch-port';
export {
  WatchRegistry,
  type WatchRegistryOptions,
  type WatchRequest,
  type WatchStrategyKind,
} from './watch-registry';
export { normalizeWatchPaths, WatchTargets } from './watch-targets';
