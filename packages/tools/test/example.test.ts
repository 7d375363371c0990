import { startEmulator } from '@kode/opensandbox-emulator';
import { describe, expect, it } from 'vitest';
import { runScriptedAgent } from '../examples/scripted-agent';

async function runAndCheck(expectedKind: string): Promise<void> {
  const lines: string[] = [];
  const { messages, sandboxKind } = await runScriptedAgent((line) => lines.push(line));
  expect(sandboxKind).toBe(expectedKind);
  const results = messages.flatMap((m) => (m.role === 'user' && typeof m.content !== 'string' ? m.content : []));
  expect(results.every((r) => !r.is_error)).toBe(true);
  const outcomes = results.map((r) => JSON.parse(r.content) as { ok: boolean; data: Record<string, unknown> });
  expect(outcomes[2]?.data.code).not.toBe(0);
  expect(outcomes[6]?.data.code).toBe(0);
  expect(outcomes[9]?.data).toMatchObject({ wasRunning: true, running: false });
  expect(lines.at(-1)).toBe('model: Done: add() is fixed and both tests pass.');
}

describe('examples/scripted-agent', () => {
  it.runIf(!process.env.OPEN_SANDBOX_ENDPOINT)('writes code, sees its test fail, fixes it with fs_edit and gets the tests passing (local)', async () => {
    await runAndCheck('local');
  });

  it('does the same on OpenSandbox when OPEN_SANDBOX_ENDPOINT is set (here: the emulator)', async () => {
    const configured = process.env.OPEN_SANDBOX_ENDPOINT;
    const emulator = configured ? undefined : await startEmulator();
    if (emulator) process.env.OPEN_SANDBOX_ENDPOINT = emulator.url;
    try {
      await runAndCheck('opensandbox');
    } finally {
      if (emulator) {
        delete process.env.OPEN_SANDBOX_ENDPOINT;
        await emulator.close();
      }
    }
  });
});
