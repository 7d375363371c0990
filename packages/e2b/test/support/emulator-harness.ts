/**
 * One E2B emulator per test file: started in `beforeAll`, closed in `afterAll` after disposing
 * every sandbox `started()` made. The package tests' shared setup.
 */
import { startE2BEmulator, type E2BEmulator, type E2BEmulatorOptions, type RecordedRequest } from '@kode/e2b-emulator';
import { afterAll, beforeAll } from 'vitest';
import { E2BSandbox, type E2BSandboxConfig } from '../../src/index';

/** What {@link useE2BEmulator} gives a test file. */
export interface E2BEmulatorHarness {
  /** The running emulator (after `beforeAll`). */
  readonly emulator: E2BEmulator;
  /** A config that reaches the emulator (API key, control plane, sandbox proxy), plus `extra`. */
  config(extra?: Partial<E2BSandboxConfig>): E2BSandboxConfig;
  /** A sandbox from {@link config}, initialised; disposed in `afterAll`. */
  started(extra?: Partial<E2BSandboxConfig>): Promise<E2BSandbox>;
  /** Disposes `sandbox` in `afterAll` with the others (for sandboxes made without {@link started}). */
  track(sandbox: E2BSandbox): void;
  /** The requests recorded since index `mark` of `emulator.requests`, filtered. */
  requestsSince(mark: number, filter?: (r: RecordedRequest) => boolean): RecordedRequest[];
}

/** Registers the emulator's `beforeAll`/`afterAll` in the calling test file. */
export function useE2BEmulator(options?: E2BEmulatorOptions): E2BEmulatorHarness {
  let emulator: E2BEmulator | undefined;
  const live: E2BSandbox[] = [];
  beforeAll(async () => {
    emulator = await startE2BEmulator(options);
  });
  afterAll(async () => {
    await Promise.all(live.map((s) => s.dispose().catch(() => undefined)));
    await emulator?.close();
  });
  const running = (): E2BEmulator => {
    if (emulator === undefined) throw new Error('the E2B emulator is not started yet (use it inside tests or hooks)');
    return emulator;
  };
  const config = (extra: Partial<E2BSandboxConfig> = {}): E2BSandboxConfig => {
    const e = running();
    return { kind: 'e2b', apiKey: e.apiKey, apiUrl: e.apiUrl, sandboxUrl: e.sandboxUrl, ...extra };
  };
  return {
    get emulator() {
      return running();
    },
    config,
    async started(extra = {}) {
      const sandbox = new E2BSandbox(config(extra));
      live.push(sandbox);
      await sandbox.init();
      return sandbox;
    },
    track: (sandbox) => void live.push(sandbox),
    requestsSince: (mark, filter = () => true) => running().requests.slice(mark).filter(filter),
  };
}
