import { z } from 'zod';
import { defineTool } from '../define-tool';
import { countTextLines } from '../text-replace';
import { assertNotDirectory, assertWritable, statOrNull, writeTracked } from './fs-common';

/** Input of `fs_write`. */
export const fsWriteInput = z
  .strictObject({
    path: z.string().min(1).describe('File to create or overwrite, absolute or relative to the sandbox work directory. Parent directories are created.'),
    content: z.string().describe('The complete new content of the file (UTF-8 text).'),
  })
  .describe('Input of fs_write.');

/** `data` of `fs_write`. */
export interface FsWriteOutput {
  /** Absolute sandbox path. */
  path: string;
  /** Bytes written (UTF-8). */
  bytes: number;
  /** Lines written. */
  lines: number;
  /** True when the file did not exist before. */
  created: boolean;
}

/**
 * `fs_write`: creates or replaces a file with the given text, creating parent directories.
 * With a read tracker, overwriting an existing file requires a prior read and no external change
 * since. Errors: `IS_DIRECTORY`, `FILE_NOT_READ`, `FILE_CHANGED`, sandbox errors
 * (`PATH_OUTSIDE_SANDBOX`, …).
 */
export const fsWriteTool = defineTool({
  name: 'fs_write',
  description: [
    'Create a file or replace its whole content. Parent directories are created.',
    'To change part of an existing file prefer fs_edit. Read an existing file with fs_read before overwriting it.',
  ].join(' '),
  inputSchema: fsWriteInput,
  readOnly: false,
  async run(input, { sandbox, tracker }): Promise<FsWriteOutput> {
    const path = sandbox.fs.resolve(input.path);
    const before = await statOrNull(sandbox, path);
    assertNotDirectory(path, before);
    assertWritable(tracker, { path, stat: before });
    await writeTracked({ sandbox, tracker, path, data: input.content });
    return { path, bytes: Buffer.byteLength(input.content, 'utf8'), lines: countTextLines(input.content), created: before === null };
  },
});
