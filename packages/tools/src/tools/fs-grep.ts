import { hasCapability, isPathInside, relativePosixPath, shellCommand, type Sandbox } from '@kode/core';
import { z } from 'zod';
import { isBinaryContent, isBinaryText } from '../binary-detect';
import { defineTool } from '../define-tool';
import { buildGrepScript, GREP_MARKER, type GrepProgram } from '../grep-command';
import { createPathFilter, globNamesDotSegment, plainIgnorePaths, splitGlobPath } from '../grep-filter';
import { ToolFailure } from '../tool-error';
import type { GrepEngine } from '../tool-settings';
import { statOrNull } from './fs-common';

/** Characters of a matching line shown in a result. */
const MAX_MATCH_TEXT = 300;
/** Files the read fallback loads at once. */
const READ_CONCURRENCY = 8;

/** Input of `fs_grep`. */
export const fsGrepInput = z
  .strictObject({
    pattern: z.string().min(1).describe('Text to search for. Literal by default; set regex: true for a regular expression.'),
    path: z
      .string()
      .min(1)
      .optional()
      .describe('File or directory to search, absolute or relative to the work directory (default: the work directory). A glob such as "src/**/*.ts" is also accepted and split into directory and glob.'),
    glob: z.string().min(1).optional().describe('Only search files whose path relative to path matches this glob, e.g. "**/*.ts". Default: all files.'),
    regex: z
      .boolean()
      .default(false)
      .describe('Treat pattern as a regular expression (PCRE-like: rg or grep -P in the sandbox; JavaScript syntax in the file-reading fallback). Default false: literal text.'),
    case_sensitive: z.boolean().default(true).describe('Match upper/lower case exactly. Default true.'),
    dot: z.boolean().default(false).describe('Also search files and directories whose names start with "." (e.g. .github, .env). Default false, like fs_glob.'),
    ignore: z
      .array(z.string().min(1))
      .max(50)
      .optional()
      .describe('Glob patterns relative to path to skip, with fs_glob semantics; a matching directory skips everything below it, e.g. ["node_modules", "dist"]. .gitignore files are not read.'),
    max_results: z.number().int().min(1).max(5000).default(200).describe('Most matching lines to return. Default 200.'),
  })
  .describe('Input of fs_grep.');

/** One matching line in the `data` of `fs_grep`. */
export interface GrepMatch {
  /** File path, relative to the sandbox work directory when inside it, else absolute. */
  path: string;
  /** 1-based line number. */
  line: number;
  /** The line (cut at 300 characters). */
  text: string;
}

/** `data` of `fs_grep`. */
export interface FsGrepOutput {
  pattern: string;
  /** Absolute path that was searched. */
  root: string;
  /** What searched: `'rg'` or `'grep'` (one command in the sandbox) or `'read'` (files read one by one). */
  engine: 'rg' | 'grep' | 'read';
  /** Matching lines in file order. */
  matches: GrepMatch[];
  /** Number of entries in `matches`. */
  count: number;
  /** Distinct files in `matches`. */
  files: number;
  /** True when more matches exist than were returned. */
  truncated: boolean;
  /** Problems that did not stop the search (unreadable files, output limits). */
  warnings?: string[];
}

interface SearchPlan {
  sandbox: Sandbox;
  root: string;
  pattern: string;
  regex: boolean;
  caseSensitive: boolean;
  glob: string | undefined;
  ignore: string[] | undefined;
  dot: boolean;
  max: number;
  signal: AbortSignal | undefined;
}

function displayPath(sandbox: Sandbox, abs: string): string {
  return isPathInside(sandbox.workDir, abs) && abs !== sandbox.workDir ? relativePosixPath(sandbox.workDir, abs) : abs;
}

function cutText(text: string): string {
  return text.length > MAX_MATCH_TEXT ? `${text.slice(0, MAX_MATCH_TEXT)}…` : text;
}

function programsFor(engine: GrepEngine): GrepProgram[] {
  if (engine === 'rg') return ['rg'];
  if (engine === 'grep') return ['grep'];
  return ['rg', 'grep'];
}

function joinRoot(root: string, relative: string): string {
  return root === '/' ? `/${relative}` : `${root}/${relative}`;
}

/** Runs the one command; returns `undefined` when the sandbox has neither program. */
async function searchWithCommand(plan: SearchPlan, options: { engine: GrepEngine; maxOutputBytes: number }): Promise<FsGrepOutput | undefined> {
  const { sandbox, root } = plan;
  const hiddenNamed = globNamesDotSegment(plan.glob);
  const script = buildGrepScript({
    root,
    pattern: plan.pattern,
    regex: plan.regex,
    caseSensitive: plan.caseSensitive,
    skipHidden: !plan.dot && !hiddenNamed,
    prune: plainIgnorePaths(plan.ignore),
    programs: programsFor(options.engine),
  });
  const result = await sandbox.exec(script, {
    timeoutMs: 120_000,
    maxOutputBytes: options.maxOutputBytes,
    ...(plan.signal === undefined ? {} : { signal: plan.signal }),
  });
  const stdout = result.stdout;
  const firstNewline = stdout.indexOf('\n');
  const header = firstNewline === -1 ? stdout : stdout.slice(0, firstNewline);
  if (!header.startsWith(GREP_MARKER)) {
    throw new ToolFailure('BACKEND_ERROR', `The search command failed (exit ${result.code}): ${result.stderr.trim().slice(0, 500) || 'no output'}`);
  }
  const engine = header.slice(GREP_MARKER.length + 1).trim();
  if (engine === 'missing') throw new ToolFailure('FILE_NOT_FOUND', `${root} does not exist.`, { field: 'path', hint: 'Check the path with fs_glob.' });
  if (engine === 'none') {
    if (options.engine !== 'auto') {
      throw new ToolFailure('UNSUPPORTED', `fs_grep was configured to use ${options.engine}, which this sandbox does not have.`);
    }
    return undefined;
  }
  if (result.timedOut) throw new ToolFailure('REQUEST_TIMEOUT', 'The search ran for more than 120 s and was stopped.', { hint: 'Search a smaller directory or add ignore patterns.' });
  const body = firstNewline === -1 ? '' : stdout.slice(firstNewline + 1);
  const filter = createPathFilter({ glob: plan.glob, ignore: plan.ignore, dot: plan.dot });
  const matches: GrepMatch[] = [];
  let more = false;
  for (const line of body.split('\n')) {
    const nul = line.indexOf('\0');
    if (nul <= 0) continue;
    const m = /^(\d+):/.exec(line.slice(nul + 1));
    if (!m?.[1]) continue;
    const rawPath = line.slice(0, nul);
    let abs: string;
    if (rawPath.startsWith('./')) {
      const relative = rawPath.slice(2);
      if (!filter(relative)) continue;
      abs = joinRoot(root, relative);
    } else {
      abs = rawPath.startsWith('/') ? rawPath : joinRoot(root, rawPath);
    }
    matches.push({ path: displayPath(sandbox, abs), line: Number(m[1]), text: cutText(line.slice(nul + 1 + m[0].length)) });
  }
  // rg searches in parallel and grep in directory order: sort so results (and the cut) are stable.
  matches.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line));
  if (matches.length > plan.max) {
    matches.length = plan.max;
    more = true;
  }
  const warnings: string[] = [];
  if (result.truncated && !more) {
    more = true;
    warnings.push(`The search output passed ${options.maxOutputBytes} bytes and was cut; narrow the search (path, glob, ignore) to see every match.`);
  }
  if (result.code !== 0 && result.code !== 1) {
    const message = result.stderr.trim().split('\n').slice(0, 5).join('\n');
    if (matches.length === 0 && !result.truncated) {
      if (plan.regex) {
        throw new ToolFailure('INVALID_INPUT', `The search failed (exit ${result.code}): ${message || 'no message'}`, { field: 'pattern', hint: 'Check the regular expression, or set regex: false for a literal search.' });
      }
      throw new ToolFailure('BACKEND_ERROR', `The search failed (exit ${result.code}): ${message || 'no message'}`);
    }
    if (message) warnings.push(message);
  }
  return finish({ plan, engine: engine === 'rg' ? 'rg' : 'grep', matches, more, warnings });
}

function finish(options: { plan: SearchPlan; engine: FsGrepOutput['engine']; matches: GrepMatch[]; more: boolean; warnings: string[] }): FsGrepOutput {
  const { plan, engine, matches, more, warnings } = options;
  return {
    pattern: plan.pattern,
    root: plan.root,
    engine,
    matches,
    count: matches.length,
    files: new Set(matches.map((m) => m.path)).size,
    truncated: more,
    ...(warnings.length === 0 ? {} : { warnings }),
  };
}

function lineMatcher(plan: SearchPlan): (line: string) => boolean {
  if (plan.regex) {
    let re: RegExp;
    try {
      re = new RegExp(plan.pattern, plan.caseSensitive ? 'u' : 'iu');
    } catch (error) {
      throw new ToolFailure('INVALID_INPUT', `Invalid regular expression: ${error instanceof Error ? error.message : String(error)}`, { field: 'pattern' });
    }
    return (line) => re.test(line);
  }
  if (plan.caseSensitive) return (line) => line.includes(plan.pattern);
  const needle = plan.pattern.toLowerCase();
  return (line) => line.toLowerCase().includes(needle);
}

/** The fallback without rg or grep: list with `fs.glob` (same filters), read each file, match in JS. */
async function searchByReading(plan: SearchPlan): Promise<FsGrepOutput> {
  const { sandbox, root } = plan;
  const matcher = lineMatcher(plan);
  const stat = await statOrNull(sandbox, root);
  if (stat === null) throw new ToolFailure('FILE_NOT_FOUND', `${root} does not exist.`, { field: 'path', hint: 'Check the path with fs_glob.' });
  const listDir = async (): Promise<string[]> =>
    (await sandbox.fs.glob(plan.glob ?? '**', { cwd: root, dot: plan.dot, ...(plan.ignore === undefined ? {} : { ignore: plan.ignore }) })).map((rel) => joinRoot(root, rel));
  let files: string[];
  if (stat.type === 'directory') {
    files = await listDir();
  } else if (stat.type === 'symlink') {
    // `stat` does not follow links: a link to a directory lists like one, a link to a file is searched as a file.
    files = await listDir().catch(() => [root]);
  } else {
    files = [root];
  }
  const binary = hasCapability(sandbox.capabilities, 'fs.binary');
  const perFile: GrepMatch[][] = [];
  const warnings: string[] = [];
  let found = 0;
  for (let i = 0; i < files.length && found <= plan.max; i += READ_CONCURRENCY) {
    plan.signal?.throwIfAborted();
    const batch = files.slice(i, i + READ_CONCURRENCY);
    const results = await Promise.all(
      batch.map(async (file): Promise<GrepMatch[]> => {
        let text: string;
        try {
          if (binary) {
            const bytes = await sandbox.fs.readBytes(file);
            if (isBinaryContent(bytes)) return [];
            text = new TextDecoder().decode(bytes);
          } else {
            text = await sandbox.fs.read(file);
            if (isBinaryText(text)) return [];
          }
        } catch (error) {
          warnings.push(`${displayPath(sandbox, file)}: ${error instanceof Error ? error.message : String(error)}`);
          return [];
        }
        const out: GrepMatch[] = [];
        const lines = text.split('\n');
        if (lines[lines.length - 1] === '') lines.pop();
        for (const [n, raw] of lines.entries()) {
          const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
          if (matcher(line)) out.push({ path: displayPath(sandbox, file), line: n + 1, text: cutText(line) });
        }
        return out;
      }),
    );
    for (const r of results) {
      perFile.push(r);
      found += r.length;
    }
  }
  const all = perFile.flat();
  return finish({ plan, engine: 'read', matches: all.slice(0, plan.max), more: all.length > plan.max, warnings: warnings.slice(0, 5) });
}

/**
 * `fs_grep`: searches file contents. Runs ONE command in the sandbox — `rg` when present, else
 * `grep -r` (PCRE when available) — and filters its results with exactly `fs.glob`'s rules for
 * `glob`, `dot` and `ignore` (dot-paths and plain ignore paths are also pruned inside the command
 * when that means the same). `.gitignore` is not read. Only when the sandbox has neither program
 * does it fall back to `fs.glob` + reading each file. Binary files are skipped.
 * Errors: `FILE_NOT_FOUND` (root), `INVALID_INPUT` (bad regex), `UNSUPPORTED` (forced engine missing).
 */
export const fsGrepTool = defineTool({
  name: 'fs_grep',
  description: [
    'Search file contents for text (literal by default, or a regular expression with regex: true) under a directory, and return matching lines as path, line number and text.',
    'Narrow with glob (e.g. "**/*.ts") and ignore (e.g. ["node_modules", "dist"]). Files starting with "." are skipped unless dot is true; binary files are skipped.',
    'Returns at most max_results lines (default 200) and says when there were more.',
  ].join(' '),
  inputSchema: fsGrepInput,
  readOnly: true,
  async run(input, { sandbox, signal, settings }): Promise<FsGrepOutput> {
    let path = input.path;
    let glob = input.glob;
    const split = path === undefined ? undefined : splitGlobPath(path);
    if (split) {
      if (glob !== undefined) throw new ToolFailure('INVALID_INPUT', 'path contains glob syntax and glob is also set; put the pattern in glob only.', { field: 'path' });
      path = split.root;
      glob = split.glob;
    }
    const plan: SearchPlan = {
      sandbox,
      root: sandbox.fs.resolve(path ?? sandbox.workDir),
      pattern: input.pattern,
      regex: input.regex,
      caseSensitive: input.case_sensitive,
      glob,
      ignore: input.ignore,
      dot: input.dot,
      max: input.max_results,
      signal,
    };
    if (hasCapability(sandbox.capabilities, 'fs.confined')) {
      // The command runs outside the fs guard (exec is not confined), so check the root the way
      // every fs method does: real path inside the sandbox's roots, else PathOutsideSandboxError.
      const stat = await statOrNull(sandbox, plan.root);
      if (stat?.type === 'symlink') {
        // rg/grep follow a symlink given as the root: check where it really leads.
        const target = (await sandbox.exec(shellCommand(['readlink', '-f', '--', plan.root]), { timeoutMs: 30_000 })).stdout.trim();
        if (target === '') throw new ToolFailure('FILE_NOT_FOUND', `${plan.root} is a dangling symbolic link.`, { field: 'path' });
        await sandbox.fs.stat(target);
      }
    }
    if (settings.grepEngine !== 'read') {
      const viaCommand = await searchWithCommand(plan, { engine: settings.grepEngine, maxOutputBytes: settings.grepMaxOutputBytes });
      if (viaCommand) return viaCommand;
    }
    return searchByReading(plan);
  },
});
