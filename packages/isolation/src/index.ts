/**
 * `@kode/isolation` (private, not published): the bubblewrap sandbox roots both emulators build
 * on — an empty tmpfs `/` with the host's `/usr` and `/etc` read-only, its own `/workspace`,
 * `/tmp`, `/root`, `/var`, pid/UTS/IPC namespaces and optionally its own network — plus the
 * process-tree helpers that stop a root's processes. `@kode/opensandbox-emulator` bundles it into
 * its build; `@kode/e2b-emulator` imports it from source.
 *
 * @packageDocumentation
 */
export {
  createIsolatedRoot,
  DEFAULT_SANDBOX_PATH,
  findBubblewrap,
  killRootProcess,
  removeIsolatedRoot,
  spawnInRoot,
} from './bubblewrap';
export type { CreateIsolatedRootOptions, IsolatedRoot, RemoveIsolatedRootOptions, RootBind, SpawnInRootOptions } from './bubblewrap';
export { isProcessAlive, listProcessTree, signalProcessTree } from './process-tree';
