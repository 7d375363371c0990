import { request } from 'node:http';
import { startEmulator, type EmulatorHandle } from '@kode/opensandbox-emulator';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, exited, startHttpCli } from './helpers';

/** POSTs an MCP initialize to `url` with a forged Host header; resolves with the status code. */
function postWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { host, 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
  });
}

describe('kode-sandbox-mcp --http (Streamable HTTP, the SDK client)', () => {
  let emulator: EmulatorHandle;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('serves the tools at http://127.0.0.1:PORT/mcp, shares tool state across requests, refuses foreign Host headers, and disposes the sandbox on SIGTERM', async () => {
    const { url, child, stderr } = await startHttpCli(cliEnv({ KODE_SANDBOX_CONFIG: JSON.stringify({ kind: 'opensandbox', endpoint: emulator.url }) }));
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const client = new Client({ name: 'kode-mcp-http-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      const { tools } = await client.listTools();
      expect(tools).toHaveLength(9);
      await client.callTool({ name: 'fs_write', arguments: { path: 'x/note.txt', content: 'over http\n' } });
      const read = await client.callTool({ name: 'fs_read', arguments: { path: 'x/note.txt' } });
      expect(read.structuredContent).toMatchObject({ ok: true, data: { content: '     1\tover http' } });

      // bash_logs cursors live in one state shared by every request's server.
      const started = await client.callTool({ name: 'bash_run', arguments: { cmd: 'echo once', background: true } });
      const shellId = (started.structuredContent as { data: { shellId: string } }).data.shellId;
      expect((await client.callTool({ name: 'bash_logs', arguments: { shell_id: shellId, wait_ms: 30_000 } })).structuredContent).toMatchObject({ data: { output: 'once\n' } });
      expect((await client.callTool({ name: 'bash_logs', arguments: { shell_id: shellId } })).structuredContent).toMatchObject({ data: { output: '' } });
      await client.close();

      const port = new URL(url).port;
      expect(await postWithHost(url, `evil.example:${port}`)).toBe(403);
      expect(await postWithHost(url.replace('/mcp', '/other'), `127.0.0.1:${port}`)).toBe(404);
      expect(emulator.sandboxIds()).toHaveLength(1);

      child.kill('SIGTERM');
      expect(await exited(child)).toEqual({ code: 0, signal: null });
      expect(emulator.sandboxIds()).toEqual([]);
      expect(stderr()).toContain('sandbox disposed');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
