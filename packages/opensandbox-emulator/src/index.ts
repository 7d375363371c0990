/**
 * `@kode/opensandbox-emulator`: an OpenSandbox-compatible server (lifecycle API + execd API)
 * for offline development and CI. Each sandbox is a bubblewrap root with its own execd agent.
 *
 * @packageDocumentation
 */
export { startEmulator } from './emulator';
export type { EmulatorHandle, EmulatorOptions, EmulatorProfile } from './emulator';
export type { RoutingMode } from './lifecycle-server';
export { EXECD_PORT } from './lifecycle-server';
export { DEFAULT_IMAGE_PROFILES, INOTIFY_COMMANDS, findImageProfile, profileMatches } from './image-profiles';
export type { ImageProfile } from './image-profiles';
export { parseFaultSpec, validateFault } from './faults';
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
export { EXECD_ROUTES, execdRouteName } from './route-table';
export {
  createIsolatedRoot,
  DEFAULT_SANDBOX_PATH,
  findBubblewrap,
  killRootProcess,
  removeIsolatedRoot,
  spawnInRoot,
} from './isolation';
export type { CreateIsolatedRootOptions, IsolatedRoot, RemoveIsolatedRootOptions, RootBind, SpawnInRootOptions } from './isolation';
export { isProcessAlive, listProcessTree, signalProcessTree } from './process-tree';
