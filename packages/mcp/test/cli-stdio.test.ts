import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator, type EmulatorHandle } from '@kode/opensandbox-emulator';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliArgs, cliEnv, packageDir, runCli, tempDir } from './helpers';

/** Connects the SDK's client to the bin over stdio; the child's stderr is collected. */
async function connect(env: Record<string, string>, args: string[] = []): Promise<{ client: Client; transport: StdioClientTransport; stderr: () => string }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [...cliArgs, ...args], env, cwd: packageDir, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'kode-mcp-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport, stderr: () => stderr };
}

describe('kode-sandbox-mcp over stdio (the SDK client)', () => {
  it('serves the nine tools on a local sandbox from --config and stops when the client closes stdin', async () => {
    const tmp = await tempDir();
    try {
      const configFile = join(tmp.dir, 'sandbox.json');
      await writeFile(configFile, JSON.stringify({ kind: 'local', workDir: tmp.dir }));
      const { client, transport, stderr } = await connect(cliEnv(), ['--config', configFile]);
      const pid = transport.pid!;
      const { tools } = await client.listTools();
      expect(tools).toHaveLength(9);
      const write = await client.callTool({ name: 'fs_write', arguments: { path: 'hello.txt', content: 'hi\n' } });
      expect(write.structuredContent).toMatchObject({ ok: true });
      expect(await readFile(join(tmp.dir, 'hello.txt'), 'utf8')).toBe('hi\n');
      const run = await client.callTool({ name: 'bash_run', arguments: { cmd: 'cat hello.txt' } });
      expect(run.structuredContent).toMatchObject({ ok: true, data: { code: 0, stdout: 'hi\n' } });
      await client.close();
      await expect.poll(() => processGone(pid), { timeout: 20_000 }).toBe(true);
      await expect.poll(stderr, { timeout: 5_000 }).toContain('sandbox disposed');
      expect(stderr()).toContain('stdin closed');
    } finally {
      await tmp.close();
    }
  });

  it('exits 2 with a clear message for a missing, unreadable or malformed config, printing no secret', async () => {
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('INVALID_ARGUMENT: No sandbox config: pass --config FILE.json or set KODE_SANDBOX_CONFIG.');

    const badJson = await runCli([], { env: cliEnv({ KODE_SANDBOX_CONFIG: '{"kind":"opensandbox","apiKey":"sk-do-not-print" ' }) });
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/KODE_SANDBOX_CONFIG is not valid JSON/);
    expect(badJson.stderr).not.toContain('sk-do-not-print');

    const unknownKind = await runCli([], { env: cliEnv({ KODE_SANDBOX_CONFIG: '{"kind":"vm"}' }) });
    expect(unknownKind.code).toBe(2);
    expect(unknownKind.stderr).toContain("Unknown sandbox kind 'vm'");

    const badOption = await runCli([], { env: cliEnv({ KODE_SANDBOX_CONFIG: '{"kind":"local","workDir":"/nonexistent-kode-dir"}' }) });
    expect(badOption.code).toBe(1);
    expect(badOption.stderr).toContain('FILE_NOT_FOUND');

    const usage = await runCli(['--http', 'x']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--http must be a port number');
  });

  it('prints usage with --help', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: kode-sandbox-mcp');
  });

  describe('on the OpenSandbox emulator', () => {
    let emulator: EmulatorHandle;
    beforeAll(async () => {
      emulator = await startEmulator();
    });
    afterAll(async () => {
      await emulator.close();
    });

    it('creates the sandbox on start and disposes it when the server gets SIGTERM', async () => {
      const env = cliEnv({ KODE_SANDBOX_CONFIG: JSON.stringify({ kind: 'opensandbox', endpoint: emulator.url }) });
      const { client, transport, stderr } = await connect(env);
      const pid = transport.pid!;
      const run = await client.callTool({ name: 'bash_run', arguments: { cmd: 'echo from-the-sandbox' } });
      expect(run.structuredContent).toMatchObject({ ok: true, data: { stdout: 'from-the-sandbox\n' } });
      expect(emulator.sandboxIds()).toHaveLength(1);

      process.kill(pid, 'SIGTERM');
      await expect.poll(() => processGone(pid), { timeout: 30_000 }).toBe(true);
      expect(emulator.sandboxIds()).toEqual([]);
      await expect.poll(stderr, { timeout: 5_000 }).toContain('sandbox disposed');
      expect(stderr()).toContain('SIGTERM: stopping');
      await client.close();
    });
  });
});

/** Whether process `pid` has exited (signal 0 fails with ESRCH). */
function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
