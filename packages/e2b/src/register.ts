import { SandboxFactory, type BaseSandboxConfig } from '@kode/core';
import { E2BSandbox } from './e2b-sandbox';
import type { E2BSandboxConfig } from './options';

/** Registers `kind: 'e2b'` with `SandboxFactory` (done once when `@kode/e2b` is imported). Idempotent. */
export function registerE2BBackend(): void {
  SandboxFactory.register({
    kind: 'e2b',
    packageName: '@kode/e2b',
    create: (config: BaseSandboxConfig) => new E2BSandbox(config as E2BSandboxConfig),
  });
}
