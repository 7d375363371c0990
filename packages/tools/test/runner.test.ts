import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Sandbox } from '@kode/core';
import {
  createToolRunner,
  defineTool,
  fsEditTool,
  sandboxTools,
  toAnthropicTool,
  toOpenAITool,
  toolInputJsonSchema,
  ToolFailure,
  type AnySandboxTool,
} from '../src/index';
import { errorOf, localSandbox, okData } from './helpers';

let sandbox: Sandbox;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ sandbox, close } = await localSandbox());
});

afterAll(async () => {
  await close();
});

/** Every property at every depth of a JSON Schema, with its path. */
function properties(schema: Record<string, unknown>, path = ''): Array<[string, Record<string, unknown>]> {
  const out: Array<[string, Record<string, unknown>]> = [];
  const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, prop] of Object.entries(props)) {
    out.push([`${path}${name}`, prop]);
    out.push(...properties(prop, `${path}${name}.`));
    const items = prop.items as Record<string, unknown> | undefined;
    if (items) out.push(...properties(items, `${path}${name}[].`));
  }
  return out;
}

describe('presenters', () => {
  it('produce JSON Schema with a description on every field, from zod’s own converter', () => {
    expect(sandboxTools.map((t) => t.name)).toEqual(['bash_run', 'bash_logs', 'bash_kill', 'fs_read', 'fs_write', 'fs_edit', 'fs_multi_edit', 'fs_glob', 'fs_grep']);
    for (const tool of sandboxTools) {
      const schema = toolInputJsonSchema(tool);
      expect(schema.type).toBe('object');
      expect(schema.$schema).toBeUndefined();
      expect(schema.additionalProperties).toBe(false);
      const props = properties(schema);
      expect(props.length).toBeGreaterThan(0);
      for (const [name, prop] of props) expect(typeof prop.description, `${tool.name}.${name}`).toBe('string');
      expect(tool.description.length).toBeGreaterThan(80);
    }
    const edit = toolInputJsonSchema(fsEditTool);
    expect(edit.required).toEqual(['path', 'old_string', 'new_string']);
  });

  it('shape Anthropic and OpenAI definitions', () => {
    const anthropic = toAnthropicTool(fsEditTool);
    expect(Object.keys(anthropic)).toEqual(['name', 'description', 'input_schema']);
    expect(anthropic.name).toBe('fs_edit');
    const openai = toOpenAITool(fsEditTool);
    expect(openai.type).toBe('function');
    expect(openai.function.name).toBe('fs_edit');
    expect(openai.function.parameters).toEqual(anthropic.input_schema);
    expect(JSON.parse(JSON.stringify(openai))).toEqual(openai);
  });
});

describe('createToolRunner', () => {
  it('dispatches calls by name, parses JSON text input, and keeps state across calls', async () => {
    const runner = createToolRunner({ sandbox, trackReads: true });
    try {
      expect(runner.anthropicTools()).toHaveLength(9);
      expect(runner.openAITools()[0]?.function.name).toBe('bash_run');
      okData(await runner.run({ name: 'fs_write', input: { path: 'r.txt', content: 'one\n' } }));
      const read = okData(await runner.run({ name: 'fs_read', input: '{"path":"r.txt"}' }));
      expect(read).toMatchObject({ content: '     1\tone' });
      await sandbox.fs.write('r3.txt', 'exists');
      errorOf(await runner.run({ name: 'fs_write', input: { path: 'r3.txt', content: 'y' } }), 'FILE_NOT_READ');
    } finally {
      await runner.dispose();
    }
  });

  it('never rejects: unknown tools, bad JSON, validation errors and throwing tools become error results', async () => {
    const broken = defineTool({
      name: 'broken',
      description: 'throws',
      inputSchema: z.strictObject({}),
      readOnly: true,
      run: () => Promise.reject(new RangeError('boom')),
    });
    const explained = defineTool({
      name: 'explained',
      description: 'fails on purpose',
      inputSchema: z.strictObject({ n: z.number().describe('a number') }),
      readOnly: true,
      run: () => Promise.reject(new ToolFailure('NO_MATCH', 'nothing', { hint: 'try again', field: 'n' })),
    });
    const rogue: AnySandboxTool = { name: 'rogue', description: 'rejects', inputSchema: z.object({}), readOnly: true, execute: () => Promise.reject(new Error('rogue')) };
    const runner = createToolRunner({ sandbox, tools: [...sandboxTools, broken, explained, rogue] });
    const unknown = errorOf(await runner.run({ name: 'nope', input: {} }), 'UNKNOWN_TOOL');
    expect(unknown.hint).toContain('fs_grep');
    errorOf(await runner.run({ name: 'fs_read', input: '{not json' }), 'INVALID_INPUT');
    const invalid = errorOf(await runner.run({ name: 'fs_read', input: { path: 5, extra: true } }), 'INVALID_INPUT');
    expect(invalid.field).toBe('path');
    expect(invalid.message).toContain('`extra`');
    expect(errorOf(await runner.run({ name: 'broken', input: {} }), 'INTERNAL').message).toBe('RangeError: boom');
    expect(errorOf(await runner.run({ name: 'explained', input: { n: 1 } }), 'NO_MATCH')).toEqual({ code: 'NO_MATCH', message: 'nothing', hint: 'try again', field: 'n', retryable: false });
    expect(errorOf(await runner.run({ name: 'rogue', input: {} }), 'INTERNAL').message).toContain('rogue');
    expect(() => createToolRunner({ sandbox, tools: [broken, broken] })).toThrow(/Duplicate tool name broken/);
  });
});
