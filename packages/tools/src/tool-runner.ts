import { InvalidArgumentError, type Sandbox } from '@kode/core';
import type { AnySandboxTool } from './define-tool';
import { toAnthropicTool, toOpenAITool, type AnthropicToolDefinition, type OpenAIToolDefinition } from './presenters';
import { sandboxTools } from './sandbox-tools';
import { toToolError, type ToolResult } from './tool-error';
import { createToolState, type ToolState, type ToolStateOptions } from './tool-state';

/** A model's request to call a tool. `input` may be an object or its JSON text (OpenAI's `arguments`). */
export interface ToolCall {
  name: string;
  input: unknown;
}

/** Options of {@link createToolRunner}. */
export interface ToolRunnerOptions {
  /** An initialised sandbox; the runner never disposes it. */
  sandbox: Sandbox;
  /** Tools offered. Default {@link sandboxTools}. Names must be unique. */
  tools?: readonly AnySandboxTool[];
  /** Per-sandbox state; default: a new one built from `trackReads` and `settings`. */
  state?: ToolState;
  /** Passed to {@link createToolState} when `state` is not given. */
  trackReads?: ToolStateOptions['trackReads'];
  /** Passed to {@link createToolState} when `state` is not given. */
  settings?: ToolStateOptions['settings'];
}

/** Dispatches tool calls by name against one sandbox. */
export interface ToolRunner {
  /** The tools, in order. */
  readonly tools: readonly AnySandboxTool[];
  /** The state shared by every call (cursors, tracker). */
  readonly state: ToolState;
  /** Runs `call`. Never rejects: unknown tools, bad JSON and failures come back as `{ ok: false, error }`. */
  run(call: ToolCall, options?: { signal?: AbortSignal }): Promise<ToolResult<unknown>>;
  /** Definitions in Anthropic's shape. */
  anthropicTools(): AnthropicToolDefinition[];
  /** Definitions in OpenAI's function-calling shape. */
  openAITools(): OpenAIToolDefinition[];
  /** Disposes the state it created (tracker watches); a state passed in is left to its owner. Idempotent. */
  dispose(): Promise<void>;
}

/**
 * Creates a {@link ToolRunner}: the loop of an agent calls `run({ name, input })` for each tool
 * call of the model and sends the result back. @throws InvalidArgumentError for duplicate tool names
 */
export function createToolRunner(options: ToolRunnerOptions): ToolRunner {
  const tools = options.tools ?? sandboxTools;
  const byName = new Map<string, AnySandboxTool>();
  for (const tool of tools) {
    if (byName.has(tool.name)) throw new InvalidArgumentError(`Duplicate tool name ${tool.name}; tool names must be unique.`);
    byName.set(tool.name, tool);
  }
  const ownsState = options.state === undefined;
  const state =
    options.state ??
    createToolState({
      sandbox: options.sandbox,
      ...(options.trackReads === undefined ? {} : { trackReads: options.trackReads }),
      ...(options.settings === undefined ? {} : { settings: options.settings }),
    });
  return {
    tools,
    state,
    async run(call, runOptions = {}) {
      const tool = typeof call?.name === 'string' ? byName.get(call.name) : undefined;
      if (!tool) {
        return {
          ok: false,
          error: {
            code: 'UNKNOWN_TOOL',
            message: `There is no tool named ${JSON.stringify(call?.name)}.`,
            hint: `Available tools: ${[...byName.keys()].join(', ')}.`,
            retryable: false,
          },
        };
      }
      let input = call.input;
      if (typeof input === 'string') {
        try {
          input = input.trim() === '' ? {} : JSON.parse(input);
        } catch (error) {
          return { ok: false, error: { code: 'INVALID_INPUT', message: `The input of ${tool.name} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, retryable: false } };
        }
      }
      try {
        return await tool.execute(input ?? {}, { sandbox: options.sandbox, state, ...(runOptions.signal === undefined ? {} : { signal: runOptions.signal }) });
      } catch (error) {
        // Only a third-party tool that breaks the never-reject rule gets here.
        return { ok: false, error: toToolError(error, runOptions.signal) };
      }
    },
    anthropicTools: () => tools.map(toAnthropicTool),
    openAITools: () => tools.map(toOpenAITool),
    async dispose() {
      if (ownsState) await state.dispose();
    },
  };
}
