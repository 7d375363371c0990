// An MCP session with `kode-sandbox-mcp`: the MCP SDK's own client starts the server over stdio
// (exactly as Claude Desktop or an IDE would), lists the tools and calls a few of them on an
// OpenSandbox sandbox, then closes stdin — the server disposes the sandbox and exits.
//
//   pnpm --filter @kode/mcp example                # starts the OpenSandbox emulator (Linux, bubblewrap)
//   OPEN_SANDBOX_ENDPOINT=http://127.0.0.1:8080 pnpm --filter @kode/mcp example   # your server
//
// Outside this repository the server command is simply `npx kode-sandbox-mcp` (with @kode/mcp and
// @kode/opensandbox installed); here it runs from source.
import { fileURLToPath } from 'node:url';
import { startEmulator } from '@kode/opensandbox-emulator';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

/** One tool call of the session and what came back. */
export interface SessionStep {
  tool: string;
  isError: boolean;
  result: { ok: boolean; data?: Record<string, unknown>; error?: { code: string } };
}

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

/** Runs the session; returns the tool names offered and each call's result. Exported for the example's test. */
export async function runMcpSession(log: (line: string) => void = (line) => console.log(line)): Promise<{ tools: string[]; steps: SessionStep[]; serverLog: string }> {
  const configured = process.env.OPEN_SANDBOX_ENDPOINT;
  const emulator = configured ? undefined : await startEmulator();
  const config = { kind: 'opensandbox', endpoint: configured ?? emulator!.url, image: process.env.OPEN_SANDBOX_IMAGE ?? 'ubuntu' };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  // The API key, if any, stays in OPEN_SANDBOX_API_KEY (inherited); the config holds no secret.
  env.KODE_SANDBOX_CONFIG = JSON.stringify(config);
  const transport = new StdioClientTransport({ command: process.execPath, args: ['--conditions=@kode/source', '--import', 'tsx', cli], env, stderr: 'pipe' });
  let serverLog = '';
  transport.stderr?.on('data', (chunk: Buffer) => (serverLog += chunk.toString()));
  const client = new Client({ name: 'kode-mcp-example', version: '1.0.0' });
  const steps: SessionStep[] = [];
  const callTool = async (name: string, args: Record<string, unknown>): Promise<SessionStep> => {
    const response = await client.callTool({ name, arguments: args });
    const step = { tool: name, isError: response.isError === true, result: response.structuredContent as SessionStep['result'] };
    log(`  ${name}(${JSON.stringify(args).slice(0, 60)}) → ${JSON.stringify(step.result).slice(0, 100)}`);
    steps.push(step);
    return step;
  };
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    log(`server ${client.getServerVersion()?.name ?? '?'} offers: ${tools.map((t) => t.name).join(', ')}`);
    await callTool('fs_write', { path: 'app/greet.sh', content: '#!/bin/sh\necho "hello, $1"\n' });
    await callTool('bash_run', { cmd: 'sh app/greet.sh mcp' });
    await callTool('fs_edit', { path: 'app/greet.sh', old_string: 'hello', new_string: 'goodbye' });
    await callTool('fs_grep', { pattern: 'goodbye', path: 'app' });
    await callTool('fs_read', { path: 'app/missing.txt' });
    await client.close(); // ends the server's stdin: it disposes the sandbox and exits
    return { tools: tools.map((t) => t.name), steps, serverLog };
  } finally {
    await client.close().catch(() => undefined);
    await emulator?.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runMcpSession().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
