import { SandboxFactory } from '@kode/core';
import { LOCAL_KIND, type LocalSandboxConfig } from './local-config';
import { LocalSandbox } from './local-sandbox';

SandboxFactory.register({
  kind: LOCAL_KIND,
  packageName: '@kode/local',
  create: (config) => new LocalSandbox(config as LocalSandboxConfig),
});

export { LOCAL_CAPABILITIES, NATIVE_WATCH_AVAILABLE } from './local-capabilities';
export {
  DEFAULT_LOCAL_EXEC_TIMEOUT_MS,
  DEFAULT_LOCAL_WATCH_MODE,
  LOCAL_KIND,
  localConfigSchema,
  localOptionRows,
  type LocalSandboxConfig,
} from './local-config';
export { LocalDriver, localSandboxId } from './local-driver';
export { LocalSandbox } from './local-sandbox';
export { KILL_GRACE_MS } from './process-group';
export { DRAIN_MS } from './run-command';
