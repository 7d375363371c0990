import { registerE2BBackend } from './register';

registerE2BBackend();

export { E2B_CAPABILITIES } from './capabilities';
export { E2BSandbox } from './e2b-sandbox';
export { mapE2BError, type E2BErrorContext } from './map-error';
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
export { SandboxFactory, SandboxError, hasErrorCode } from '@kode/core';
