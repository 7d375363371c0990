import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@kode/core';
import { LocalSandbox } from '@kode/local';
import { createToolState, sandboxTools } from '@kode/tools';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMcpServer } from '../src/index';
import { tempDir } from './helpers';

describe('createMcpServer (SDK client over an in-memory transport)', () => {
  let dir: { dir: string; close(): Promise<void> };
  let sandbox: LocalSandbox;
  let client: Client;

  beforeEach(async () => {
    dir = await tempDir();
    sandbox = new LocalSandbox({ kind: 'local', workDir: dir.dir });
    await sandbox.init();
    const server = createMcpServer({ sandbox });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(clientSide);
  });
  afterEach(async () => {
    await client.close();
    await sandbox.dispose();
    await dir.close();
  });

  it('lists the nine tools with descriptions, JSON Schema inputs and read-only hints', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(sandboxTools.map((t) => t.name));
    for (const tool of tools) {
      const ours = sandboxTools.find((t) => t.name === tool.name)!;
      expect(tool.description).toBe(ours.description);
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.annotations?.readOnlyHint).toBe(ours.readOnly);
    }
    // Input mode: fields with defaults are optional.
    expect(tools.find((t) => t.name === 'bash_run')?.inputSchema.required).toEqual(['cmd']);
  });

  it('runs tools against the sandbox and returns the ToolResult as text and structured content', async () => {
    const write = await client.callTool({ name: 'fs_write', arguments: { path: 'src/a.txt', content: 'alpha\n' } });
    expect(write.isError).toBe(false);
    expect(write.structuredContent).toMatchObject({ ok: true, data: { created: true, bytes: 6 } });
    expect(await readFile(join(dir.dir, 'src/a.txt'), 'utf8')).toBe('alpha\n');

    const run = await client.callTool({ name: 'bash_run', arguments: { cmd: 'cat src/a.txt; exit 4' } });
    const content = run.content as Array<{ type: string; text: string }>;
    expect(JSON.parse(content[0]!.text)).toMatchObject({ ok: true, data: { code: 4, stdout: 'alpha\n' } });
  });

  it('reports a tool failure as isError with the tool error (code, hint) for the model', async () => {
    const read = await client.callTool({ name: 'fs_read', arguments: { path: 'missing.txt' } });
    expect(read.isError).toBe(true);
    expect(read.structuredContent).toMatchObject({ ok: false, error: { code: 'FILE_NOT_FOUND' } });
  });

  it('rejects input that fails the schema as an error result naming the field', async () => {
    const result = await client.callTool({ name: 'fs_read', arguments: { path: 'a.txt', offset: 'ten' } });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('offset');
  });

  it('shares the tool state across calls: bash_logs returns only new output', async () => {
    const started = await client.callTool({ name: 'bash_run', arguments: { cmd: 'echo one', background: true } });
    const shellId = (started.structuredContent as { data: { shellId: string } }).data.shellId;
    const first = await client.callTool({ name: 'bash_logs', arguments: { shell_id: shellId, wait_ms: 30_000 } });
    expect(first.structuredContent).toMatchObject({ ok: true, data: { output: 'one\n', running: false } });
    const second = await client.callTool({ name: 'bash_logs', arguments: { shell_id: shellId } });
    expect(second.structuredContent).toMatchObject({ ok: true, data: { output: '' } });
  });

  it('aborts the call when the client cancels the request: the running command is killed', async () => {
    const controller = new AbortController();
    const pending = client.callTool({ name: 'bash_run', arguments: { cmd: 'echo $$ > pid.txt; sleep 30' } }, undefined, { signal: controller.signal });
    const pidText = () => readFile(join(dir.dir, 'pid.txt'), 'utf8').catch(() => '');
    await expect.poll(pidText, { timeout: 10_000 }).toMatch(/^\d+\n$/);
    const pid = Number((await pidText()).trim());
    controller.abort();
    await expect(pending).rejects.toThrow();
    await expect.poll(() => alive(pid), { timeout: 15_000 }).toBe(false);
  });

  it('throws InvalidArgumentError for a missing sandbox, a state of another sandbox, or state with settings', () => {
    // @ts-expect-error -- sandbox is required
    expect(() => createMcpServer({})).toThrow(InvalidArgumentError);
    const other = new LocalSandbox({ kind: 'local', workDir: dir.dir });
    expect(() => createMcpServer({ sandbox, state: createToolState({ sandbox: other }) })).toThrow(/another sandbox/);
    expect(() => createMcpServer({ sandbox, state: createToolState({ sandbox }), settings: {} })).toThrow(/not both/);
  });
});

/** Whether host process `pid` still runs (a zombie counts as gone). */
async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}
