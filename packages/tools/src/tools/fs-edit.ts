import { z } from 'zod';
import { isBinaryText } from '../binary-detect';
import { defineTool, type ResolvedToolContext } from '../define-tool';
import { ToolFailure } from '../tool-error';
import { applyLiteralEdit, countTextLines } from '../text-replace';
import { assertNotDirectory, assertUnchangedContent, assertWritable, statOrNull, writeTracked } from './fs-common';

/** Input of `fs_edit`. */
export const fsEditInput = z
  .strictObject({
    path: z.string().min(1).describe('File to edit, absolute or relative to the sandbox work directory.'),
    old_string: z
      .string()
      .min(1)
      .describe('Exact text to replace (literal, not a regex; whitespace and indentation must match). Must occur exactly once unless replace_all is true.'),
    new_string: z.string().describe('Text to put in its place, inserted literally ($ and backslashes have no special meaning).'),
    replace_all: z.boolean().default(false).describe('Replace every occurrence of old_string instead of requiring exactly one. Default false.'),
  })
  .describe('Input of fs_edit.');

/** `data` of `fs_edit`. */
export interface FsEditOutput {
  /** Absolute sandbox path. */
  path: string;
  /** Occurrences replaced. */
  replacements: number;
  /** 1-based line where the first replacement starts in the new file. */
  firstLine: number;
  /** Lines in the file after the edit. */
  lines: number;
}

/**
 * Loads a text file for editing: must exist, be a file, be text, and pass the read tracker.
 * @throws ToolFailure `FILE_NOT_FOUND`, `IS_DIRECTORY`, `FILE_TOO_LARGE`, `BINARY_FILE`, `FILE_NOT_READ`, `FILE_CHANGED`
 */
export async function loadForEdit(context: ResolvedToolContext, path: string, field = 'path'): Promise<string> {
  const { sandbox, tracker, settings } = context;
  const stat = await statOrNull(sandbox, path);
  if (stat === null) {
    throw new ToolFailure('FILE_NOT_FOUND', `${path} does not exist.`, { field, hint: 'Create new files with fs_write.' });
  }
  assertNotDirectory(path, stat, field);
  if (stat.size > settings.maxFileBytes) {
    throw new ToolFailure('FILE_TOO_LARGE', `${path} is ${stat.size} bytes, more than the edit tools load (${settings.maxFileBytes}).`, { field });
  }
  assertWritable(tracker, { path, stat, field });
  const text = await sandbox.fs.read(path);
  if (isBinaryText(text)) throw new ToolFailure('BINARY_FILE', `${path} is a binary file; it cannot be edited as text.`, { field });
  assertUnchangedContent(tracker, { path, content: text, field });
  return text;
}

/**
 * `fs_edit`: replaces an exact, literal string in a file — exactly one occurrence, or all with
 * `replace_all`. `$` patterns in `new_string` are literal. With a read tracker the file must have
 * been read and be unchanged since. Errors: `NO_MATCH`, `AMBIGUOUS_MATCH` (with the lines),
 * `INVALID_INPUT` (empty `old_string`, no-op edit), `FILE_NOT_FOUND`, `BINARY_FILE`,
 * `FILE_NOT_READ`, `FILE_CHANGED`.
 */
export const fsEditTool = defineTool({
  name: 'fs_edit',
  description: [
    'Replace an exact piece of text in a file. old_string must match the file exactly (copy it from fs_read output without the line-number prefix) and occur exactly once, unless replace_all is true.',
    'Include a few surrounding lines to make it unique. new_string is inserted literally.',
    'For several changes at once use fs_multi_edit; to rewrite a whole file use fs_write.',
  ].join(' '),
  inputSchema: fsEditInput,
  readOnly: false,
  async run(input, context): Promise<FsEditOutput> {
    const path = context.sandbox.fs.resolve(input.path);
    const text = await loadForEdit(context, path);
    const edited = applyLiteralEdit(text, { oldString: input.old_string, newString: input.new_string, replaceAll: input.replace_all });
    await writeTracked({ sandbox: context.sandbox, tracker: context.tracker, path, data: edited.text });
    return { path, replacements: edited.replacements, firstLine: edited.firstLine, lines: countTextLines(edited.text) };
  },
});
