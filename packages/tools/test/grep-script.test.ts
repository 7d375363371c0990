import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGrepScript, type GrepScriptOptions } from '../src/grep-command';
import { createPathFilter, plainIgnorePaths, splitGlobPath } from '../src/grep-filter';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kode-grep-script-'));
  await mkdir(join(dir, 'a/.hidden'), { recursive: true });
  await writeFile(join(dir, 'a/x.txt'), 'foo bar\nFOO\n');
  await writeFile(join(dir, 'a/.hidden/y.txt'), 'foo\n');
  await writeFile(join(dir, 'we:ird name.txt'), "it's foo\n");
  await writeFile(join(dir, 'bin.dat'), Buffer.from([0x66, 0x6f, 0x6f, 0x00, 0x01]));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(options: Partial<GrepScriptOptions>): { code: number | null; lines: string[] } {
  const script = buildGrepScript({ root: dir, pattern: 'foo', regex: false, caseSensitive: true, skipHidden: true, prune: [], programs: ['grep'], ...options });
  const out = spawnSync('sh', ['-c', script], { encoding: 'utf8', cwd: tmpdir() });
  return { code: out.status, lines: out.stdout.split('\n').filter(Boolean) };
}

describe('buildGrepScript (run by a real sh with GNU grep)', () => {
  it('prints the engine, then NUL-separated path and line, skipping dot paths and binary files', () => {
    const { code, lines } = run({});
    expect(code).toBe(0);
    expect(lines[0]).toBe('__KODE_GREP__ grep');
    expect(lines.slice(1).sort()).toEqual(['./a/x.txt\u00001:foo bar', "./we:ird name.txt\u00001:it's foo"]);
  });

  it('includes dot paths when asked, and folds case', () => {
    const { lines } = run({ skipHidden: false, caseSensitive: false });
    expect(lines.slice(1).sort()).toEqual(['./a/.hidden/y.txt\u00001:foo', './a/x.txt\u00001:foo bar', './a/x.txt\u00002:FOO', "./we:ird name.txt\u00001:it's foo"]);
  });

  it('keeps shell syntax in the pattern and root inert', () => {
    const marker = join(dir, 'pwned');
    const { code, lines } = run({ pattern: `'$(touch ${marker})'; touch ${marker}` });
    expect(code).toBe(1);
    expect(lines).toEqual(['__KODE_GREP__ grep']);
    expect(existsSync(marker)).toBe(false);
    expect(run({ root: `${dir}/nope; touch ${marker}` }).lines).toEqual(['__KODE_GREP__ missing']);
    expect(existsSync(marker)).toBe(false);
  });

  it('reports a missing root, a file root and a program that does not exist', () => {
    expect(run({ root: join(dir, 'missing') }).lines).toEqual(['__KODE_GREP__ missing']);
    expect(run({ root: join(dir, 'a/x.txt') }).lines).toEqual(['__KODE_GREP__ grep', `${join(dir, 'a/x.txt')}\u00001:foo bar`]);
    // A program name that is certainly absent exercises the "neither exists" branch.
    const script = buildGrepScript({ root: dir, pattern: 'foo', regex: false, caseSensitive: true, skipHidden: true, prune: [], programs: ['rg'] }).replace(/command -v rg/, 'command -v kode-no-such-program');
    expect(spawnSync('sh', ['-c', script], { encoding: 'utf8' }).stdout.trim()).toBe('__KODE_GREP__ none');
  });

  it('uses a PCRE-or-ERE regex dialect and reports a bad regex with exit 2', () => {
    const { lines } = run({ pattern: 'fo+\\s', regex: true });
    expect(lines.slice(1)).toEqual(['./a/x.txt\u00001:foo bar']);
    expect(run({ pattern: '(unclosed', regex: true }).code).toBe(2);
  });
});

const hasRg = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).status === 0;

describe.runIf(hasRg)('buildGrepScript with rg (runs when rg is on PATH)', () => {
  it('searches with rg, prunes plain ignore paths anchored at the root, and skips dot paths', async () => {
    await mkdir(join(dir, 'node_modules/m'), { recursive: true });
    await mkdir(join(dir, 'pkg/node_modules'), { recursive: true });
    await writeFile(join(dir, 'node_modules/m/i.txt'), 'foo\n');
    await writeFile(join(dir, 'pkg/node_modules/j.txt'), 'foo\n');
    const { code, lines } = run({ programs: ['rg', 'grep'], prune: ['node_modules'] });
    expect(code).toBe(0);
    expect(lines[0]).toBe('__KODE_GREP__ rg');
    expect(lines.slice(1).sort()).toEqual(['./a/x.txt\u00001:foo bar', './pkg/node_modules/j.txt\u00001:foo', "./we:ird name.txt\u00001:it's foo"]);
    await rm(join(dir, 'node_modules'), { recursive: true });
    await rm(join(dir, 'pkg'), { recursive: true });
  });
});

describe('grep path filters', () => {
  it('follow fs.glob semantics for glob, dot and ignore', () => {
    const all = createPathFilter({ dot: false });
    expect(all('a/b.ts')).toBe(true);
    expect(all('.env')).toBe(false);
    expect(all('a/.git/config')).toBe(false);
    expect(createPathFilter({ dot: true })('a/.git/config')).toBe(true);
    const ts = createPathFilter({ glob: '**/*.ts', dot: false, ignore: ['node_modules', 'dist/**'] });
    expect(ts('src/a.ts')).toBe(true);
    expect(ts('src/a.js')).toBe(false);
    expect(ts('node_modules/x/a.ts')).toBe(false);
    expect(ts('pkg/node_modules/x/a.ts')).toBe(true);
    expect(ts('dist/a.ts')).toBe(false);
    expect(createPathFilter({ glob: '.github/**', dot: false })('.github/workflows/ci.yml')).toBe(true);
  });

  it('prunes only plain paths in the command and splits glob paths', () => {
    expect(plainIgnorePaths(['node_modules', 'a/b', 'dist/**', '*.log', '../x', '!keep', './x'])).toEqual(['node_modules', 'a/b']);
    expect(splitGlobPath('src/**/*.ts')).toEqual({ root: 'src', glob: '**/*.ts' });
    expect(splitGlobPath('*.md')).toEqual({ root: '.', glob: '*.md' });
    expect(splitGlobPath('/w/a/{x,y}/*.c')).toEqual({ root: '/w/a', glob: '{x,y}/*.c' });
    expect(splitGlobPath('/*.c')).toEqual({ root: '/', glob: '*.c' });
    expect(splitGlobPath('src/app')).toBeUndefined();
  });
});
