import { describe, expect, it } from 'vitest';
import { runMcpSession } from '../examples/mcp-session';

describe('examples/mcp-session', () => {
  it('lists the nine tools and runs a write, a command, an edit, a search and a failing read over stdio on OpenSandbox (the emulator)', async () => {
    const lines: string[] = [];
    const { tools, steps, serverLog } = await runMcpSession((line) => lines.push(line));
    expect(tools).toEqual(['bash_run', 'bash_logs', 'bash_kill', 'fs_read', 'fs_write', 'fs_edit', 'fs_multi_edit', 'fs_glob', 'fs_grep']);
    expect(steps.map((s) => s.tool)).toEqual(['fs_write', 'bash_run', 'fs_edit', 'fs_grep', 'fs_read']);
    expect(steps[1]?.result).toMatchObject({ ok: true, data: { code: 0, stdout: 'hello, mcp\n' } });
    expect(steps[3]?.result).toMatchObject({ ok: true, data: { count: 1 } });
    expect(steps[4]).toMatchObject({ isError: true, result: { ok: false, error: { code: 'FILE_NOT_FOUND' } } });
    expect(steps.slice(0, 4).every((s) => !s.isError)).toBe(true);
    expect(serverLog).toContain('serving 9 tools on stdio');
    expect(lines[0]).toMatch(/^server kode-sandbox offers: bash_run, /);
  });
});
