/**
 * `@kode/e2b`: the E2B backend of the KODE sandbox layer, plus the whole `@kode/core` API (so
 * installing this one package is enough).
 *
 * Importing this module registers `kind: 'e2b'` with `SandboxFactory` (a side effect).
 */
import { registerE2BBackend } from './register';

registerE2BBackend();


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
