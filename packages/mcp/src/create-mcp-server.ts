import { InvalidArgumentError, type Sandbox } from '@kode/core';
import { createToolState, sandboxTools, type ToolResult, type ToolSettings, type ToolState } from '@kode/tools';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import packageJson from '../package.json';

/** Options of {@link createMcpServer}. */
export interface CreateMcpServerOptions {
  /** An initialised sandbox, owned by the caller: the server never disposes it. */
  sandbox: Sandbox;
  /**
   * Per-sandbox tool state shared by every call (and every server built over the same sandbox):
   * `bash_logs` cursors, the optional read tracker, settings. Owned by the caller. Default: a new
   * state without read tracking (it holds no resources).
   */
  state?: ToolState;
  /** Overrides of the tools' default settings, for the state created when `state` is not given. */
  settings?: Partial<ToolSettings>;
  /** Server name announced to clients at `initialize`. Default `'kode-sandbox'`. */
  name?: string;
}

/** The MCP result of one tool call: the tool's `ToolResult` as JSON text and as structured content. */
function toCallToolResult(result: ToolResult<unknown>): { content: Array<{ type: 'text'; text: string }>; structuredContent: Record<string, unknown>; isError: boolean } {
  return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: { ...result }, isError: !result.ok };
}

/**
 * Builds an MCP server (the SDK's `McpServer`, not yet connected) offering the nine `@kode/tools`
 * tools — `bash_run`, `bash_logs`, `bash_kill`, `fs_read`, `fs_write`, `fs_edit`, `fs_multi_edit`,
 * `fs_glob`, `fs_grep` — over `options.sandbox`. Connect it to a transport with
 * `await server.connect(transport)`; an `McpServer` serves one transport at a time, so build one per
 * connection (sharing `state`). No I/O.
 *
 * Each tool's input schema is its zod schema (listed as JSON Schema, validated by the SDK);
 * `readOnlyHint` is set for the read-only tools. A call returns the tool's `ToolResult`
 * (`{ ok, data }` or `{ ok: false, error: { code, message, hint? } }`) as text and
 * `structuredContent`, with `isError` when `ok` is false. The client's cancellation aborts the call
 * (a running command is killed).
 *
 * @throws InvalidArgumentError when `sandbox` is missing, `state` belongs to another sandbox, or both
 *   `state` and `settings` are given
 */
export function createMcpServer(options: CreateMcpServerOptions): McpServer {
  if (typeof options !== 'object' || options === null || typeof options.sandbox !== 'object' || options.sandbox === null) {
    throw new InvalidArgumentError('createMcpServer needs { sandbox }.');
  }
  const { sandbox } = options;
  if (options.state !== undefined && options.state.sandbox !== sandbox) {
    throw new InvalidArgumentError('createMcpServer: options.state belongs to another sandbox; create one ToolState per sandbox.');
  }
  if (options.state !== undefined && options.settings !== undefined) {
    throw new InvalidArgumentError('createMcpServer: give either options.state or options.settings, not both (a state carries its own settings).');
  }
  const state = options.state ?? createToolState({ sandbox, ...(options.settings === undefined ? {} : { settings: options.settings }) });
  const server = new McpServer({ name: options.name ?? 'kode-sandbox', version: packageJson.version });
  for (const tool of sandboxTools) {
    server.registerTool(
      tool.name,
      {
        description: tool.description,
        inputSchema: tool.inputSchema,
        annotations: { readOnlyHint: tool.readOnly, openWorldHint: false },
      },
      async (input: unknown, extra: { signal: AbortSignal }) => toCallToolResult(await tool.execute(input, { sandbox, state, signal: extra.signal })),
    );
  }
  return server;
}
