import { describe, expect, it } from 'vitest';
import { runAiSdkAgent } from '../examples/ai-sdk-agent';

describe('examples/ai-sdk-agent', () => {
  it('drives generateText with the mock model through a failing test, an fs_edit fix and a passing test on OpenSandbox (the emulator)', async () => {
    const lines: string[] = [];
    const result = await runAiSdkAgent((line) => lines.push(line));
    const calls = result.steps.flatMap((step) => step.toolResults.map((r) => ({ tool: r.toolName, output: r.output as { ok: boolean; data: Record<string, unknown> } })));
    expect(calls.map((c) => c.tool)).toEqual(['fs_write', 'fs_write', 'bash_run', 'fs_read', 'fs_edit', 'bash_run']);
    expect(calls.every((c) => c.output.ok)).toBe(true);
    expect(calls[2]?.output.data.code).not.toBe(0);
    expect(calls[5]?.output.data.code).toBe(0);
    expect(result.text).toBe('Fixed: add() subtracted; the test passes now.');
    expect(lines.at(-1)).toBe('model: Fixed: add() subtracted; the test passes now.');
  });
});
