/**
 * Where the examples find an OpenSandbox server: `OPEN_SANDBOX_ENDPOINT` when it is set, otherwise
 * an emulator started here (and stopped by `stopServer`). Sets `OPEN_SANDBOX_ENDPOINT` for the
 * seed snippets, which read it.
 */
import { startEmulator, type EmulatorHandle } from '@kode/opensandbox-emulator';

let emulator: EmulatorHandle | undefined;

/** Returns the server URL, starting an emulator when `OPEN_SANDBOX_ENDPOINT` is not set. */
export async function ensureServer(): Promise<string> {
  const configured = process.env.OPEN_SANDBOX_ENDPOINT;
  if (configured) return configured;
  emulator = await startEmulator();
  process.env.OPEN_SANDBOX_ENDPOINT = emulator.url;
  console.log(`(no OPEN_SANDBOX_ENDPOINT: started an OpenSandbox emulator at ${emulator.url})`);
  return emulator.url;
}

/** Stops the emulator `ensureServer` started, if any. */
export async function stopServer(): Promise<void> {
  await emulator?.close();
  emulator = undefined;
}
