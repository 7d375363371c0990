import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineCapabilities, type SandboxCapabilities } from '@kode/core';
import { DriverSandbox } from '@kode/driver';
import { EXAMPLE_CAPABILITIES, ExampleDriver, ExampleSandbox, type ExampleSandboxConfig } from '@kode/example-driver';
import type { ConformanceSandboxOptions, ConformanceTarget } from '@kode/testkit';

/**
 * The example driver declaring absent what it could offer (streaming callbacks, binary fs,
 * polling watch) on top of what it lacks: the front must then refuse those calls, so every
 * `errors.unsupported.*` case of the kit runs against it.
 */
class NarrowedExampleDriver extends ExampleDriver {
  override readonly capabilities: SandboxCapabilities = defineCapabilities({
    ...EXAMPLE_CAPABILITIES,
    exec: { ...EXAMPLE_CAPABILITIES.exec, streaming: false },
    fs: { ...EXAMPLE_CAPABILITIES.fs, binary: false },
    watch: { native: false, polling: false },
  });
}

/**
 * A conformance target for the example backend (`examples/driver-backend`): every sandbox makes
 * its own fresh directory under one parent directory of this target. With `narrowed`, sandboxes
 * are the front over {@link NarrowedExampleDriver}. `cleanup()` removes the parent (anything a
 * failed dispose left behind); call it in `afterAll`.
 */
export function exampleConformanceTarget(overrides: Partial<ConformanceTarget> = {}, options: { narrowed?: boolean } = {}): ConformanceTarget & { cleanup(): void } {
  const parentDir = realpathSync(mkdtempSync(join(tmpdir(), 'kode-e2e-example-')));
  return {
    name: options.narrowed === true ? 'example (capabilities narrowed)' : 'example',
    create(sandboxOptions: ConformanceSandboxOptions) {
      const config: ExampleSandboxConfig = { kind: 'example', parentDir, ...(sandboxOptions.watch === undefined ? {} : { watch: sandboxOptions.watch }) };
      return options.narrowed === true ? new DriverSandbox(new NarrowedExampleDriver(config)) : new ExampleSandbox(config);
    },
    cleanup() {
      rmSync(parentDir, { recursive: true, force: true });
    },
    ...overrides,
  };
}
