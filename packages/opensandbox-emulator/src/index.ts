/**
 * `@kode/opensandbox-emulator`: an OpenSandbox-compatible server (lifecycle API + execd API)
 * for offline development and CI. Each sandbox is a bubblewrap root with its own execd agent.
 * The public API is {@link startEmulator}, its options and handle, and the types they name.
 *
 * @packageDocumentation
 */
export { startEmulator } from './emulator';
export type { EmulatorHandle, EmulatorOptions, EmulatorProfile } from './emulator';
export type { RoutingMode } from './lifecycle-server';
export { EXECD_PORT } from './lifecycle-server';
export { DEFAULT_IMAGE_PROFILES, INOTIFY_COMMANDS } from './image-profiles';
export type { ImageProfile } from './image-profiles';
export type {
  ActiveFault,
  CutStreamFault,
  ErrorFault,
  ExecdNeverReadyFault,
  ExecdStartFailureFault,
  FaultController,
  FaultRule,
  ImagePullFailureFault,
  LatencyFault,
} from './faults';
export type { RequestApi, RequestFilter, RequestRecord, RequestStats } from './request-stats';
