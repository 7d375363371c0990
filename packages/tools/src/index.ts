export { describeBinary, isBinaryContent, isBinaryText, type BinaryDescription } from './binary-detect';
export { defineTool, validationError, type AnySandboxTool, type ResolvedToolContext, type SandboxTool, type ToolDefinition } from './define-tool';
export { spillLongText, type SpilledText, type SpillOptions } from './output-spill';
export {
  toAnthropicTool,
  toOpenAITool,
  toolInputJsonSchema,
  type AnthropicToolDefinition,
  type JsonSchemaObject,
  type OpenAIToolDefinition,
} from './presenters';
export { ReadTracker, type ExternalChange, type ReadTrackerOptions, type TrackedFileState, type WriteCheck } from './read-tracker';
export { sandboxTools } from './sandbox-tools';
export { applyLiteralEdit, countTextLines, type LiteralEdit, type LiteralEditResult } from './text-replace';
export type { ToolContext } from './tool-context';
export { toToolError, ToolFailure, type ToolError, type ToolErrorCode, type ToolResult } from './tool-error';
export { createToolRunner, type ToolCall, type ToolRunner, type ToolRunnerOptions } from './tool-runner';
export { DEFAULT_TOOL_SETTINGS, type GrepEngine, type ToolSettings } from './tool-settings';
export { createToolState, ToolState, type ToolStateOptions } from './tool-state';
export { bashKillInput, bashKillTool, type BashKillOutput } from './tools/bash-kill';
export { bashLogsInput, bashLogsTool, type BashLogsOutput } from './tools/bash-logs';
export { bashRunInput, bashRunTool, type BashRunBackgroundOutput, type BashRunForegroundOutput, type BashRunOutput } from './tools/bash-run';
export { fsEditInput, fsEditTool, type FsEditOutput } from './tools/fs-edit';
export { fsGlobInput, fsGlobTool, type FsGlobOutput } from './tools/fs-glob';
export { fsGrepInput, fsGrepTool, type FsGrepOutput, type GrepMatch } from './tools/fs-grep';
export { fsMultiEditInput, fsMultiEditTool, type FsMultiEditFile, type FsMultiEditOutput } from './tools/fs-multi-edit';
export { fsReadInput, fsReadTool, type FsReadOutput } from './tools/fs-read';
export { fsWriteInput, fsWriteTool, type FsWriteOutput } from './tools/fs-write';
