import { z } from 'zod';
import { defineTool } from '../define-tool';

/** Input of `fs_glob`. */
export const fsGlobInput = z
  .strictObject({
    pattern: z.string().min(1).describe('Glob pattern relative to cwd, e.g. "src/**/*.ts" or "*.json". ** crosses directories; {a,b} and [abc] work.'),
    cwd: z.string().min(1).optional().describe('Directory the pattern is relative to. Default: the sandbox work directory.'),
    dot: z.boolean().default(false).describe('Also match names starting with "." (dotfiles and dot-directories). Default false.'),
    ignore: z.array(z.string().min(1)).max(50).optional().describe('Patterns (relative to cwd) to leave out; a matching directory excludes everything below it, e.g. ["node_modules", "dist/**"].'),
    limit: z.number().int().min(1).max(10_000).default(200).describe('Most paths to return. Default 200.'),
  })
  .describe('Input of fs_glob.');

/** `data` of `fs_glob`. */
export interface FsGlobOutput {
  pattern: string;
  /** Absolute directory the matches are relative to. */
  cwd: string;
  /** Matching regular files, relative to `cwd`, sorted. */
  matches: string[];
  /** Number of paths in `matches`. */
  count: number;
  /** True when more files matched than `limit`. */
  truncated: boolean;
}

/**
 * `fs_glob`: files matching a glob, with exactly `sandbox.fs.glob` semantics (picomatch on paths
 * relative to cwd, files only, sorted, dotfiles only with `dot`). Errors: `INVALID_ARGUMENT`
 * for a bad pattern, `FILE_NOT_FOUND` for a missing cwd.
 */
export const fsGlobTool = defineTool({
  name: 'fs_glob',
  description: [
    'Find files by name pattern (glob), e.g. "**/*.test.ts". Returns paths relative to cwd, sorted; directories are not listed.',
    'Files and directories starting with "." are skipped unless dot is true. Use ignore to skip directories such as node_modules.',
  ].join(' '),
  inputSchema: fsGlobInput,
  readOnly: true,
  async run(input, { sandbox }): Promise<FsGlobOutput> {
    const cwd = sandbox.fs.resolve(input.cwd ?? sandbox.workDir);
    const found = await sandbox.fs.glob(input.pattern, {
      cwd,
      dot: input.dot,
      limit: input.limit + 1,
      ...(input.ignore === undefined ? {} : { ignore: input.ignore }),
    });
    const matches = found.slice(0, input.limit);
    return { pattern: input.pattern, cwd, matches, count: matches.length, truncated: found.length > input.limit };
  },
});
