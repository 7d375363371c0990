import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InvalidArgumentError } from '@kode/core';
import { describe, expect, it } from 'vitest';
import { listRegularFiles } from './glob-walk';
import { openSandbox, tempDir } from '../test/local-fixtures';

const TREE = [
  'README.md',
  '.env',
  '.github/ci.yml',
  'src/index.ts',
  'src/util.ts',
  'src/nested/deep/x.ts',
  'src/.hidden.ts',
  'node_modules/pkg/index.ts',
  'dist/index.js',
  'docs/a b.md',
  'Z.ts',
];

async function makeTree(root: string): Promise<void> {
  for (const file of TREE) {
    await mkdir(dirname(join(root, file)), { recursive: true });
    await writeFile(join(root, file), file);
  }
  await mkdir(join(root, 'empty-dir'));
}

describe('LocalSandbox fs.glob', () => {
  const table: Array<[string, { dot?: boolean; ignore?: string[] }, string[]]> = [
    ['**/*.ts', {}, ['Z.ts', 'node_modules/pkg/index.ts', 'src/index.ts', 'src/nested/deep/x.ts', 'src/util.ts']],
    ['**/*.ts', { dot: true }, ['Z.ts', 'node_modules/pkg/index.ts', 'src/.hidden.ts', 'src/index.ts', 'src/nested/deep/x.ts', 'src/util.ts']],
    ['**/*.ts', { ignore: ['node_modules'] }, ['Z.ts', 'src/index.ts', 'src/nested/deep/x.ts', 'src/util.ts']],
    ['**/*.ts', { ignore: ['node_modules/**', 'src/nested/'] }, ['Z.ts', 'src/index.ts', 'src/util.ts']],
    ['src/*.ts', {}, ['src/index.ts', 'src/util.ts']],
    ['src/**', {}, ['src/index.ts', 'src/nested/deep/x.ts', 'src/util.ts']],
    ['*', {}, ['README.md', 'Z.ts']],
    ['*', { dot: true }, ['.env', 'README.md', 'Z.ts']],
    ['.github/*.yml', {}, ['.github/ci.yml']],
    ['**/*.{md,js}', {}, ['README.md', 'dist/index.js', 'docs/a b.md']],
    ['./src/nested/**/x.ts', {}, ['src/nested/deep/x.ts']],
    ['src', {}, []],
    ['**/empty-dir', {}, []],
  ];

  it.each(table)('%s %j', async (pattern, options, expected) => {
    const sandbox = await openSandbox();
    await makeTree(sandbox.workDir);
    expect(await sandbox.fs.glob(pattern, options)).toEqual(expected);
  });

  it('is relative to cwd, can return absolute paths, honours limit and accepts an absolute pattern below cwd', async () => {
    const sandbox = await openSandbox();
    await makeTree(sandbox.workDir);
    expect(await sandbox.fs.glob('**/*.ts', { cwd: 'src' })).toEqual(['index.ts', 'nested/deep/x.ts', 'util.ts']);
    expect(await sandbox.fs.glob('*.ts', { cwd: 'src', absolute: true })).toEqual([`${sandbox.workDir}/src/index.ts`, `${sandbox.workDir}/src/util.ts`]);
    expect(await sandbox.fs.glob('**/*.ts', { limit: 2 })).toEqual(['Z.ts', 'node_modules/pkg/index.ts']);
    expect(await sandbox.fs.glob(`${sandbox.workDir}/src/*.ts`)).toEqual(['src/index.ts', 'src/util.ts']);
    await expect(sandbox.fs.glob('../*')).rejects.toSatisfy((e) => InvalidArgumentError.isInstance(e));
    await expect(sandbox.fs.glob('/etc/*')).rejects.toSatisfy((e) => InvalidArgumentError.isInstance(e));
    await expect(sandbox.fs.glob('*', { limit: -1 })).rejects.toSatisfy((e) => InvalidArgumentError.isInstance(e));
  });

  it('neither follows nor lists symlinks', async () => {
    const sandbox = await openSandbox();
    const outside = await tempDir();
    await writeFile(join(outside, 'leak.ts'), '');
    await writeFile(join(sandbox.workDir, 'real.ts'), '');
    await symlink(outside, join(sandbox.workDir, 'out-dir'));
    await symlink(join(sandbox.workDir, 'real.ts'), join(sandbox.workDir, 'alias.ts'));
    expect(await sandbox.fs.glob('**/*.ts')).toEqual(['real.ts']);
  });

  it('finds files among 1000, sorted', async () => {
    const sandbox = await openSandbox();
    await mkdir(join(sandbox.workDir, 'many'));
    await Promise.all(Array.from({ length: 1000 }, (_, i) => writeFile(join(sandbox.workDir, 'many', `f${999 - i}.txt`), '')));
    const found = await sandbox.fs.glob('many/*.txt');
    expect(found).toHaveLength(1000);
    expect(found.slice(0, 3)).toEqual(['many/f0.txt', 'many/f1.txt', 'many/f10.txt']);
  });
});

describe('listRegularFiles', () => {
  it('without a hint, lists every regular file below the root (the front selects the matches), without directories or symlinks', async () => {
    const root = await tempDir();
    await makeTree(root);
    await symlink(join(root, 'Z.ts'), join(root, 'link.ts'));
    await symlink(join(root, 'src'), join(root, 'src-link'));
    const files = await listRegularFiles(root);
    expect(files.sort()).toEqual([...TREE].sort());
  });

  it('fails for a missing root (the driver turns that into no files) and a glob in a missing cwd gives []', async () => {
    const root = await tempDir();
    await expect(listRegularFiles(join(root, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    const sandbox = await openSandbox();
    expect(await sandbox.fs.glob('**', { cwd: 'missing' })).toEqual([]);
  });

  it('with a hint, enters only the literal leading directories of the pattern but still returns files met on the way', async () => {
    const root = await tempDir();
    await makeTree(root);
    await writeFile(join(root, 'src-file'), '');
    const files = await listRegularFiles(root, { pattern: 'src/nested/**/*.ts', ignore: [] });
    expect(files.sort()).toEqual(['.env', 'README.md', 'Z.ts', 'src-file', 'src/.hidden.ts', 'src/index.ts', 'src/nested/deep/x.ts', 'src/util.ts']);
  });

  it('with a hint, prunes ignored directories while walking', async () => {
    const root = await tempDir();
    await makeTree(root);
    const files = await listRegularFiles(root, { pattern: '**', ignore: ['node_modules', 'src/**'] });
    expect(files.some((f) => f.startsWith('node_modules/') || f.startsWith('src/'))).toBe(false);
    expect(files).toContain('dist/index.js');
  });

  it('matches a/** against a regular file named a exactly as the full walk would', async () => {
    const sandbox = await openSandbox();
    await writeFile(join(sandbox.workDir, 'a'), '');
    expect(await sandbox.fs.glob('a/**')).toEqual(['a']);
  });
});
