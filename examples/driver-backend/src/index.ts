// A backend that is nothing but a driver (README.md; CONTRIBUTING.md). Importing it registers 'example'.
import { SandboxFactory, type BaseSandboxConfig } from '@kode/core';
import { ExampleSandbox } from './example-sandbox';
import type { ExampleSandboxConfig } from './example-driver';

export { EXAMPLE_CAPABILITIES, ExampleDriver, type ExampleSandboxConfig } from './example-driver';
export { ExampleSandbox } from './example-sandbox';
export { EXAMPLE_KIND, toSandboxError, type FailureContext } from './host-errors';
export { HostFs, hostWatchPort } from './host-fs';

/** The factory registration of this backend (done on import). */
export const exampleBackend = {
  kind: 'example',
  packageName: '@kode/example-driver',
  create: (config: BaseSandboxConfig) => new ExampleSandbox(config as ExampleSandboxConfig),
} as const;

SandboxFactory.register(exampleBackend);
