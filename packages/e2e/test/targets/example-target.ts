import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExampleSandbox } from '@kode/example-driver';
import type { ConformanceSandboxOptions, ConformanceTarget } from '@kode/testkit';

/**
 * A conformance target for the example backend (`examples/driver-backend`): every sandbox makes
 * its own fresh directory under one parent directory of this target. `cleanup()` removes the
 * parent (anything a failed dispose left behind); call it in `afterAll`.
 */
export function exampleConformanceTarget(overrides: Partial<ConformanceTarget> = {}): ConformanceTarget & { cleanup(): void } {
  const parentDir = realpathSync(mkdtempSync(join(tmpdir(), 'kode-e2e-example-')));
  return {
    name: 'example',
    create(options: ConformanceSandboxOptions) {
      return new ExampleSandbox({ kind: 'example', parentDir, ...(options.watch === undefined ? {} : { watch: options.watch }) });
    },
    cleanup() {
      rmSync(parentDir, { recursive: true, force: true });
    },
    ...overrides,
  };
}
