/**
 * The whole conformance kit against `E2BSandbox`, driven through the stock `e2b` client against
 * the envd emulator and its fake control plane (create/connect/kill/setTimeout really happen).
 */
import { describeConformance } from '@kode/testkit';
import { afterAll } from 'vitest';
import { E2BSandbox } from '../src/index';
import { startE2BEmulator } from './support/e2b-emulator';

const emulator = await startE2BEmulator();
afterAll(() => emulator.close());
// The key comes from the environment, as in production: toConfig() never carries it, so the kit's
// restore cases (SandboxFactory.create(sandbox.toConfig())) find it in E2B_API_KEY.
process.env.E2B_API_KEY = emulator.apiKey;

describeConformance({
  name: 'e2b (envd emulator)',
  create: (options) =>
    new E2BSandbox({
      kind: 'e2b',
      apiUrl: emulator.apiUrl,
      sandboxUrl: emulator.sandboxUrl,
      timeoutMs: 600_000,
      // This emulator template hides inotifywait, which the emulated envd's WatchDir relies on
      // (real envd uses fsnotify): watchDir then fails and the watch must fall back to polling.
      ...(options.hideInotifywait ? { template: 'kode-no-inotify' } : {}),
      ...(options.watch === undefined ? {} : { watch: options.watch }),
    }),
  supportsHideInotifywait: true,
});
