import { chmod, lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileNotFoundError, InvalidArgumentError, PathOutsideSandboxError } from '@kode/core';
import { describe, expect, it } from 'vitest';
import { openSandbox, tempDir } from '../test/local-fixtures';

const isOutside = (e: unknown): boolean => PathOutsideSandboxError.isInstance(e);
const isNotFound = (e: unknown): boolean => FileNotFoundError.isInstance(e);
const isInvalid = (e: unknown): boolean => InvalidArgumentError.isInstance(e);

describe('LocalSandbox fs confinement', () => {
  it('resolves relative paths against the real workDir and checks isInside lexically', async () => {
    const sandbox = await openSandbox();
    expect(sandbox.fs.resolve('a/../b.txt')).toBe(`${sandbox.workDir}/b.txt`);
    expect(sandbox.fs.isInside('x/y')).toBe(true);
    expect(sandbox.fs.isInside('..foo')).toBe(true);
    expect(sandbox.fs.isInside('../x')).toBe(false);
    expect(sandbox.fs.isInside('/etc/passwd')).toBe(false);
  });

  it('refuses `..` escapes but allows names that merely start with `..`', async () => {
    const sandbox = await openSandbox();
    await expect(sandbox.fs.read('../secret')).rejects.toSatisfy(isOutside);
    await expect(sandbox.fs.write('sub/../../escape.txt', 'x')).rejects.toSatisfy(isOutside);
    await expect(sandbox.fs.read('/etc/hostname')).rejects.toSatisfy(isOutside);
    await sandbox.fs.write('..foo', 'dots');
    expect(await sandbox.fs.read('..foo')).toBe('dots');
  });

  it('refuses a symlink that points outside, for reads, writes and as a parent directory', async () => {
    const sandbox = await openSandbox();
    const outside = await tempDir();
    await writeFile(join(outside, 'secret.txt'), 'top secret');
    await symlink(join(outside, 'secret.txt'), join(sandbox.workDir, 'file-link'));
    await symlink(outside, join(sandbox.workDir, 'dir-link'));
    await expect(sandbox.fs.read('file-link')).rejects.toSatisfy(isOutside);
    await expect(sandbox.fs.readBytes('dir-link/secret.txt')).rejects.toSatisfy(isOutside);
    await expect(sandbox.fs.write('file-link', 'overwrite')).rejects.toSatisfy(isOutside);
    await expect(sandbox.fs.write('dir-link/new/deep.txt', 'x')).rejects.toSatisfy(isOutside);
    await expect(sandbox.fs.list('dir-link')).rejects.toSatisfy(isOutside);
    await expect(sandbox.fs.mkdir('dir-link/made')).rejects.toSatisfy(isOutside);
    await expect(sandbox.fs.glob('**', { cwd: 'dir-link' })).rejects.toSatisfy(isOutside);
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
    expect(await readdir(outside)).toEqual(['secret.txt']);
    // The link itself lies inside: stat/exists/rm act on it without following.
    expect((await sandbox.fs.stat('file-link')).type).toBe('symlink');
    expect(await sandbox.fs.exists('dir-link')).toBe(true);
    await sandbox.fs.rm('dir-link');
    expect(await readdir(outside)).toEqual(['secret.txt']);
  });

  it('refuses a dangling symlink whose target would be created outside', async () => {
    const sandbox = await openSandbox();
    const outside = await tempDir();
    await symlink(join(outside, 'not-yet'), join(sandbox.workDir, 'dangling'));
    await expect(sandbox.fs.write('dangling', 'x')).rejects.toSatisfy(isOutside);
    await expect(sandbox.fs.write('dangling/child.txt', 'x')).rejects.toSatisfy(isOutside);
    expect(await readdir(outside)).toEqual([]);
    expect(await sandbox.fs.exists('dangling')).toBe(true);
  });

  it('reports symlink loops as InvalidArgumentError, also when the loop is dangling', async () => {
    const sandbox = await openSandbox();
    await symlink('loop-b', join(sandbox.workDir, 'loop-a'));
    await symlink('loop-a', join(sandbox.workDir, 'loop-b'));
    await expect(sandbox.fs.read('loop-a')).rejects.toSatisfy(isInvalid);
    await expect(sandbox.fs.write('loop-a/x.txt', 'x')).rejects.toSatisfy(isInvalid);
    expect((await sandbox.fs.stat('loop-a')).type).toBe('symlink');
  });

  it('follows symlinks that stay inside, and allows allowPaths and the temp directory', async () => {
    const extra = await tempDir();
    const sandbox = await openSandbox({ allowPaths: [extra] });
    await sandbox.fs.write('real/target.txt', 'inner');
    await symlink(join(sandbox.workDir, 'real'), join(sandbox.workDir, 'alias'));
    expect(await sandbox.fs.read('alias/target.txt')).toBe('inner');
    await sandbox.fs.write(`${extra}/allowed.txt`, 'ok');
    expect(await readFile(join(extra, 'allowed.txt'), 'utf8')).toBe('ok');
    const temp = await sandbox.fs.temp('scratch-');
    expect(temp.startsWith('/')).toBe(true);
    expect(await sandbox.fs.exists(temp)).toBe(false);
    await sandbox.fs.write(temp, 'tmp');
    expect(await sandbox.fs.read(temp)).toBe('tmp');
    expect(await sandbox.fs.temp('scratch-')).not.toBe(temp);
    await expect(sandbox.fs.temp('a/b')).rejects.toSatisfy(isInvalid);
  });

  it('checks workDir given through a symlink on its real path', async () => {
    const base = await tempDir();
    await mkdir(join(base, 'real-work'));
    await symlink(join(base, 'real-work'), join(base, 'work-link'));
    const sandbox = await openSandbox({ workDir: join(base, 'work-link') });
    expect(sandbox.workDir).toBe(join(base, 'real-work'));
    await sandbox.fs.write('f.txt', 'x');
    expect(await sandbox.fs.read(join(base, 'work-link', 'f.txt'))).toBe('x');
  });
});

describe('LocalSandbox fs operations', () => {
  it('round-trips unicode text and arbitrary bytes', async () => {
    const sandbox = await openSandbox();
    const text = 'héllo wörld — 你好 🎉\n';
    await sandbox.fs.write('u.txt', text);
    expect(await sandbox.fs.read('u.txt')).toBe(text);
    const bytes = new Uint8Array(256).map((_, i) => i);
    await sandbox.fs.write('b.bin', bytes);
    expect(Array.from(await sandbox.fs.readBytes('b.bin'))).toEqual(Array.from(bytes));
    const view = new Uint8Array(bytes.buffer, 10, 5);
    await sandbox.fs.write('slice.bin', view);
    expect(Array.from(await sandbox.fs.readBytes('slice.bin'))).toEqual([10, 11, 12, 13, 14]);
    await expect(sandbox.fs.write('bad', 5 as unknown as string)).rejects.toSatisfy(isInvalid);
  });

  it('writes atomically: a new inode replaces the file, no temp files remain, mode is kept', async () => {
    const sandbox = await openSandbox();
    await sandbox.fs.write('a/b/c.txt', 'one');
    const path = join(sandbox.workDir, 'a/b/c.txt');
    await chmod(path, 0o750);
    const before = await stat(path);
    await sandbox.fs.write('a/b/c.txt', 'two');
    const after = await stat(path);
    expect(after.ino).not.toBe(before.ino);
    expect(after.mode & 0o777).toBe(0o750);
    expect(await readFile(path, 'utf8')).toBe('two');
    expect(await readdir(join(sandbox.workDir, 'a/b'))).toEqual(['c.txt']);
  });

  it('writing through an inside symlink replaces the target and keeps the link', async () => {
    const sandbox = await openSandbox();
    await sandbox.fs.write('target.txt', 'old');
    await symlink('target.txt', join(sandbox.workDir, 'link.txt'));
    await sandbox.fs.write('link.txt', 'new');
    expect((await lstat(join(sandbox.workDir, 'link.txt'))).isSymbolicLink()).toBe(true);
    expect(await sandbox.fs.read('target.txt')).toBe('new');
  });

  it('raises FileNotFoundError for missing paths, keeping the cause', async () => {
    const sandbox = await openSandbox();
    const error = await sandbox.fs.read('missing.txt').catch((e: unknown) => e);
    expect(isNotFound(error)).toBe(true);
    expect((error as FileNotFoundError).path).toBe(`${sandbox.workDir}/missing.txt`);
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    await expect(sandbox.fs.readBytes('nope/x')).rejects.toSatisfy(isNotFound);
    await expect(sandbox.fs.stat('missing')).rejects.toSatisfy(isNotFound);
    await expect(sandbox.fs.list('missing')).rejects.toSatisfy(isNotFound);
    await expect(sandbox.fs.rm('missing')).rejects.toSatisfy(isNotFound);
    await expect(sandbox.fs.rename('missing', 'x')).rejects.toSatisfy(isNotFound);
    await expect(sandbox.fs.mkdir('no/parent', { recursive: false })).rejects.toSatisfy(isNotFound);
    // A glob in a missing cwd matches nothing (the front's contract), it does not raise.
    expect(await sandbox.fs.glob('*', { cwd: 'missing' })).toEqual([]);
    expect(await sandbox.fs.exists('missing')).toBe(false);
  });

  it('stat uses lstat semantics and reports permission bits', async () => {
    const sandbox = await openSandbox();
    await sandbox.fs.write('f.txt', '12345');
    await chmod(join(sandbox.workDir, 'f.txt'), 0o640);
    await symlink('f.txt', join(sandbox.workDir, 'l'));
    const file = await sandbox.fs.stat('f.txt');
    expect(file).toMatchObject({ type: 'file', size: 5, mode: 0o640 });
    expect(file.mtimeMs).toBeGreaterThan(0);
    expect((await sandbox.fs.stat('l')).type).toBe('symlink');
    expect((await sandbox.fs.stat('.')).type).toBe('directory');
  });

  it('lists sorted entries; recursive puts parents before children and does not enter symlinked dirs', async () => {
    const sandbox = await openSandbox();
    await sandbox.fs.write('b/x.txt', '');
    await sandbox.fs.write('a-c.txt', '');
    await sandbox.fs.write('a/y/z.txt', '');
    await symlink(join(sandbox.workDir, 'a'), join(sandbox.workDir, 'link'));
    const flat = await sandbox.fs.list('.');
    expect(flat.map((e) => [e.name, e.type])).toEqual([
      ['a', 'directory'],
      ['a-c.txt', 'file'],
      ['b', 'directory'],
      ['link', 'symlink'],
    ]);
    const deep = await sandbox.fs.list(sandbox.workDir, { recursive: true });
    const rel = deep.map((e) => e.path.slice(sandbox.workDir.length + 1));
    expect(rel).toEqual(['a', 'a-c.txt', 'a/y', 'a/y/z.txt', 'b', 'b/x.txt', 'link']);
    await expect(sandbox.fs.list('a-c.txt')).rejects.toSatisfy(isInvalid);
  });

  it('lists a directory of 1000 files', async () => {
    const sandbox = await openSandbox();
    await Promise.all(Array.from({ length: 1000 }, (_, i) => writeFile(join(sandbox.workDir, `f${String(i).padStart(4, '0')}`), '')));
    const entries = await sandbox.fs.list('.');
    expect(entries).toHaveLength(1000);
    expect(entries[0]?.name).toBe('f0000');
    expect(entries[999]?.name).toBe('f0999');
  });

  it('mkdir is recursive by default; rm honours recursive and force; the workDir itself is protected', async () => {
    const sandbox = await openSandbox();
    await sandbox.fs.mkdir('x/y/z');
    await sandbox.fs.mkdir('x/y/z');
    expect((await sandbox.fs.stat('x/y/z')).type).toBe('directory');
    await expect(sandbox.fs.mkdir('x', { recursive: false })).rejects.toSatisfy(isInvalid);
    await expect(sandbox.fs.rm('x')).rejects.toSatisfy(isInvalid);
    await sandbox.fs.rm('x', { recursive: true });
    expect(await sandbox.fs.exists('x')).toBe(false);
    await sandbox.fs.rm('x', { force: true });
    await expect(sandbox.fs.rm('.', { recursive: true })).rejects.toSatisfy(isInvalid);
    expect(await sandbox.fs.exists('.')).toBe(true);
  });

  it('rename moves files and directories, replacing a file and creating the parents', async () => {
    const sandbox = await openSandbox();
    await sandbox.fs.write('from.txt', 'payload');
    await sandbox.fs.write('deep/to.txt', 'old');
    await sandbox.fs.rename('from.txt', 'deep/to.txt');
    expect(await sandbox.fs.read('deep/to.txt')).toBe('payload');
    expect(await sandbox.fs.exists('from.txt')).toBe(false);
    await sandbox.fs.rename('deep', 'new/parent/moved');
    expect(await sandbox.fs.read('new/parent/moved/to.txt')).toBe('payload');
    await expect(sandbox.fs.rename('new', '../outside')).rejects.toSatisfy(isOutside);
  });

  it('reading a directory and renaming onto a directory raise InvalidArgumentError, touching nothing', async () => {
    const sandbox = await openSandbox();
    await sandbox.fs.mkdir('dir');
    await sandbox.fs.mkdir('empty');
    await sandbox.fs.write('dir/kept.txt', 'kept');
    await sandbox.fs.write('file.txt', 'file');
    await expect(sandbox.fs.read('dir')).rejects.toSatisfy(isInvalid);
    await expect(sandbox.fs.readBytes('dir')).rejects.toSatisfy(isInvalid);
    await expect(sandbox.fs.rename('file.txt', 'dir')).rejects.toSatisfy(isInvalid);
    // An empty directory too, although POSIX rename(2) would silently replace it with a directory.
    await expect(sandbox.fs.rename('dir', 'empty')).rejects.toSatisfy(isInvalid);
    expect(await sandbox.fs.read('dir/kept.txt')).toBe('kept');
    expect(await sandbox.fs.read('file.txt')).toBe('file');
    expect((await sandbox.fs.stat('empty')).type).toBe('directory');
  });

  it('mkdir where a file exists raises InvalidArgumentError, also with recursive', async () => {
    const sandbox = await openSandbox();
    await sandbox.fs.write('taken', 'x');
    await expect(sandbox.fs.mkdir('taken')).rejects.toSatisfy(isInvalid);
    await expect(sandbox.fs.mkdir('taken', { recursive: false })).rejects.toSatisfy(isInvalid);
    expect(await sandbox.fs.read('taken')).toBe('x');
  });

  it('read keeps a byte order mark (it is part of the file)', async () => {
    const sandbox = await openSandbox();
    await writeFile(join(sandbox.workDir, 'bom.txt'), '\uFEFFalpha\n');
    expect(await sandbox.fs.read('bom.txt')).toBe('\uFEFFalpha\n');
  });

  it('rejects empty and NUL-containing paths', async () => {
    const sandbox = await openSandbox();
    await expect(sandbox.fs.read('')).rejects.toSatisfy(isInvalid);
    await expect(sandbox.fs.read('a\0b')).rejects.toSatisfy(isInvalid);
  });
});
