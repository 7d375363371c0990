import { hasCapability } from '@kode/core';
import { z } from 'zod';
import { describeBinary, isBinaryContent, isBinaryText } from '../binary-detect';
import { defineTool } from '../define-tool';
import { ToolFailure } from '../tool-error';
import { assertNotDirectory, statOrNull } from './fs-common';

/** Input of `fs_read`. */
export const fsReadInput = z
  .strictObject({
    path: z.string().min(1).describe('File to read, absolute or relative to the sandbox work directory.'),
    offset: z.number().int().min(1).default(1).describe('1-based line number to start from. Default 1.'),
    limit: z.number().int().min(1).optional().describe('Most lines to return. Default 2000; very long output is also cut at a character budget.'),
  })
  .describe('Input of fs_read.');

/** `data` of `fs_read`. */
export interface FsReadOutput {
  /** Absolute sandbox path. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** True for a binary file: `content` then only describes it. */
  binary: boolean;
  /**
   * Text files: the requested lines, each prefixed with its number and a tab (`     7\tline`),
   * followed by a `[...]` marker line when more follows. Binary files: a one-line description.
   */
  content: string;
  /** Binary files: the recognised format, e.g. `'PNG image'`. */
  binaryKind?: string;
  /** First line shown (1-based); 0 for an empty file. */
  startLine: number;
  /** Last line shown (1-based); 0 when none. */
  endLine: number;
  /** Lines in the file. */
  totalLines: number;
  /** True when the file continues past `endLine` (or a line was cut). */
  truncated: boolean;
  /** The `offset` to pass to read on, when `truncated`. */
  nextOffset?: number;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/**
 * `fs_read`: a text file's lines with line numbers, from `offset` for `limit` lines, within a
 * character budget (`readMaxChars`); long lines are cut at `maxLineChars`; a marker line says
 * where to continue. Binary files are detected (NUL byte / invalid UTF-8) and described, not
 * dumped. Records the read in the read tracker. Errors: `FILE_NOT_FOUND`, `IS_DIRECTORY`,
 * `FILE_TOO_LARGE` (over `maxFileBytes`), `INVALID_INPUT` (offset past the end).
 */
export const fsReadTool = defineTool({
  name: 'fs_read',
  description: [
    'Read a text file from the sandbox. Lines come back numbered ("   12\\t<line>"); the number and tab are not part of the file.',
    'Reads up to 2000 lines from offset (1-based); when more remains, the result says so and gives nextOffset to continue.',
    'Binary files (images, archives, executables) are detected and described instead of shown.',
    'Read a file before editing or overwriting it.',
  ].join(' '),
  inputSchema: fsReadInput,
  readOnly: true,
  async run(input, { sandbox, settings, tracker }): Promise<FsReadOutput> {
    const path = sandbox.fs.resolve(input.path);
    const stat = await statOrNull(sandbox, path);
    if (stat === null) {
      throw new ToolFailure('FILE_NOT_FOUND', `${path} does not exist.`, { field: 'path', hint: 'Find files with fs_glob.' });
    }
    assertNotDirectory(path, stat);
    if (stat.size > settings.maxFileBytes) {
      throw new ToolFailure('FILE_TOO_LARGE', `${path} is ${stat.size} bytes, more than fs_read loads (${settings.maxFileBytes}).`, {
        field: 'path',
        hint: `Look at parts of it with bash_run, e.g. "sed -n '1,200p' <file>" or "head -c 65536 <file>", or search it with fs_grep.`,
      });
    }
    let text: string;
    if (hasCapability(sandbox.capabilities, 'fs.binary')) {
      const bytes = await sandbox.fs.readBytes(path);
      if (isBinaryContent(bytes)) {
        tracker?.recordRead(path, stat);
        const { kind } = describeBinary(bytes);
        return {
          path,
          size: bytes.length,
          binary: true,
          binaryKind: kind,
          content: `[binary file: ${kind}, ${bytes.length} bytes; not shown as text]`,
          startLine: 0,
          endLine: 0,
          totalLines: 0,
          truncated: false,
        };
      }
      text = new TextDecoder().decode(bytes);
    } else {
      text = await sandbox.fs.read(path);
      if (isBinaryText(text)) {
        tracker?.recordRead(path, stat);
        return {
          path,
          size: stat.size,
          binary: true,
          binaryKind: 'binary data',
          content: `[binary file: ${stat.size} bytes; not shown as text]`,
          startLine: 0,
          endLine: 0,
          totalLines: 0,
          truncated: false,
        };
      }
    }
    tracker?.recordRead(path, stat, text);
    const lines = splitLines(text);
    const total = lines.length;
    if (total === 0) {
      return { path, size: stat.size, binary: false, content: '[empty file]', startLine: 0, endLine: 0, totalLines: 0, truncated: false };
    }
    if (input.offset > total) {
      throw new ToolFailure('INVALID_INPUT', `offset ${input.offset} is past the end of ${path}, which has ${total} lines.`, { field: 'offset' });
    }
    const limit = input.limit ?? settings.readDefaultLines;
    const last = Math.min(total, input.offset - 1 + limit);
    const width = Math.max(6, String(last).length);
    const out: string[] = [];
    let chars = 0;
    let lineCut = false;
    let end = input.offset - 1;
    for (let i = input.offset - 1; i < last; i++) {
      let line = lines[i] ?? '';
      if (line.length > settings.maxLineChars) {
        line = `${line.slice(0, settings.maxLineChars)}… [line cut: ${line.length - settings.maxLineChars} more characters]`;
        lineCut = true;
      }
      const numbered = `${String(i + 1).padStart(width)}\t${line}`;
      if (out.length > 0 && chars + numbered.length + 1 > settings.readMaxChars) break;
      out.push(numbered);
      chars += numbered.length + 1;
      end = i + 1;
    }
    const more = end < total;
    if (more) {
      out.push(`[... ${total - end} more lines (file has ${total}); continue with offset ${end + 1}]`);
    } else if (lineCut) {
      out.push('[... some long lines were cut; use bash_run with cut/sed to see them whole]');
    }
    return {
      path,
      size: stat.size,
      binary: false,
      content: out.join('\n'),
      startLine: input.offset,
      endLine: end,
      totalLines: total,
      truncated: more || lineCut,
      ...(more ? { nextOffset: end + 1 } : {}),
    };
  },
});
