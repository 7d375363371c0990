import type { AnySandboxTool } from './define-tool';
import { bashKillTool } from './tools/bash-kill';
import { bashLogsTool } from './tools/bash-logs';
import { bashRunTool } from './tools/bash-run';
import { fsEditTool } from './tools/fs-edit';
import { fsGlobTool } from './tools/fs-glob';
import { fsGrepTool } from './tools/fs-grep';
import { fsMultiEditTool } from './tools/fs-multi-edit';
import { fsReadTool } from './tools/fs-read';
import { fsWriteTool } from './tools/fs-write';

/** Every built-in tool: bash_run, bash_logs, bash_kill, fs_read, fs_write, fs_edit, fs_multi_edit, fs_glob, fs_grep. Frozen. */
export const sandboxTools: readonly AnySandboxTool[] = Object.freeze([
  bashRunTool,
  bashLogsTool,
  bashKillTool,
  fsReadTool,
  fsWriteTool,
  fsEditTool,
  fsMultiEditTool,
  fsGlobTool,
  fsGrepTool,
]);
