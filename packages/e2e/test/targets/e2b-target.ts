import { E2BSandbox } from '@kode/e2b';
import { startE2BEmulator, type E2BEmulator } from '@kode/e2b-emulator';
import type { ConformanceTarget } from '@kode/testkit';
import { afterAll, beforeAll } from 'vitest';

/**
 * Cases `@kode/e2b` is expected to fail, with the reason (registered with `it.fails`, so they turn
 * red the day they pass). None: E2B is a driver behind the shared front `DriverSandbox`.
 */
export const E2B_KNOWN_FAILURES: Record<string, string> = {};

/**
 * A conformance target for `E2BSandbox`, driven through the stock `e2b` client against the E2B
 * emulator (fake control plane + envd-compatible agent; create/connect/kill/setTimeout really
 * happen), started in `beforeAll` and closed (with every sandbox) in `afterAll` of the calling
 * test file. `hideInotifywait` picks the emulator's `kode-no-inotify` template, which hides the
 * `inotifywait` the emulated envd's WatchDir relies on (real envd uses fsnotify): watchDir then
 * fails and a native watch must fall back to polling. `env` maps to `envs`, `workDir` and
 * `disposeAction` (`lifecycle.disposeAction`) to the options of the same names.
 *
 * The API key reaches the backend through `E2B_API_KEY`, as in production: `toConfig()` never
 * carries it, so the kit's restore cases (`SandboxFactory.create(sandbox.toConfig())`) find it
 * there. The previous value is put back in `afterAll`.
 */
export function e2bConformanceTarget(overrides: Partial<ConformanceTarget> = {}): ConformanceTarget {
  let emulator: E2BEmulator | undefined;
  const previousKey = process.env.E2B_API_KEY;
  beforeAll(async () => {
    emulator = await startE2BEmulator();
    process.env.E2B_API_KEY = emulator.apiKey;
  }, 60_000);
  afterAll(async () => {
    if (previousKey === undefined) delete process.env.E2B_API_KEY;
    else process.env.E2B_API_KEY = previousKey;
    await emulator?.close();
  }, 60_000);
  return {
    name: 'e2b (envd emulator)',
    supportsHideInotifywait: true,
    supportsEnv: true,
    supportsWorkDir: true,
    supportsDisposeAction: true,
    serverHost: '127.0.0.1', // the emulator's sandboxes share the host's network
    knownFailures: E2B_KNOWN_FAILURES,
    create(options) {
      if (!emulator) throw new Error('the E2B emulator is not started (create() runs in hooks and tests only)');
      return new E2BSandbox({
        kind: 'e2b',
        apiUrl: emulator.apiUrl,
        sandboxUrl: emulator.sandboxUrl,
        timeoutMs: 600_000,
        ...(options.hideInotifywait ? { template: 'kode-no-inotify' } : {}),
        ...(options.watch === undefined ? {} : { watch: options.watch }),
        ...(options.env === undefined ? {} : { envs: options.env }),
        ...(options.workDir === undefined ? {} : { workDir: options.workDir }),
        ...(options.disposeAction === undefined ? {} : { lifecycle: { disposeAction: options.disposeAction } }),
      });
    },
    ...overrides,
  };
}
