// An agent loop with a scripted "model" (no network): it writes a small module and its tests,
// runs them, reads the failure, fixes the bug with fs_edit, re-runs the tests, searches the
// code, and drives a background process — all through @kode/tools.
//
//   pnpm --filter @kode/tools example                       # local sandbox in a temp dir
//   OPEN_SANDBOX_ENDPOINT=http://127.0.0.1:8080 pnpm --filter @kode/tools example
//
// The sandbox comes from SandboxFactory.createAsync. With OPEN_SANDBOX_ENDPOINT set it is an
// OpenSandbox sandbox (@kode/opensandbox is imported on demand, which registers the kind; an
// emulator from @kode/opensandbox-emulator works too); otherwise a LocalSandbox.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxFactory, type BaseSandboxConfig, type Sandbox } from '@kode/core';
import { createToolRunner, type ToolResult } from '@kode/tools';

/** The blocks of an Anthropic-style assistant turn that this loop understands. */
type AssistantBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };
interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string;
  is_error: boolean;
}
type Message = { role: 'user'; content: string | ToolResultBlock[] } | { role: 'assistant'; content: AssistantBlock[] };

const MODULE = `export function add(a, b) {\n  return a - b;\n}\n\nexport function mul(a, b) {\n  return a * b;\n}\n`;
const TESTS = `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add, mul } from './calc.mjs';\n\ntest('add', () => assert.equal(add(2, 3), 5));\ntest('mul', () => assert.equal(mul(2, 3), 6));\n`;

function lastToolResult(messages: Message[]): { ok: boolean; data: Record<string, unknown> } | undefined {
  const last = messages.at(-1);
  if (!last || last.role !== 'user' || typeof last.content === 'string') return undefined;
  const block = last.content[0];
  return block ? (JSON.parse(block.content) as { ok: boolean; data: Record<string, unknown> }) : undefined;
}

/**
 * The scripted model: looks at the conversation so far and answers with the next tool call, the
 * way a real model would (it reacts to results: it only fixes the code after seeing the test fail).
 */
function scriptedModel(messages: Message[]): AssistantBlock[] {
  const turn = messages.filter((m) => m.role === 'assistant').length;
  const result = lastToolResult(messages);
  const call = (name: string, input: Record<string, unknown>, text: string): AssistantBlock[] => [
    { type: 'text', text },
    { type: 'tool_use', id: `call_${turn}`, name, input },
  ];
  switch (turn) {
    case 0:
      return call('fs_write', { path: 'calc/calc.mjs', content: MODULE }, 'I will write the module.');
    case 1:
      return call('fs_write', { path: 'calc/calc.test.mjs', content: TESTS }, 'Now its tests.');
    case 2:
      return call('bash_run', { cmd: 'node --test calc/', timeout_ms: 60_000 }, 'Running the tests.');
    case 3:
      if (result?.data.code === 0) return [{ type: 'text', text: 'Tests pass already.' }];
      return call('fs_grep', { pattern: 'return a - b', path: 'calc', glob: '*.mjs' }, 'A test failed; looking for the bug.');
    case 4:
      return call('fs_read', { path: 'calc/calc.mjs', offset: 1, limit: 3 }, 'Reading the function.');
    case 5:
      return call('fs_edit', { path: 'calc/calc.mjs', old_string: 'return a - b;', new_string: 'return a + b;' }, 'add subtracts; fixing it.');
    case 6:
      return call('bash_run', { cmd: 'node --test calc/', timeout_ms: 60_000 }, 'Re-running the tests.');
    case 7:
      if (result?.data.code !== 0) return [{ type: 'text', text: 'Still failing; giving up.' }];
      return call('bash_run', { cmd: 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done', background: true }, 'Starting a background watcher.');
    case 8:
      return call('bash_logs', { shell_id: String(result?.data.shellId), wait_ms: 700 }, 'Checking its output.');
    case 9:
      return call('bash_kill', { shell_id: String(result?.data.shellId) }, 'Stopping it.');
    default:
      return [{ type: 'text', text: 'Done: add() is fixed and both tests pass.' }];
  }
}

async function createSandbox(): Promise<{ sandbox: Sandbox; cleanup(): Promise<void> }> {
  const endpoint = process.env.OPEN_SANDBOX_ENDPOINT;
  if (endpoint) {
    // Imported on demand: registers the 'opensandbox' kind with the factory.
    await import('@kode/opensandbox');
    const config: BaseSandboxConfig & Record<string, unknown> = {
      kind: 'opensandbox',
      endpoint,
      image: process.env.OPEN_SANDBOX_IMAGE ?? 'ubuntu',
      ...(process.env.OPEN_SANDBOX_API_KEY ? { apiKey: process.env.OPEN_SANDBOX_API_KEY } : {}),
    };
    const sandbox = await SandboxFactory.createAsync(config);
    return { sandbox, cleanup: () => sandbox.dispose() };
  }
  await import('@kode/local');
  const workDir = await mkdtemp(join(tmpdir(), 'kode-tools-example-'));
  const sandbox = await SandboxFactory.createAsync({ kind: 'local', workDir });
  return {
    sandbox,
    async cleanup() {
      await sandbox.dispose();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

function summary(result: ToolResult<unknown>): string {
  if (!result.ok) return `error ${result.error.code}: ${result.error.message}`;
  const data = result.data as Record<string, unknown>;
  if ('code' in data && 'stdout' in data) return `exit ${String(data.code)}${data.code === 0 ? '' : ` — ${String(data.stdout).split('\n').find((l) => l.startsWith('not ok')) ?? ''}`}`;
  if ('matches' in data && Array.isArray(data.matches)) return `${data.matches.length} match(es): ${JSON.stringify(data.matches[0] ?? null)}`;
  if ('output' in data) return `${JSON.stringify(String(data.output).slice(0, 40))}… running=${String(data.running)}`;
  return JSON.stringify(data).slice(0, 120);
}

/** Runs the loop; returns the transcript. Exported for the example's test. */
export async function runScriptedAgent(log: (line: string) => void = (line) => console.log(line)): Promise<{ messages: Message[]; sandboxKind: string }> {
  const { sandbox, cleanup } = await createSandbox();
  const runner = createToolRunner({ sandbox, trackReads: true });
  log(`sandbox: ${sandbox.kind} at ${sandbox.workDir}; tools: ${runner.anthropicTools().map((t) => t.name).join(', ')}`);
  const messages: Message[] = [{ role: 'user', content: 'Write calc.mjs with add and mul, test it, and make the tests pass.' }];
  try {
    for (let step = 0; step < 20; step++) {
      const content = scriptedModel(messages);
      messages.push({ role: 'assistant', content });
      const uses = content.filter((b): b is Extract<AssistantBlock, { type: 'tool_use' }> => b.type === 'tool_use');
      for (const b of content) if (b.type === 'text') log(`model: ${b.text}`);
      if (uses.length === 0) break;
      const results: ToolResultBlock[] = [];
      for (const use of uses) {
        const result = await runner.run({ name: use.name, input: use.input });
        log(`  ${use.name} → ${summary(result)}`);
        results.push({ type: 'tool_result', tool_use_id: use.id, content: JSON.stringify(result), is_error: !result.ok });
      }
      messages.push({ role: 'user', content: results });
    }
    return { messages, sandboxKind: sandbox.kind };
  } finally {
    await runner.dispose();
    await cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runScriptedAgent().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
