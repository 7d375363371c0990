import { spawnSync } from 'node:child_process';
import { symlink } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '@kode/core';
import { createToolState, fsGrepTool, type FsGrepOutput, type GrepEngine } from '../src/index';
import { errorOf, localSandbox, okData } from './helpers';

let sandbox: Sandbox;
let close: () => Promise<void>;

const TREE: Record<string, string | Uint8Array> = {
  'p/src/app.ts': 'import x from "y";\nconst needle = 1;\n// NEEDLE in caps\n',
  'p/src/deep/er/nested.ts': 'function f() { return needle; }\n',
  'p/src/util.js': 'module.exports = "needle";\n',
  'p/src/.secret.ts': 'needle in a dotfile\n',
  'p/.config/settings.json': '{ "needle": true }\n',
  'p/node_modules/lib/index.js': 'needle in a dependency\n',
  'p/pkg/node_modules/inner.js': 'needle in a nested dependency\n',
  'p/dist/out.js': 'needle built\n',
  'p/docs/regex.md': 'a.b is literal\naxb is not\nneedle123\n',
  'p/docs/weird name: with colon.txt': 'needle with spaces\n',
  'p/bin/tool.bin': Uint8Array.from([0x6e, 0x65, 0x65, 0x64, 0x6c, 0x65, 0x00, 0x01, 0x02]),
};

beforeAll(async () => {
  ({ sandbox, close } = await localSandbox());
  for (const [path, data] of Object.entries(TREE)) await sandbox.fs.write(path, data);
});

afterAll(async () => {
  await close();
});

const hasRg = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).status === 0;
/** Engines available on this host (the loops below); the per-engine suites are registered for all three. */
const engines: GrepEngine[] = hasRg ? ['rg', 'grep', 'read'] : ['grep', 'read'];
/** Without rg the rg suite is registered as skipped (counted in the summary, which names the missing tool), never dropped. */
const ALL_ENGINES: GrepEngine[] = ['rg', 'grep', 'read'];

async function grep(engine: GrepEngine, input: Parameters<typeof fsGrepTool.execute>[0]): Promise<FsGrepOutput> {
  const state = createToolState({ sandbox, settings: { grepEngine: engine } });
  return okData(await fsGrepTool.execute(input, { sandbox, state }));
}

function where(out: FsGrepOutput): string[] {
  return out.matches.map((m) => `${m.path}:${m.line}`);
}

describe.each(ALL_ENGINES)('fs_grep with engine %s', (engine) => {
  // Without rg on PATH the rg tests are registered as skipped (and counted), never dropped.
  const engineIt = engine === 'rg' && !hasRg ? it.skip : it;
  engineIt('searches nested directories, skipping dotfiles and binary files by default', async () => {
    const out = await grep(engine, { pattern: 'needle', path: 'p' });
    expect(out.engine).toBe(engine);
    expect(out.root).toBe(`${sandbox.workDir}/p`);
    expect(where(out)).toEqual([
      'p/dist/out.js:1',
      'p/docs/regex.md:3',
      'p/docs/weird name: with colon.txt:1',
      'p/node_modules/lib/index.js:1',
      'p/pkg/node_modules/inner.js:1',
      'p/src/app.ts:2',
      'p/src/deep/er/nested.ts:1',
      'p/src/util.js:1',
    ]);
    expect(out.matches[5]).toEqual({ path: 'p/src/app.ts', line: 2, text: 'const needle = 1;' });
    expect(out).toMatchObject({ count: 8, files: 8, truncated: false });
  });

  engineIt('includes dotfiles with dot and applies ignore rules like fs.glob (top-level paths, globs, subtrees)', async () => {
    const dotted = await grep(engine, { pattern: 'needle', path: 'p', dot: true, ignore: ['node_modules', 'dist/**', 'docs/*.md'] });
    expect(where(dotted)).toEqual([
      'p/.config/settings.json:1',
      'p/docs/weird name: with colon.txt:1',
      'p/pkg/node_modules/inner.js:1',
      'p/src/.secret.ts:1',
      'p/src/app.ts:2',
      'p/src/deep/er/nested.ts:1',
      'p/src/util.js:1',
    ]);
    const anyDepth = await grep(engine, { pattern: 'needle', path: 'p', ignore: ['**/node_modules'] });
    expect(where(anyDepth).some((p) => p.includes('node_modules'))).toBe(false);
  });

  engineIt('filters by glob, also given inside path, including explicitly dotted globs', async () => {
    const ts = await grep(engine, { pattern: 'needle', path: 'p', glob: '**/*.ts' });
    expect(where(ts)).toEqual(['p/src/app.ts:2', 'p/src/deep/er/nested.ts:1']);
    expect(where(await grep(engine, { pattern: 'needle', path: 'p/src/**/*.ts' }))).toEqual(where(ts));
    expect(where(await grep(engine, { pattern: 'needle', path: 'p', glob: '.config/*.json' }))).toEqual(['p/.config/settings.json:1']);
  });

  engineIt('is literal by default, supports regex and case-insensitive search', async () => {
    expect(where(await grep(engine, { pattern: 'a.b', path: 'p/docs' }))).toEqual(['p/docs/regex.md:1']);
    expect(where(await grep(engine, { pattern: 'a.b', path: 'p/docs', regex: true }))).toEqual(['p/docs/regex.md:1', 'p/docs/regex.md:2']);
    expect(where(await grep(engine, { pattern: 'needle[0-9]+$', path: 'p/docs', regex: true }))).toEqual(['p/docs/regex.md:3']);
    expect(where(await grep(engine, { pattern: 'NEEDLE', path: 'p/src' }))).toEqual(['p/src/app.ts:3']);
    expect(where(await grep(engine, { pattern: 'NEEDLE', path: 'p/src', case_sensitive: false, glob: '*.ts' }))).toEqual(['p/src/app.ts:2', 'p/src/app.ts:3']);
  });

  engineIt('caps results at max_results and says so', async () => {
    const out = await grep(engine, { pattern: 'needle', path: 'p', max_results: 3 });
    expect(where(out)).toEqual(['p/dist/out.js:1', 'p/docs/regex.md:3', 'p/docs/weird name: with colon.txt:1']);
    expect(out.truncated).toBe(true);
  });

  engineIt('searches a single file and reports a missing root', async () => {
    expect(where(await grep(engine, { pattern: 'needle', path: 'p/src/app.ts' }))).toEqual(['p/src/app.ts:2']);
    const state = createToolState({ sandbox, settings: { grepEngine: engine } });
    expect(errorOf(await fsGrepTool.execute({ pattern: 'x', path: 'p/missing' }, { sandbox, state }), 'FILE_NOT_FOUND').field).toBe('path');
  });

  engineIt('treats shell syntax in the pattern as text', async () => {
    await sandbox.fs.write('q/s.txt', "echo '$(rm -rf /)' `x` \"quoted\"\n");
    const out = await grep(engine, { pattern: "'$(rm -rf /)' `x` \"quoted\"", path: 'q' });
    expect(where(out)).toEqual(['q/s.txt:1']);
    expect(await sandbox.fs.exists('p/src/app.ts')).toBe(true);
  });
});

describe('fs_grep', () => {
  it('uses one command in the sandbox by default', async () => {
    const out = await grep('auto', { pattern: 'needle', path: 'p/src' });
    expect(out.engine).toBe(hasRg ? 'rg' : 'grep');
  });

  it('reports an invalid regex on the pattern field', async () => {
    for (const engine of engines) {
      const state = createToolState({ sandbox, settings: { grepEngine: engine } });
      expect(errorOf(await fsGrepTool.execute({ pattern: '(unclosed', regex: true, path: 'p' }, { sandbox, state }), 'INVALID_INPUT').field).toBe('pattern');
    }
  });

  beforeAll(async () => {
    await symlink('/etc', `${sandbox.workDir}/escape`);
    await symlink(`${sandbox.workDir}/p/src`, `${sandbox.workDir}/inside-link`);
  });

  it('keeps a confined sandbox confined: a root outside it is PATH_OUTSIDE_SANDBOX, as for fs_read', async () => {
    for (const engine of engines) {
      const state = createToolState({ sandbox, settings: { grepEngine: engine } });
      errorOf(await fsGrepTool.execute({ pattern: 'root', path: '/etc' }, { sandbox, state }), 'PATH_OUTSIDE_SANDBOX');
      errorOf(await fsGrepTool.execute({ pattern: 'root', path: '../..' }, { sandbox, state }), 'PATH_OUTSIDE_SANDBOX');
      errorOf(await fsGrepTool.execute({ pattern: 'root', path: 'escape' }, { sandbox, state }), 'PATH_OUTSIDE_SANDBOX');
      expect(where(await grep(engine, { pattern: 'needle', path: 'inside-link' }))).toEqual(['inside-link/app.ts:2', 'inside-link/deep/er/nested.ts:1', 'inside-link/util.js:1']);
    }
  });

  it('rejects a glob in both path and glob', async () => {
    expect(errorOf(await fsGrepTool.execute({ pattern: 'x', path: 'p/*.ts', glob: '*.js' }, { sandbox }), 'INVALID_INPUT').field).toBe('path');
  });
});
