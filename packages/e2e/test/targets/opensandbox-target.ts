import { OpenSandbox } from '@kode/opensandbox';
import { startEmulator, type EmulatorHandle, type EmulatorOptions, type RoutingMode } from '@kode/opensandbox-emulator';
import type { ConformanceTarget } from '@kode/testkit';
import { afterAll, beforeAll } from 'vitest';

/**
 * Cases `@kode/opensandbox` is expected to fail, with the reason (registered with `it.fails`, so
 * they turn red the day they pass). None today.
 */
export const OPEN_SANDBOX_KNOWN_FAILURES: Record<string, string> = {};

/** How the emulator behind a target is set up. */
export interface OpenSandboxTargetSetup {
  /** Extra emulator options (the default shapes are the real server's: bridge endpoints, `/v1` proxy paths). */
  emulator?: Omit<EmulatorOptions, 'routing' | 'apiKey'>;
  /**
   * Turn auth on with this key and hand it to the backend ONLY through the environment
   * (`OPEN_SANDBOX_API_KEY`, set for the file's duration): restoring through `toConfig()` then
   * works only when the backend reads the key from there, as against a real server.
   */
  apiKeyFromEnv?: string;
}

/**
 * A conformance target for `OpenSandbox` against an OpenSandbox emulator in `routing` mode,
 * started in `beforeAll` and closed (with every sandbox) in `afterAll` of the calling test file.
 * Sandboxes use the emulator's `ubuntu` profile (inotify-tools present); `hideInotifywait` picks
 * the `kode/minimal` image, which has none, so a native watch must fall back to polling. `env`,
 * `workDir` and `disposeAction` map to the options of the same names (`lifecycle.disposeAction`).
 */
export function openSandboxConformanceTarget(routing: RoutingMode, overrides: Partial<ConformanceTarget> = {}, setup: OpenSandboxTargetSetup = {}): ConformanceTarget {
  let emulator: EmulatorHandle | undefined;
  const key = setup.apiKeyFromEnv;
  const previousKey = process.env.OPEN_SANDBOX_API_KEY;
  beforeAll(async () => {
    emulator = await startEmulator({ ...setup.emulator, routing, ...(key !== undefined ? { apiKey: key } : {}) });
    if (key !== undefined) process.env.OPEN_SANDBOX_API_KEY = key;
  }, 60_000);
  afterAll(async () => {
    if (key !== undefined) {
      if (previousKey === undefined) delete process.env.OPEN_SANDBOX_API_KEY;
      else process.env.OPEN_SANDBOX_API_KEY = previousKey;
    }
    await emulator?.close();
  }, 60_000);
  return {
    name: `opensandbox (emulator, ${routing}${key !== undefined ? ', API key from the environment' : ''})`,
    supportsHideInotifywait: true,
    supportsEnv: true,
    supportsWorkDir: true,
    supportsDisposeAction: true,
    serverHost: '127.0.0.1', // the emulator's sandboxes share the host's network
    knownFailures: OPEN_SANDBOX_KNOWN_FAILURES,
    create(options) {
      if (!emulator) throw new Error('the OpenSandbox emulator is not started (create() runs in hooks and tests only)');
      return new OpenSandbox({
        kind: 'opensandbox',
        endpoint: emulator.url,
        // auth off: an explicit empty key; auth on: none given, so the backend reads the environment
        ...(key === undefined ? { apiKey: '' } : {}),
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
