import type { Sandbox } from '@kode/core';
import type { z } from 'zod';
import type { ReadTracker } from './read-tracker';
import type { ToolContext } from './tool-context';
import { toToolError, type ToolError, type ToolResult } from './tool-error';
import { DEFAULT_TOOL_SETTINGS, type ToolSettings } from './tool-settings';
import type { ToolState } from './tool-state';

/**
 * An agent tool over a sandbox. `execute` validates `input` against `inputSchema` and never
 * rejects: every failure (invalid input, a sandbox error, an abort, a bug) comes back as
 * `{ ok: false, error }`.
 *
 * @typeParam I - the input as a model sends it (defaults may be omitted)
 * @typeParam O - the `data` of a successful result
 */
export interface SandboxTool<I = unknown, O = unknown> {
  /** The name models call it by, e.g. `'fs_read'`. */
  readonly name: string;
  /** What it does and when to use it, written for a model. */
  readonly description: string;
  /** zod schema of the input; every field carries a description. */
  readonly inputSchema: z.ZodType;
  /** True when the tool never changes the sandbox (safe to auto-approve). */
  readonly readOnly: boolean;
  /** Runs the tool. Never rejects; see {@link ToolResult}. */
  execute(input: I, context: ToolContext): Promise<ToolResult<O>>;
}

/** A tool of any input and output, for lists of tools. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- method bivariance needs the widest input type here
export type AnySandboxTool = SandboxTool<any, unknown>;

/** The context a tool's implementation receives: the caller's context with settings resolved. */
export interface ResolvedToolContext {
  /** The caller's sandbox (initialised; never disposed by a tool). */
  sandbox: Sandbox;
  /** The caller's abort signal, if any; pass it to long operations. */
  signal: AbortSignal | undefined;
  /** The caller's per-sandbox state, if any. */
  state: ToolState | undefined;
  /** `state.settings`, or {@link DEFAULT_TOOL_SETTINGS} without a state. */
  settings: Readonly<ToolSettings>;
  /** `state.tracker`: present only when read tracking is on. */
  tracker: ReadTracker | undefined;
}

/** What {@link defineTool} needs. */
export interface ToolDefinition<S extends z.ZodType, O> {
  /** The name models call it by; unique within a runner. */
  name: string;
  /** What it does and when to use it, written for a model. */
  description: string;
  /** zod schema of the input (use `z.strictObject` and describe every field). */
  inputSchema: S;
  /** True when the tool never changes the sandbox. */
  readOnly: boolean;
  /** The implementation: gets validated input; may throw (`ToolFailure` for explained failures). */
  run(input: z.output<S>, context: ResolvedToolContext): Promise<O>;
}

function fieldOf(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) {
    return [...issue.path.map(String), issue.keys[0]].join('.');
  }
  return issue.path.length === 0 ? undefined : issue.path.map(String).join('.');
}

/** Turns zod issues into one `INVALID_INPUT` error naming the first offending field. */
export function validationError(toolName: string, issues: readonly z.core.$ZodIssue[]): ToolError {
  const described = issues.slice(0, 5).map((issue) => {
    const field = fieldOf(issue);
    return field === undefined ? issue.message : `\`${field}\`: ${issue.message}`;
  });
  const first = issues[0];
  const field = first === undefined ? undefined : fieldOf(first);
  return {
    code: 'INVALID_INPUT',
    message: `Invalid input for ${toolName}: ${described.join('; ')}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''}.`,
    hint: 'Fix the named field(s) to match the tool’s input schema and call it again.',
    retryable: false,
    ...(field === undefined ? {} : { field }),
  };
}

function contextError(message: string): ToolResult<never> {
  return { ok: false, error: { code: 'INVALID_ARGUMENT', message, retryable: false } };
}

/**
 * Builds a {@link SandboxTool} from a schema and an implementation: validation, settings, abort
 * handling and error mapping are done here once for every tool.
 */
export function defineTool<S extends z.ZodType, O>(definition: ToolDefinition<S, O>): SandboxTool<z.input<S>, O> {
  const { name, description, inputSchema, readOnly } = definition;
  return Object.freeze({
    name,
    description,
    inputSchema,
    readOnly,
    async execute(input: z.input<S>, context: ToolContext): Promise<ToolResult<O>> {
      if (typeof context !== 'object' || context === null || typeof context.sandbox !== 'object' || context.sandbox === null) {
        return contextError(`${name} needs a context with a sandbox: execute(input, { sandbox }).`);
      }
      const { sandbox, signal, state } = context;
      if (state !== undefined && state.sandbox !== sandbox) {
        return contextError(`${name}: context.state belongs to another sandbox; create one ToolState per sandbox.`);
      }
      if (signal?.aborted === true) return { ok: false, error: toToolError(signal.reason, signal) };
      const parsed = inputSchema.safeParse(input);
      if (!parsed.success) return { ok: false, error: validationError(name, parsed.error.issues) };
      try {
        const data = await definition.run(parsed.data, {
          sandbox,
          signal,
          state,
          settings: state?.settings ?? DEFAULT_TOOL_SETTINGS,
          tracker: state?.tracker,
        });
        return { ok: true, data };
      } catch (error) {
        return { ok: false, error: toToolError(error, signal) };
      }
    },
  });
}
