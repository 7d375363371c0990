import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '@kode/opensandbox-emulator';
import { afterAll, beforeAll } from 'vitest';
import type { OpenSandboxOptions } from '../src/index';

/** A started emulator for one test file, plus a helper building sandbox options aimed at it. */
export interface EmulatorFixture {
  readonly emulator: EmulatorHandle;
  /** Options for a sandbox on this emulator (no API key unless the emulator has one). */
  options(extra?: Partial<OpenSandboxOptions>): OpenSandboxOptions;
}

/**
 * Starts an emulator in `beforeAll` and closes it (every sandbox with it) in `afterAll`. The
 * returned object is filled in once `beforeAll` ran.
 */
export function useEmulator(settings: EmulatorOptions = {}): EmulatorFixture {
  let handle: EmulatorHandle | undefined;
  beforeAll(async () => {
    handle = await startEmulator(settings);
  }, 60_000);
  afterAll(async () => {
    await handle?.close();
  }, 60_000);
  return {
    get emulator(): EmulatorHandle {
      if (!handle) throw new Error('the emulator is not started yet (use it inside a test or hook)');
      return handle;
    },
    options(extra = {}) {
      if (!handle) throw new Error('the emulator is not started yet (use it inside a test or hook)');
      return {
        kind: 'opensandbox',
        endpoint: handle.url,
        ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
        ...extra,
      };
    },
  };
}
