// An AI SDK agent loop over a KODE sandbox: `generateText` with the nine tools from
// `@kode/tools/ai`, driven by the SDK's own mock model (`MockLanguageModelV4` from `ai/test`), which
// answers like a real model would — it reads each tool result from the prompt before choosing the
// next call. It writes a module and its test, runs the test, sees it fail, fixes the bug with
// fs_edit, re-runs the test and answers. No network, no API key.
//
//   pnpm --filter @kode/tools example:ai            # starts the OpenSandbox emulator (Linux, bubblewrap)
//   OPEN_SANDBOX_ENDPOINT=http://127.0.0.1:8080 pnpm --filter @kode/tools example:ai   # your server
//
// With a real model, replace `scriptedModel()` by e.g. `anthropic('claude-…')`; nothing else changes.
import { OpenSandbox } from '@kode/opensandbox';
import { startEmulator } from '@kode/opensandbox-emulator';
import { aiSdkTools } from '@kode/tools/ai';
import { generateText, isStepCount } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';

const MODULE = 'export function add(a, b) {\n  return a - b;\n}\n';
const TEST = "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from './add.mjs';\n\ntest('add', () => assert.equal(add(2, 3), 5));\n";

type Prompt = MockLanguageModelV4['doGenerateCalls'][number]['prompt'];

/** The `ToolResult` of the last tool call in the prompt, as the SDK sent it to the model. */
function lastToolResult(prompt: Prompt): { ok: boolean; data?: Record<string, unknown> } | undefined {
  const last = prompt.at(-1);
  if (last?.role !== 'tool') return undefined;
  const part = last.content.at(-1);
  return part?.type === 'tool-result' && part.output.type === 'json' ? (part.output.value as { ok: boolean; data?: Record<string, unknown> }) : undefined;
}

const usage = { inputTokens: { total: 0, noCache: 0, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 0, text: 0, reasoning: undefined } };
const call = (step: number, toolName: string, input: unknown) => ({
  content: [{ type: 'tool-call' as const, toolCallId: `call-${step}`, toolName, input: JSON.stringify(input) }],
  finishReason: { unified: 'tool-calls' as const, raw: undefined },
  usage,
  warnings: [],
});
const answer = (text: string) => ({ content: [{ type: 'text' as const, text }], finishReason: { unified: 'stop' as const, raw: undefined }, usage, warnings: [] });

/** The model's next turn, chosen from the number of turns so far and the last tool result. */
function nextTurn(step: number, result: ReturnType<typeof lastToolResult>) {
  if (result !== undefined && !result.ok) return answer(`A tool failed: ${JSON.stringify(result)}`);
  switch (step) {
    case 0:
      return call(step, 'fs_write', { path: 'calc/add.mjs', content: MODULE });
    case 1:
      return call(step, 'fs_write', { path: 'calc/add.test.mjs', content: TEST });
    case 2:
      return call(step, 'bash_run', { cmd: 'node --test calc/', timeout_ms: 60_000 });
    case 3:
      return result?.data?.code === 0 ? answer('The test passes already.') : call(step, 'fs_read', { path: 'calc/add.mjs' });
    case 4:
      return call(step, 'fs_edit', { path: 'calc/add.mjs', old_string: 'return a - b;', new_string: 'return a + b;' });
    case 5:
      return call(step, 'bash_run', { cmd: 'node --test calc/', timeout_ms: 60_000 });
    default:
      return answer(result?.data?.code === 0 ? 'Fixed: add() subtracted; the test passes now.' : 'The test still fails.');
  }
}

/** The scripted model: the SDK's mock model, answering from the conversation so far. */
function scriptedModel(): MockLanguageModelV4 {
  return new MockLanguageModelV4({
    doGenerate: ({ prompt }) => Promise.resolve(nextTurn(prompt.filter((m) => m.role === 'assistant').length, lastToolResult(prompt))),
  });
}

/** Runs the loop on an OpenSandbox sandbox (the emulator unless OPEN_SANDBOX_ENDPOINT is set). Exported for the example's test. */
export async function runAiSdkAgent(log: (line: string) => void = (line) => console.log(line)) {
  const configured = process.env.OPEN_SANDBOX_ENDPOINT;
  const emulator = configured ? undefined : await startEmulator();
  const sandbox = new OpenSandbox({ kind: 'opensandbox', endpoint: configured ?? emulator!.url, image: process.env.OPEN_SANDBOX_IMAGE ?? 'ubuntu' });
  try {
    await sandbox.init();
    log(`sandbox ${sandbox.getSandboxId()} on ${configured ?? 'the emulator'}`);
    return await generateText({
      model: scriptedModel(),
      tools: aiSdkTools(sandbox),
      prompt: 'Write calc/add.mjs with add(a, b) and a node:test for it, and make the test pass.',
      stopWhen: isStepCount(12),
      onStepFinish: (step) => {
        for (const r of step.toolResults) log(`  ${r.toolName} → ${JSON.stringify(r.output).slice(0, 100)}`);
        if (step.text) log(`model: ${step.text}`);
      },
    });
  } finally {
    await sandbox.dispose();
    await emulator?.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runAiSdkAgent().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
