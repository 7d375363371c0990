import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@kode/core';
import { generateText, isStepCount, type LanguageModelUsage, type ToolSet } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aiSdkTools, type AiSdkTools } from '../src/ai';
import { createToolState, sandboxTools } from '../src/index';
import { localSandbox } from './helpers';

type Local = Awaited<ReturnType<typeof localSandbox>>;

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};

function toolCallTurn(toolCallId: string, toolName: string, input: unknown) {
  return {
    content: [{ type: 'tool-call' as const, toolCallId, toolName, input: JSON.stringify(input) }],
    finishReason: { unified: 'tool-calls' as const, raw: 'tool_use' },
    usage,
    warnings: [],
  };
}

function textTurn(text: string) {
  return { content: [{ type: 'text' as const, text }], finishReason: { unified: 'stop' as const, raw: 'end_turn' }, usage, warnings: [] };
}

describe('aiSdkTools', () => {
  let local: Local;
  beforeEach(async () => {
    local = await localSandbox();
  });
  afterEach(async () => {
    await local.close();
  });

  it('returns the nine tools by name, each with description, zod inputSchema and execute; the record is a ToolSet', () => {
    const tools = aiSdkTools(local.sandbox);
    // Compile-time check: the record is assignable to the SDK's ToolSet.
    const asToolSet: ToolSet = tools;
    expect(Object.keys(asToolSet)).toEqual(sandboxTools.map((t) => t.name));
    for (const tool of sandboxTools) {
      const adapted = tools[tool.name as keyof AiSdkTools];
      expect(adapted.description).toBe(tool.description);
      expect(adapted.inputSchema).toBe(tool.inputSchema);
      expect(typeof adapted.execute).toBe('function');
    }
    expect(Object.isFrozen(tools)).toBe(true);
  });

  it('runs a scripted tool loop with generateText: a write, a command, then the final answer', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: [
        toolCallTurn('call-1', 'fs_write', { path: 'notes/hello.txt', content: 'hello from the model\n' }),
        toolCallTurn('call-2', 'bash_run', { cmd: 'wc -c < notes/hello.txt; exit 2' }),
        textTurn('The file has 21 bytes.'),
      ],
    });
    const result = await generateText({ model, tools: aiSdkTools(local.sandbox), prompt: 'Write a note and count its bytes.', stopWhen: isStepCount(5) });

    expect(result.text).toBe('The file has 21 bytes.');
    expect(result.steps).toHaveLength(3);
    expect(await readFile(join(local.dir, 'notes/hello.txt'), 'utf8')).toBe('hello from the model\n');
    const [write, run] = result.steps.flatMap((step) => step.toolResults);
    expect(write).toMatchObject({ toolName: 'fs_write', toolCallId: 'call-1', output: { ok: true, data: { created: true } } });
    expect(run).toMatchObject({ toolName: 'bash_run', output: { ok: true, data: { background: false, code: 2, stdout: '21\n' } } });

    // What the model was offered: the nine tools as JSON Schema derived from the zod schemas.
    const offered = model.doGenerateCalls[0]?.tools ?? [];
    expect(offered.map((t) => t.name)).toEqual(sandboxTools.map((t) => t.name));
    const bashRun = offered.find((t) => t.name === 'bash_run');
    expect(bashRun).toMatchObject({ type: 'function', inputSchema: { type: 'object', required: ['cmd'] } });
    // The second call carries the first tool result back to the model.
    const secondPrompt = JSON.stringify(model.doGenerateCalls[1]?.prompt);
    expect(secondPrompt).toContain('call-1');
    expect(secondPrompt).toContain('"created":true');
    const total: LanguageModelUsage = result.totalUsage;
    expect(total.inputTokens).toBe(30);
  });

  it('sends a tool failure back to the model as a result with its code and hint, and the loop goes on', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: [toolCallTurn('call-1', 'fs_read', { path: 'missing.txt' }), textTurn('There is no such file.')],
    });
    const result = await generateText({ model, tools: aiSdkTools(local.sandbox), prompt: 'Read missing.txt', stopWhen: isStepCount(3) });
    expect(result.text).toBe('There is no such file.');
    expect(result.steps[0]?.toolResults[0]?.output).toMatchObject({ ok: false, error: { code: 'FILE_NOT_FOUND' } });
  });

  it('leaves input that fails the schema to the SDK, which reports it to the model as a tool error naming the field', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: [toolCallTurn('call-1', 'fs_read', { path: 'a.txt', offset: 'ten' }), textTurn('I will fix my call.')],
    });
    const result = await generateText({ model, tools: aiSdkTools(local.sandbox), prompt: 'Read a.txt', stopWhen: isStepCount(3) });
    const errors = result.steps[0]?.content.filter((part) => part.type === 'tool-error') ?? [];
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as { error: unknown }).error)).toContain('offset');
    expect(JSON.stringify(model.doGenerateCalls[1]?.prompt)).toContain('offset');
    expect(result.text).toBe('I will fix my call.');
  });

  it('passes the SDK abort signal to the tool: a running command is killed and the result is ABORTED', async () => {
    const tools = aiSdkTools(local.sandbox);
    const controller = new AbortController();
    const pending = tools.bash_run.execute({ cmd: 'echo started > started.txt; sleep 30' }, { abortSignal: controller.signal });
    await expect.poll(() => readFile(join(local.dir, 'started.txt'), 'utf8').catch(() => ''), { timeout: 10_000 }).toBe('started\n');
    controller.abort();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'ABORTED' } });
  });

  it('shares one state across calls: bash_logs returns only new output of a background command', async () => {
    const tools = aiSdkTools(local.sandbox);
    const started = await tools.bash_run.execute({ cmd: 'echo one; sleep 0.2; echo two', background: true });
    if (!started.ok || !started.data.background) throw new Error(`background start failed: ${JSON.stringify(started)}`);
    const all = await tools.bash_logs.execute({ shell_id: started.data.shellId, wait_ms: 30_000 });
    expect(all).toMatchObject({ ok: true, data: { output: 'one\ntwo\n', running: false } });
    expect(await tools.bash_logs.execute({ shell_id: started.data.shellId })).toMatchObject({ ok: true, data: { output: '' } });
  });

  it('uses a state given by the caller (read tracking) and rejects a state of another sandbox or state with settings', async () => {
    const state = createToolState({ sandbox: local.sandbox, trackReads: true });
    try {
      const tools = aiSdkTools(local.sandbox, { state });
      await local.sandbox.fs.write('a.txt', 'x\n');
      expect(await tools.fs_edit.execute({ path: 'a.txt', old_string: 'x', new_string: 'y' })).toMatchObject({ ok: false, error: { code: 'FILE_NOT_READ' } });
      const other = await localSandbox();
      try {
        expect(() => aiSdkTools(other.sandbox, { state })).toThrow(InvalidArgumentError);
      } finally {
        await other.close();
      }
      expect(() => aiSdkTools(local.sandbox, { state, settings: { maxOutputChars: 100 } })).toThrow(/either options.state or options.settings/);
    } finally {
      await state.dispose();
    }
    // @ts-expect-error -- a sandbox is required
    expect(() => aiSdkTools(undefined)).toThrow(InvalidArgumentError);
  });
});
