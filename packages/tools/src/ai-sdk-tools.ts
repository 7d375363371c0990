import { InvalidArgumentError, type Sandbox } from '@kode/core';
import type { z } from 'zod';
import type { SandboxTool } from './define-tool';
import type { ToolResult } from './tool-error';
import type { ToolSettings } from './tool-settings';
import { createToolState, type ToolState } from './tool-state';
import type { bashKillTool } from './tools/bash-kill';
import type { bashLogsTool } from './tools/bash-logs';
import type { bashRunTool } from './tools/bash-run';
import type { fsEditTool } from './tools/fs-edit';
import type { fsGlobTool } from './tools/fs-glob';
import type { fsGrepTool } from './tools/fs-grep';
import type { fsMultiEditTool } from './tools/fs-multi-edit';
import type { fsReadTool } from './tools/fs-read';
import type { fsWriteTool } from './tools/fs-write';
import { sandboxTools } from './sandbox-tools';

/**
 * The part of the AI SDK's tool-execution options these tools read. The SDK passes more
 * (`toolCallId`, `messages`, …); they are ignored.
 */
export interface AiSdkToolExecutionOptions {
  /** Aborts the call: a running command is killed and the result is an `ABORTED` error. */
  abortSignal?: AbortSignal;
}

/**
 * One tool in the shape of the AI SDK's `tool()` (the `ai` package, major 5 and later):
 * `description`, `inputSchema` (the tool's zod schema, which the SDK turns into JSON Schema and
 * validates with) and `execute`. Assignable to the SDK's `Tool`, so a record of them is a `ToolSet`.
 *
 * @typeParam I - the input as a model sends it
 * @typeParam O - the `data` of a successful result
 */
export interface AiSdkTool<I = unknown, O = unknown> {
  /** What it does and when to use it, written for a model. */
  readonly description: string;
  /** zod schema of the input; the SDK derives the JSON Schema sent to the model from it. */
  readonly inputSchema: z.ZodType;
  /**
   * Runs the tool against the sandbox. Never rejects: the output is the tool's
   * {@link ToolResult} (`{ ok: true, data }` or `{ ok: false, error: { code, message, hint? } }`),
   * sent to the model as JSON, so a failure reaches the model with its hint.
   */
  execute(input: I, options?: AiSdkToolExecutionOptions): Promise<ToolResult<O>>;
}

type AiSdkToolOf<T> = T extends SandboxTool<infer I, infer O> ? AiSdkTool<I, O> : never;

/**
 * The record {@link aiSdkTools} returns: the nine built-in tools by name. A type alias (not an
 * interface) so that it is assignable to the SDK's `ToolSet` index signature.
 */
export type AiSdkTools = {
  bash_run: AiSdkToolOf<typeof bashRunTool>;
  bash_logs: AiSdkToolOf<typeof bashLogsTool>;
  bash_kill: AiSdkToolOf<typeof bashKillTool>;
  fs_read: AiSdkToolOf<typeof fsReadTool>;
  fs_write: AiSdkToolOf<typeof fsWriteTool>;
  fs_edit: AiSdkToolOf<typeof fsEditTool>;
  fs_multi_edit: AiSdkToolOf<typeof fsMultiEditTool>;
  fs_glob: AiSdkToolOf<typeof fsGlobTool>;
  fs_grep: AiSdkToolOf<typeof fsGrepTool>;
};

/** Options of {@link aiSdkTools}. */
export interface AiSdkToolsOptions {
  /**
   * Per-sandbox state shared by every call (`bash_logs` cursors, the optional read tracker,
   * settings). Owned by the caller, who disposes it. Default: a new state without read tracking
   * (it holds no resources, so nothing needs disposing). For read-before-write checks pass
   * `createToolState({ sandbox, trackReads: true })` and dispose it when the agent is done.
   */
  state?: ToolState;
  /** Overrides of the default settings, for the state created when `state` is not given. */
  settings?: Partial<ToolSettings>;
}

/**
 * The nine built-in tools as AI SDK tools, keyed by name, for
 * `generateText({ model, tools: aiSdkTools(sandbox) })` (and `streamText`, agents). No I/O; the
 * sandbox must be initialised before a tool runs and is never disposed by the tools.
 *
 * @param sandbox - an initialised sandbox, owned by the caller
 * @param options - see {@link AiSdkToolsOptions}
 * @returns a new frozen record; calls through it share one {@link ToolState}
 * @throws InvalidArgumentError when `sandbox` is not an object, `options.state` belongs to another
 *   sandbox, or both `state` and `settings` are given
 */
export function aiSdkTools(sandbox: Sandbox, options: AiSdkToolsOptions = {}): AiSdkTools {
  if (typeof sandbox !== 'object' || sandbox === null) throw new InvalidArgumentError('aiSdkTools needs a sandbox: aiSdkTools(sandbox, options?).');
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('aiSdkTools: options must be an object.');
  if (options.state !== undefined && options.state.sandbox !== sandbox) {
    throw new InvalidArgumentError('aiSdkTools: options.state belongs to another sandbox; create one ToolState per sandbox.');
  }
  if (options.state !== undefined && options.settings !== undefined) {
    throw new InvalidArgumentError('aiSdkTools: give either options.state or options.settings, not both (a state carries its own settings).');
  }
  const state = options.state ?? createToolState({ sandbox, ...(options.settings === undefined ? {} : { settings: options.settings }) });
  const record: Record<string, AiSdkTool> = {};
  for (const tool of sandboxTools) {
    record[tool.name] = Object.freeze({
      description: tool.description,
      inputSchema: tool.inputSchema,
      execute: (input: unknown, executeOptions?: AiSdkToolExecutionOptions) =>
        tool.execute(input, { sandbox, state, ...(executeOptions?.abortSignal === undefined ? {} : { signal: executeOptions.abortSignal }) }),
    });
  }
  return Object.freeze(record) as unknown as AiSdkTools;
}
