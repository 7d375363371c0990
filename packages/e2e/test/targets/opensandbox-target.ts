import { OpenSandbox } from '@kode/opensandbox';
import { startEmulator, type EmulatorHandle, type RoutingMode } from '@kode/opensandbox-emulator';
import type { ConformanceTarget } from '@kode/testkit';
import { afterAll, beforeAll } from 'vitest';

/**
 * Cases `@kode/opensandbox` is expected to fail, with the reason (registered with `it.fails`, so
 * they turn red the day they pass). None today.
 */
export const OPEN_SANDBOX_KNOWN_FAILURES: Record<string, string> = {};

/**
 * A conformance target for `OpenSandbox` against an OpenSandbox emulator in `routing` mode,
 * started in `beforeAll` and closed (with every sandbox) in `afterAll` of the calling test file.
 * Sandboxes use the emulator's `ubuntu` profile (inotify-tools present); `hideInotifywait` picks
 * the `kode/minimal` image, which has none, so a native watch must fall back to polling. `env`,
 * `workDir` and `disposeAction` map to the options of the same names (`lifecycle.disposeAction`).
 */
export function openSandboxConformanceTarget(routing: RoutingMode, overrides: Partial<ConformanceTarget> = {}): ConformanceTarget {
  let emulator: EmulatorHandle | undefined;
  beforeAll(async () => {
    emulator = await startEmulator({ routing });
  }, 60_000);
  afterAll(async () => {
    await emulator?.close();
  }, 60_000);
  return {
    name: `opensandbox (emulator, ${routing})`,
    supportsHideInotifywait: true,
    supportsEnv: true,
    supportsWorkDir: true,
    supportsDisposeAction: true,
    knownFailures: OPEN_SANDBOX_KNOWN_FAILURES,
    create(options) {
      if (!emulator) throw new Error('the OpenSandbox emulator is not started (create() runs in hooks and tests only)');
      return new OpenSandbox({
        kind: 'opensandbox',
        endpoint: emulator.url,
        apiKey: '',
        ...(options.watch ? { watch: options.watch } : {}),
        ...(options.hideInotifywait ? { image: 'kode/minimal' } : {}),
        ...(options.env === undefined ? {} : { env: options.env }),
        ...(options.workDir === undefined ? {} : { workDir: options.workDir }),
        ...(options.disposeAction === undefined ? {} : { lifecycle: { disposeAction: options.disposeAction } }),
      });
    },
    ...overrides,
  };
}
