import { relativePosixPath, type GlobOptions } from '@kode/core';
import type { ConformanceCase } from '../types';

/**
 * The tree every glob case builds in its work directory (paths relative to it; each file holds
 * its own path). Directories come from the files' parents.
 */
export const GLOB_TREE: readonly string[] = [
  'Z.txt',
  'a.txt',
  'b.md',
  '.hidden.txt',
  '.config/settings.json',
  'docs/guide.md',
  'docs/api/ref.md',
  'node_modules/pkg/index.js',
  'node_modules/pkg/readme.md',
  'src/.env',
  'src/index.ts',
  'src/util.ts',
  'src/lib/y.ts',
  'src/lib/deep/x.ts',
  'src/lib/deep/.cache/z.ts',
];

/** One row of the glob table: a pattern and options, and the literal list every backend must return. */
export interface GlobTableRow {
  /** Case id suffix: the case id is `fs.glob.<name>`. */
  name: string;
  title: string;
  pattern: string;
  /** Options; `cwd` is relative to the case's work directory (default: the work directory itself). */
  options?: Omit<GlobOptions, 'cwd'> & { cwd?: string };
  /** Exact expected result, relative to the glob's cwd (with `absolute`, the kit prefixes it). */
  expected: readonly string[];
}

/** The glob table: identical lists on every backend (docs/contract.md, rule 7). */
export const GLOB_TABLE: readonly GlobTableRow[] = [
  { name: 'star', title: '`*` matches top-level non-dot files only', pattern: '*', expected: ['Z.txt', 'a.txt', 'b.md'] },
  {
    name: 'star-dot',
    title: '`*` with dot also matches top-level dotfiles',
    pattern: '*',
    options: { dot: true },
    expected: ['.hidden.txt', 'Z.txt', 'a.txt', 'b.md'],
  },
  { name: 'question-mark', title: '`?` matches exactly one character', pattern: '?.txt', expected: ['Z.txt', 'a.txt'] },
  {
    name: 'globstar-extension',
    title: '`**/*.ts` crosses directories, skips dot directories',
    pattern: '**/*.ts',
    expected: ['src/index.ts', 'src/lib/deep/x.ts', 'src/lib/y.ts', 'src/util.ts'],
  },
  {
    name: 'globstar-all',
    title: '`**` lists every non-dot file, sorted, files only',
    pattern: '**',
    expected: [
      'Z.txt',
      'a.txt',
      'b.md',
      'docs/api/ref.md',
      'docs/guide.md',
      'node_modules/pkg/index.js',
      'node_modules/pkg/readme.md',
      'src/index.ts',
      'src/lib/deep/x.ts',
      'src/lib/y.ts',
      'src/util.ts',
    ],
  },
  {
    name: 'dotfiles-with-dot',
    title: '`**` with dot includes dotfiles and dot directories',
    pattern: '**',
    options: { dot: true },
    expected: [
      '.config/settings.json',
      '.hidden.txt',
      'Z.txt',
      'a.txt',
      'b.md',
      'docs/api/ref.md',
      'docs/guide.md',
      'node_modules/pkg/index.js',
      'node_modules/pkg/readme.md',
      'src/.env',
      'src/index.ts',
      'src/lib/deep/.cache/z.ts',
      'src/lib/deep/x.ts',
      'src/lib/y.ts',
      'src/util.ts',
    ],
  },
  { name: 'dotfiles-without-dot', title: 'files only reachable through a dot directory are not matched', pattern: '**/*.json', expected: [] },
  {
    name: 'dot-directory-with-dot',
    title: 'with dot, files inside dot directories match',
    pattern: '**/*.json',
    options: { dot: true },
    expected: ['.config/settings.json'],
  },
  { name: 'explicit-dot-segment', title: 'a pattern naming a dot directory literally matches inside it', pattern: '.config/*', expected: ['.config/settings.json'] },
  {
    name: 'ignore-pattern',
    title: '`ignore` removes matching files',
    pattern: '**/*.md',
    options: { ignore: ['node_modules/**'] },
    expected: ['b.md', 'docs/api/ref.md', 'docs/guide.md'],
  },
  {
    name: 'ignore-directory-prunes',
    title: 'an ignore pattern matching a directory prunes its whole subtree',
    pattern: '**',
    options: { ignore: ['node_modules', 'docs'] },
    expected: ['Z.txt', 'a.txt', 'b.md', 'src/index.ts', 'src/lib/deep/x.ts', 'src/lib/y.ts', 'src/util.ts'],
  },
  {
    name: 'ignore-nested-directory',
    title: 'an ignore pattern with `**` prunes a nested directory',
    pattern: '**/*.ts',
    options: { ignore: ['**/deep'] },
    expected: ['src/index.ts', 'src/lib/y.ts', 'src/util.ts'],
  },
  {
    name: 'ignore-trailing-slash',
    title: 'an ignore pattern with a trailing slash prunes the directory',
    pattern: '**/*.md',
    options: { ignore: ['docs/'] },
    expected: ['b.md', 'node_modules/pkg/readme.md'],
  },
  { name: 'nested-star', title: '`src/*` does not cross into subdirectories and lists no directories', pattern: 'src/*', expected: ['src/index.ts', 'src/util.ts'] },
  { name: 'nested-globstar', title: '`src/**/*.ts` matches at every depth below src', pattern: 'src/**/*.ts', expected: ['src/index.ts', 'src/lib/deep/x.ts', 'src/lib/y.ts', 'src/util.ts'] },
  { name: 'braces', title: 'brace alternatives match either extension', pattern: '**/*.{md,js}', expected: ['b.md', 'docs/api/ref.md', 'docs/guide.md', 'node_modules/pkg/index.js', 'node_modules/pkg/readme.md'] },
  { name: 'no-match', title: 'a pattern matching nothing returns an empty list', pattern: '**/*.nothing', expected: [] },
  { name: 'limit', title: '`limit` keeps the first n paths in sorted order', pattern: '**', options: { limit: 3 }, expected: ['Z.txt', 'a.txt', 'b.md'] },
  { name: 'limit-zero', title: '`limit: 0` returns nothing', pattern: '**', options: { limit: 0 }, expected: [] },
  { name: 'cwd', title: '`cwd` makes pattern and results relative to it', pattern: '**/*.ts', options: { cwd: 'src' }, expected: ['index.ts', 'lib/deep/x.ts', 'lib/y.ts', 'util.ts'] },
  { name: 'absolute', title: '`absolute` returns absolute sandbox paths', pattern: 'src/*.ts', options: { absolute: true }, expected: ['src/index.ts', 'src/util.ts'] },
  { name: 'leading-dot-slash', title: 'a leading `./` in the pattern is ignored', pattern: './docs/*.md', expected: ['docs/guide.md'] },
];

async function buildTree(ctx: Parameters<ConformanceCase['run']>[0]): Promise<void> {
  await Promise.all(GLOB_TREE.map((file) => ctx.sandbox.fs.write(`${ctx.workdir}/${file}`, file)));
}

function tableCase(row: GlobTableRow): ConformanceCase {
  return {
    id: `fs.glob.${row.name}`,
    group: 'fs',
    title: `glob: ${row.title}`,
    async run(ctx) {
      await buildTree(ctx);
      const { cwd, ...rest } = row.options ?? {};
      const base = cwd === undefined ? ctx.workdir : `${ctx.workdir}/${cwd}`;
      const result = await ctx.sandbox.fs.glob(row.pattern, { ...rest, cwd: base });
      const expected = row.options?.absolute ? row.expected.map((p) => `${base}/${p}`) : [...row.expected];
      ctx.expect(result).toEqual(expected);
    },
  };
}

/** Glob cases: the table above plus cases needing their own setup. */
export const globCases: readonly ConformanceCase[] = [
  ...GLOB_TABLE.map(tableCase),
  {
    id: 'fs.glob.default-cwd',
    group: 'fs',
    title: 'glob: without `cwd` the pattern is relative to workDir',
    async run(ctx) {
      await buildTree(ctx);
      const rel = relativePosixPath(ctx.sandbox.workDir, ctx.workdir);
      const result = await ctx.sandbox.fs.glob(`${rel}/src/*.ts`);
      ctx.expect(result).toEqual([`${rel}/src/index.ts`, `${rel}/src/util.ts`]);
    },
  },
  {
    id: 'fs.glob.relative-cwd',
    group: 'fs',
    title: 'glob: a relative `cwd` resolves against workDir',
    async run(ctx) {
      await buildTree(ctx);
      const rel = relativePosixPath(ctx.sandbox.workDir, ctx.workdir);
      ctx.expect(await ctx.sandbox.fs.glob('*.md', { cwd: `${rel}/docs` })).toEqual(['guide.md']);
    },
  },
  {
    id: 'fs.glob.sorting',
    group: 'fs',
    title: 'glob: results are sorted by code unit order (uppercase before lowercase, shorter prefix first)',
    async run(ctx) {
      const names = ['b', 'B', 'a-b', 'a', 'a.b', 'a_b', '_x', '10', '9', 'ab', 'a/b'];
      await Promise.all(names.map((n) => ctx.sandbox.fs.write(`${ctx.workdir}/s/${n}.f`, n)));
      const result = await ctx.sandbox.fs.glob('**/*.f', { cwd: `${ctx.workdir}/s` });
      ctx.expect(result).toEqual(['10.f', '9.f', 'B.f', '_x.f', 'a-b.f', 'a.b.f', 'a.f', 'a/b.f', 'a_b.f', 'ab.f', 'b.f']);
    },
  },
  {
    id: 'fs.glob.symlinks-not-listed',
    group: 'fs',
    title: 'glob: symbolic links are neither listed nor followed',
    requires: ['fs.symlinks'],
    async run(ctx) {
      await ctx.sandbox.fs.write(`${ctx.workdir}/real/file.txt`, 'x');
      const made = await ctx.sandbox.exec('ln -s real/file.txt link.txt && ln -s real linkdir', { cwd: ctx.workdir });
      ctx.expect(made.code).toBe(0);
      ctx.expect(await ctx.sandbox.fs.glob('**', { cwd: ctx.workdir })).toEqual(['real/file.txt']);
    },
  },
  {
    id: 'fs.glob.names-with-spaces',
    group: 'fs',
    title: 'glob: names with spaces, quotes and unicode are matched and returned verbatim',
    async run(ctx) {
      const names = ["it's here.txt", 'space name.txt', 'ünïcødé.txt', '$(not run).txt'];
      await Promise.all(names.map((n) => ctx.sandbox.fs.write(`${ctx.workdir}/${n}`, n)));
      ctx.expect(await ctx.sandbox.fs.glob('*.txt', { cwd: ctx.workdir })).toEqual([...names].sort());
    },
  },
];
