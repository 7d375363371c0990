/**
 * Runs the E2B emulator in its own process for the benchmarks that measure the caller's memory
 * (`packages/e2e/bench/fs-streams.bench.ts`): prints one JSON line `{ apiUrl, sandboxUrl, apiKey }` once listening,
 * closes on SIGTERM.
 */
import { startE2BEmulator } from '@kode/e2b-emulator';

const emulator = await startE2BEmulator();
process.stdout.write(`${JSON.stringify({ apiUrl: emulator.apiUrl, sandboxUrl: emulator.sandboxUrl, apiKey: emulator.apiKey })}\n`);
process.on('SIGTERM', () => {
  void emulator.close().finally(() => process.exit(0));
});
