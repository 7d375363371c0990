import { z } from 'zod';
import { defineTool } from '../define-tool';
import { ToolFailure } from '../tool-error';
import { applyLiteralEdit, countTextLines } from '../text-replace';
import { writeTracked } from './fs-common';
import { loadForEdit } from './fs-edit';

/** Input of `fs_multi_edit`. */
export const fsMultiEditInput = z
  .strictObject({
    edits: z
      .array(
        z.strictObject({
          path: z.string().min(1).describe('File to edit, absolute or relative to the sandbox work directory.'),
          old_string: z.string().min(1).describe('Exact text to replace (literal). Must occur exactly once, after the earlier edits to the same file, unless replace_all is true.'),
          new_string: z.string().describe('Text to put in its place, inserted literally.'),
          replace_all: z.boolean().default(false).describe('Replace every occurrence instead of requiring exactly one. Default false.'),
        }),
      )
      .min(1)
      .max(100)
      .describe('Edits applied in order; edits to the same file see the result of the earlier ones. Either every edit applies or none does.'),
  })
  .describe('Input of fs_multi_edit.');

/** Per-file summary in the `data` of `fs_multi_edit`. */
export interface FsMultiEditFile {
  /** Absolute sandbox path. */
  path: string;
  /** Edits applied to this file. */
  edits: number;
  /** Occurrences replaced in this file. */
  replacements: number;
  /** Lines in the file after the edits. */
  lines: number;
}

/** `data` of `fs_multi_edit`. */
export interface FsMultiEditOutput {
  /** One entry per file, in order of first appearance. */
  files: FsMultiEditFile[];
  /** Occurrences replaced in total. */
  replacements: number;
}

/**
 * `fs_multi_edit`: several literal edits, possibly to several files, all or nothing. Every file
 * is loaded and every edit computed in memory first; if any edit fails nothing is written and
 * the error names the edit (`edits.<i>.old_string`). Files are then written one by one; if a
 * write fails, the files already written are restored to their previous content (best effort)
 * and the error says which were restored. Errors: as `fs_edit`.
 */
export const fsMultiEditTool = defineTool({
  name: 'fs_multi_edit',
  description: [
    'Apply several exact-text replacements at once, to one or more files. Same matching rules as fs_edit.',
    'Edits run in order, so a later edit to the same file sees the earlier ones. If any edit fails (not found, ambiguous), no file is changed.',
  ].join(' '),
  inputSchema: fsMultiEditInput,
  readOnly: false,
  async run(input, context): Promise<FsMultiEditOutput> {
    const { sandbox, tracker } = context;
    const originals = new Map<string, string>();
    const current = new Map<string, string>();
    const summary = new Map<string, FsMultiEditFile>();
    for (const [index, edit] of input.edits.entries()) {
      const path = sandbox.fs.resolve(edit.path);
      if (!current.has(path)) {
        const text = await loadForEdit(context, path, `edits.${index}.path`);
        originals.set(path, text);
        current.set(path, text);
        summary.set(path, { path, edits: 0, replacements: 0, lines: 0 });
      }
      let result;
      try {
        result = applyLiteralEdit(current.get(path) ?? '', { oldString: edit.old_string, newString: edit.new_string, replaceAll: edit.replace_all }, `edits.${index}.`);
      } catch (error) {
        if (error instanceof ToolFailure) {
          throw new ToolFailure(error.code, `Edit ${index} (${path}): ${error.message} No file was changed.`, {
            ...(error.hint === undefined ? {} : { hint: error.hint }),
            ...(error.field === undefined ? {} : { field: error.field }),
          });
        }
        throw error;
      }
      current.set(path, result.text);
      const entry = summary.get(path);
      if (entry) {
        entry.edits++;
        entry.replacements += result.replacements;
      }
    }
    const written: string[] = [];
    for (const [path, text] of current) {
      try {
        await writeTracked({ sandbox, tracker, path, data: text });
        written.push(path);
      } catch (error) {
        const restored: string[] = [];
        for (const done of written) {
          try {
            await writeTracked({ sandbox, tracker, path: done, data: originals.get(done) ?? '' });
            restored.push(done);
          } catch {
            // Reported below by omission from `restored`.
          }
        }
        const reason = error instanceof Error ? error.message : String(error);
        const unrestored = written.filter((p) => !restored.includes(p));
        throw new ToolFailure('BACKEND_ERROR', `Writing ${path} failed (${reason}). ${written.length === 0 ? 'No file was changed.' : `Restored: ${restored.join(', ') || 'none'}${unrestored.length > 0 ? `; could NOT restore: ${unrestored.join(', ')}` : ''}.`}`, {
          hint: 'Read the files again before retrying.',
        });
      }
    }
    const files = [...summary.values()].map((f) => ({ ...f, lines: countTextLines(current.get(f.path) ?? '') }));
    return { files, replacements: files.reduce((n, f) => n + f.replacements, 0) };
  },
});
