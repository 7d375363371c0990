import { FileNotFoundError, InvalidArgumentError, PathOutsideSandboxError, quoteShellArg, relativePosixPath, type CapabilityPath, type SandboxFs } from '@kode/core';
import { expectError } from '../support/errors';
import { exactOr } from '../support/output';
import type { ConformanceCase } from '../types';
import { globCases } from './glob-table';

const encoder = new TextEncoder();

/** Missing-path operations that must raise FileNotFoundError (docs/contract.md, rule 5). */
const MISSING_PATH_OPERATIONS: ReadonlyArray<{ name: string; call: (fs: SandboxFs, path: string) => Promise<unknown>; requires?: readonly CapabilityPath[] }> = [
  { name: 'read', call: (fs, p) => fs.read(p) },
  { name: 'read-bytes', call: (fs, p) => fs.readBytes(p), requires: ['fs.binary'] },
  { name: 'stat', call: (fs, p) => fs.stat(p) },
  { name: 'list', call: (fs, p) => fs.list(p) },
  { name: 'rm', call: (fs, p) => fs.rm(p) },
  { name: 'rename', call: (fs, p) => fs.rename(p, `${p}-renamed`) },
];

const notFoundCases: ConformanceCase[] = MISSING_PATH_OPERATIONS.map(({ name, call, requires }) => ({
  id: `fs.not-found.${name}`,
  group: 'fs',
  title: `${name} of a missing path raises FileNotFoundError`,
  ...(requires === undefined ? {} : { requires }),
  async run({ sandbox, workdir }) {
    await expectError(() => call(sandbox.fs, `${workdir}/missing/nothing-here.txt`), FileNotFoundError, `fs.${name} of a missing path`);
  },
}));

/** Cases of the `fs` group: text and bytes, metadata, listing, moving, confinement, and the glob table. */
export const fsCases: readonly ConformanceCase[] = [
  {
    id: 'fs.write-read-text',
    group: 'fs',
    title: 'write then read text returns the same string',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/hello.txt`, 'hello\nworld\n');
      expect(await sandbox.fs.read(`${workdir}/hello.txt`)).toBe('hello\nworld\n');
    },
  },
  {
    id: 'fs.write-creates-parents',
    group: 'fs',
    title: 'write creates missing parent directories',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/a/b/c/d.txt`, 'deep');
      expect(await sandbox.fs.read(`${workdir}/a/b/c/d.txt`)).toBe('deep');
      expect((await sandbox.fs.stat(`${workdir}/a/b`)).type).toBe('directory');
    },
  },
  {
    id: 'fs.write-replaces',
    group: 'fs',
    title: 'write replaces a file, shorter content included',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/f.txt`, 'a long first version');
      await sandbox.fs.write(`${workdir}/f.txt`, 'short');
      expect(await sandbox.fs.read(`${workdir}/f.txt`)).toBe('short');
    },
  },
  {
    id: 'fs.empty-file',
    group: 'fs',
    title: 'an empty file round-trips with size 0',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/empty`, '');
      expect(await sandbox.fs.read(`${workdir}/empty`)).toBe('');
      expect((await sandbox.fs.stat(`${workdir}/empty`)).size).toBe(0);
    },
  },
  {
    id: 'fs.unicode-round-trip',
    group: 'fs',
    title: 'unicode content and file names round-trip',
    async run({ sandbox, workdir, expect }) {
      const text = 'Grüße, 世界! 🚀 — ñ\u0000 after NUL\r\nCRLF';
      const path = `${workdir}/ünï 世界 🚀.txt`;
      await sandbox.fs.write(path, text);
      expect(await sandbox.fs.read(path)).toBe(text);
      expect((await sandbox.fs.stat(path)).size).toBe(encoder.encode(text).byteLength);
      expect((await sandbox.fs.list(workdir)).map((e) => e.name)).toEqual(['ünï 世界 🚀.txt']);
    },
  },
  {
    id: 'fs.binary-round-trip',
    group: 'fs',
    title: 'every byte value round-trips through write(Uint8Array) and readBytes',
    requires: ['fs.binary'],
    async run({ sandbox, workdir, expect }) {
      const bytes = new Uint8Array(256 * 64);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 8)) & 0xff;
      await sandbox.fs.write(`${workdir}/blob.bin`, bytes);
      const back = await sandbox.fs.readBytes(`${workdir}/blob.bin`);
      expect(back).toBeInstanceOf(Uint8Array);
      expect(back.byteLength).toBe(bytes.byteLength);
      expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
      const viaShell = await sandbox.exec(`wc -c < ${quoteShellArg(`${workdir}/blob.bin`)}`);
      expect(viaShell.stdout.trim()).toBe(String(bytes.byteLength));
    },
  },
  {
    id: 'fs.read-bytes-of-text',
    group: 'fs',
    title: 'readBytes of a text file is its UTF-8 encoding',
    requires: ['fs.binary'],
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/t.txt`, 'é🚀');
      expect(Array.from(await sandbox.fs.readBytes(`${workdir}/t.txt`))).toEqual(Array.from(encoder.encode('é🚀')));
    },
  },
  {
    id: 'fs.large-file',
    group: 'fs',
    title: 'a 5 MiB file round-trips',
    async run({ sandbox, workdir, expect }) {
      const text = 'abcdefghijklmnopqrstuvwxyz012345'.repeat((5 * 1024 * 1024) / 32);
      await sandbox.fs.write(`${workdir}/big.txt`, text);
      const back = await sandbox.fs.read(`${workdir}/big.txt`);
      expect(back.length).toBe(text.length);
      expect(back === text).toBe(true);
    },
  },
  {
    id: 'fs.relative-paths',
    group: 'fs',
    title: 'relative paths resolve against workDir (resolve, write, read)',
    async run({ sandbox, workdir, expect }) {
      const rel = `${relativePosixPath(sandbox.workDir, workdir)}/rel.txt`;
      expect(sandbox.fs.resolve(rel)).toBe(`${workdir}/rel.txt`);
      await sandbox.fs.write(rel, 'relative');
      expect(await sandbox.fs.read(`${workdir}/rel.txt`)).toBe('relative');
      expect(await sandbox.fs.read(rel)).toBe('relative');
    },
  },
  {
    id: 'fs.resolve-normalises',
    group: 'fs',
    title: 'resolve normalises `.`, `..` and duplicate slashes without I/O',
    run({ sandbox, expect }) {
      expect(sandbox.fs.resolve('x/./y//z/../w')).toBe(`${sandbox.workDir}/x/y/w`);
      expect(sandbox.fs.resolve(`${sandbox.workDir}/a/../b`)).toBe(`${sandbox.workDir}/b`);
      expect(sandbox.fs.resolve('.')).toBe(sandbox.workDir);
    },
  },
  {
    id: 'fs.exec-and-fs-agree',
    group: 'fs',
    title: 'files written by fs are seen by exec and vice versa',
    async run(ctx) {
      const { sandbox, workdir, expect } = ctx;
      await sandbox.fs.write(`${workdir}/from-fs.txt`, 'via fs');
      const seen = await sandbox.exec('cat from-fs.txt; printf "via exec" > from-exec.txt', { cwd: workdir });
      expect(seen.stdout).toBe(exactOr(ctx, 'via fs'));
      expect(await sandbox.fs.read(`${workdir}/from-exec.txt`)).toBe('via exec');
    },
  },
  {
    id: 'fs.exists',
    group: 'fs',
    title: 'exists is true for files and directories, false for missing paths',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/dir/file`, 'x');
      expect(await sandbox.fs.exists(`${workdir}/dir/file`)).toBe(true);
      expect(await sandbox.fs.exists(`${workdir}/dir`)).toBe(true);
      expect(await sandbox.fs.exists(`${workdir}/dir/missing`)).toBe(false);
      expect(await sandbox.fs.exists(`${workdir}/missing/deeper`)).toBe(false);
    },
  },
  {
    id: 'fs.stat-file',
    group: 'fs',
    title: 'stat of a file: type, size in bytes, mtime in ms, numeric mode',
    async run({ sandbox, workdir, expect }) {
      const before = Date.now();
      await sandbox.fs.write(`${workdir}/s.txt`, 'héllo');
      const stat = await sandbox.fs.stat(`${workdir}/s.txt`);
      expect(stat.type).toBe('file');
      expect(stat.size).toBe(6);
      expect(stat.mtimeMs).toBeGreaterThan(before - 10 * 60_000);
      expect(stat.mtimeMs).toBeLessThan(Date.now() + 10 * 60_000);
      expect(Number.isInteger(stat.mode)).toBe(true);
      expect(stat.mode & 0o400).toBe(0o400);
    },
  },
  {
    id: 'fs.stat-mode',
    group: 'fs',
    title: 'stat reports permission bits set with chmod',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/run.sh`, '#!/bin/sh\n');
      await sandbox.exec('chmod 754 run.sh', { cwd: workdir });
      expect((await sandbox.fs.stat(`${workdir}/run.sh`)).mode & 0o777).toBe(0o754);
    },
  },
  {
    id: 'fs.stat-directory',
    group: 'fs',
    title: 'stat of a directory reports type directory',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.mkdir(`${workdir}/d`);
      expect((await sandbox.fs.stat(`${workdir}/d`)).type).toBe('directory');
    },
  },
  {
    id: 'fs.stat-symlink',
    group: 'fs',
    title: 'stat reports a symbolic link as symlink without following it',
    requires: ['fs.symlinks'],
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/target.txt`, 'x');
      expect((await sandbox.exec('ln -s target.txt link.txt', { cwd: workdir })).code).toBe(0);
      expect((await sandbox.fs.stat(`${workdir}/link.txt`)).type).toBe('symlink');
      expect(await sandbox.fs.exists(`${workdir}/link.txt`)).toBe(true);
    },
  },
  {
    id: 'fs.symlink-to-directory',
    group: 'fs',
    title: 'a link to a directory: stat and list say symlink, recursive list does not enter it, rm removes only the link',
    requires: ['fs.symlinks'],
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/real/inner.txt`, 'x');
      expect((await sandbox.exec('ln -s real linkdir', { cwd: workdir })).code).toBe(0);
      expect((await sandbox.fs.stat(`${workdir}/linkdir`)).type).toBe('symlink');
      expect(await sandbox.fs.list(workdir)).toEqual([
        { name: 'linkdir', path: `${workdir}/linkdir`, type: 'symlink' },
        { name: 'real', path: `${workdir}/real`, type: 'directory' },
      ]);
      const deep = (await sandbox.fs.list(workdir, { recursive: true })).map((e) => relativePosixPath(workdir, e.path));
      expect([...deep].sort()).toEqual(['linkdir', 'real', 'real/inner.txt']);
      await sandbox.fs.rm(`${workdir}/linkdir`);
      expect(await sandbox.fs.exists(`${workdir}/linkdir`)).toBe(false);
      expect(await sandbox.fs.read(`${workdir}/real/inner.txt`)).toBe('x');
    },
  },
  {
    id: 'fs.symlink-dangling',
    group: 'fs',
    title: 'a dangling link exists, stat and list say symlink, glob skips it, rm removes it',
    requires: ['fs.symlinks'],
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/file.txt`, 'x');
      expect((await sandbox.exec('ln -s no-such-target dangling', { cwd: workdir })).code).toBe(0);
      expect(await sandbox.fs.exists(`${workdir}/dangling`)).toBe(true);
      expect((await sandbox.fs.stat(`${workdir}/dangling`)).type).toBe('symlink');
      expect(await sandbox.fs.list(workdir)).toEqual([
        { name: 'dangling', path: `${workdir}/dangling`, type: 'symlink' },
        { name: 'file.txt', path: `${workdir}/file.txt`, type: 'file' },
      ]);
      expect(await sandbox.fs.glob('**', { cwd: workdir })).toEqual(['file.txt']);
      await sandbox.fs.rm(`${workdir}/dangling`);
      expect(await sandbox.fs.exists(`${workdir}/dangling`)).toBe(false);
    },
  },
  {
    id: 'fs.path-under-a-file',
    group: 'fs',
    title: 'a path under a regular file does not exist: exists is false, stat and read raise FileNotFoundError',
    async run({ sandbox, workdir, expect, capabilities }) {
      await sandbox.fs.write(`${workdir}/plain.txt`, 'x');
      const under = `${workdir}/plain.txt/child`;
      expect(await sandbox.fs.exists(under)).toBe(false);
      await expectError(() => sandbox.fs.stat(under), FileNotFoundError, 'fs.stat under a regular file');
      await expectError(() => sandbox.fs.read(under), FileNotFoundError, 'fs.read under a regular file');
      // readBytes is gated by fs.binary (UnsupportedCapabilityError when declared absent).
      if (capabilities.fs.binary) await expectError(() => sandbox.fs.readBytes(under), FileNotFoundError, 'fs.readBytes under a regular file');
    },
  },
  {
    id: 'fs.list',
    group: 'fs',
    title: 'list returns direct entries sorted, with names, absolute paths and types',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/b.txt`, 'b');
      await sandbox.fs.write(`${workdir}/a.txt`, 'a');
      await sandbox.fs.write(`${workdir}/sub/inner.txt`, 'i');
      expect(await sandbox.fs.list(workdir)).toEqual([
        { name: 'a.txt', path: `${workdir}/a.txt`, type: 'file' },
        { name: 'b.txt', path: `${workdir}/b.txt`, type: 'file' },
        { name: 'sub', path: `${workdir}/sub`, type: 'directory' },
      ]);
    },
  },
  {
    id: 'fs.list-sort-order',
    group: 'fs',
    title: 'list is sorted by path in code-point order, not in creation, locale or natural order',
    async run({ sandbox, workdir, expect }) {
      // Created in an order that is neither sorted nor reverse-sorted; locale order would put `_x`
      // first and `B` after `b`, natural order `a9` before `a10`, tree order `a/c` before `a-b`.
      for (const name of ['b', 'a10', 'Z', 'a/c', '_x', 'a9', 'B', 'a-b']) await sandbox.fs.write(`${workdir}/${name}`, name);
      const sorted = ['B', 'Z', '_x', 'a', 'a-b', 'a10', 'a9', 'b'];
      expect((await sandbox.fs.list(workdir)).map((e) => e.name)).toEqual(sorted);
      const recursive = ['B', 'Z', '_x', 'a', 'a-b', 'a/c', 'a10', 'a9', 'b'];
      expect((await sandbox.fs.list(workdir, { recursive: true })).map((e) => relativePosixPath(workdir, e.path))).toEqual(recursive);
    },
  },
  {
    id: 'fs.list-recursive',
    group: 'fs',
    title: 'list with recursive returns every descendant, parents before children',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/x/y/z.txt`, 'z');
      await sandbox.fs.write(`${workdir}/top.txt`, 't');
      const entries = await sandbox.fs.list(workdir, { recursive: true });
      const paths = entries.map((e) => relativePosixPath(workdir, e.path));
      expect([...paths].sort()).toEqual(['top.txt', 'x', 'x/y', 'x/y/z.txt']);
      expect(paths.indexOf('x')).toBeLessThan(paths.indexOf('x/y'));
      expect(paths.indexOf('x/y')).toBeLessThan(paths.indexOf('x/y/z.txt'));
      expect(entries.find((e) => e.name === 'z.txt')?.type).toBe('file');
    },
  },
  {
    id: 'fs.list-1000-files',
    group: 'fs',
    title: 'a directory of 1000 files lists all of them, sorted, and glob finds them',
    async run({ sandbox, workdir, expect }) {
      const made = await sandbox.exec('i=0; while [ "$i" -lt 1000 ]; do n=$(printf "%04d" "$i"); printf "%s" "$n" > "f-$n.txt"; i=$((i+1)); done', {
        cwd: `${workdir}`,
        timeoutMs: 60_000,
      });
      expect(made.code).toBe(0);
      const expected = Array.from({ length: 1000 }, (_, i) => `f-${String(i).padStart(4, '0')}.txt`);
      const entries = await sandbox.fs.list(workdir);
      expect(entries.map((e) => e.name)).toEqual(expected);
      expect(entries.every((e) => e.type === 'file')).toBe(true);
      expect(await sandbox.fs.glob('*.txt', { cwd: workdir })).toEqual(expected);
      expect(await sandbox.fs.glob('f-09*.txt', { cwd: workdir })).toEqual(expected.slice(900));
      expect(await sandbox.fs.read(`${workdir}/f-0999.txt`)).toBe('0999');
    },
  },
  {
    id: 'fs.mkdir',
    group: 'fs',
    title: 'mkdir creates parents and succeeds when the directory exists',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.mkdir(`${workdir}/m/n/o`);
      await sandbox.fs.mkdir(`${workdir}/m/n/o`);
      expect((await sandbox.fs.stat(`${workdir}/m/n/o`)).type).toBe('directory');
    },
  },
  {
    id: 'fs.rm-file',
    group: 'fs',
    title: 'rm removes a file',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/gone.txt`, 'x');
      await sandbox.fs.rm(`${workdir}/gone.txt`);
      expect(await sandbox.fs.exists(`${workdir}/gone.txt`)).toBe(false);
    },
  },
  {
    id: 'fs.rm-recursive',
    group: 'fs',
    title: 'rm with recursive removes a directory tree; without it any directory is refused with InvalidArgumentError and kept',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/tree/a/b.txt`, 'x');
      await sandbox.fs.mkdir(`${workdir}/empty`);
      await expectError(() => sandbox.fs.rm(`${workdir}/tree`), InvalidArgumentError, 'rm of a non-empty directory without recursive');
      await expectError(() => sandbox.fs.rm(`${workdir}/tree`, { force: true }), InvalidArgumentError, 'rm of a directory with force but without recursive');
      await expectError(() => sandbox.fs.rm(`${workdir}/empty`), InvalidArgumentError, 'rm of an empty directory without recursive');
      expect(await sandbox.fs.read(`${workdir}/tree/a/b.txt`)).toBe('x');
      expect((await sandbox.fs.stat(`${workdir}/empty`)).type).toBe('directory');
      await sandbox.fs.rm(`${workdir}/tree`, { recursive: true });
      expect(await sandbox.fs.exists(`${workdir}/tree`)).toBe(false);
    },
  },
  {
    id: 'fs.mkdir-over-file',
    group: 'fs',
    title: 'mkdir where a file exists raises InvalidArgumentError and leaves the file alone',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/plain.txt`, 'file');
      await expectError(() => sandbox.fs.mkdir(`${workdir}/plain.txt`), InvalidArgumentError, 'mkdir over a file');
      await expectError(() => sandbox.fs.mkdir(`${workdir}/plain.txt`, { recursive: false }), InvalidArgumentError, 'mkdir over a file without recursive');
      expect(await sandbox.fs.read(`${workdir}/plain.txt`)).toBe('file');
    },
  },
  {
    id: 'fs.read-directory',
    group: 'fs',
    title: 'read and readBytes of a directory raise InvalidArgumentError',
    async run({ sandbox, workdir, capabilities }) {
      await sandbox.fs.mkdir(`${workdir}/dir`);
      await expectError(() => sandbox.fs.read(`${workdir}/dir`), InvalidArgumentError, 'read of a directory');
      if (capabilities.fs.binary) await expectError(() => sandbox.fs.readBytes(`${workdir}/dir`), InvalidArgumentError, 'readBytes of a directory');
    },
  },
  {
    id: 'fs.rename-onto-directory',
    group: 'fs',
    title: 'rename of a file onto an existing directory raises InvalidArgumentError and moves nothing',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/moving.txt`, 'm');
      await sandbox.fs.write(`${workdir}/target/inside.txt`, 'i');
      await expectError(() => sandbox.fs.rename(`${workdir}/moving.txt`, `${workdir}/target`), InvalidArgumentError, 'rename onto a directory');
      expect(await sandbox.fs.read(`${workdir}/moving.txt`)).toBe('m');
      expect((await sandbox.fs.list(`${workdir}/target`)).map((e) => e.name)).toEqual(['inside.txt']);
    },
  },
  {
    id: 'fs.rm-force-missing',
    group: 'fs',
    title: 'rm with force succeeds on a missing path',
    async run({ sandbox, workdir }) {
      await sandbox.fs.rm(`${workdir}/never-existed`, { force: true });
      await sandbox.fs.rm(`${workdir}/never/existed/either`, { force: true, recursive: true });
    },
  },
  {
    id: 'fs.rename',
    group: 'fs',
    title: 'rename moves a file, replacing the target and creating its parents',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/from.txt`, 'moved');
      await sandbox.fs.write(`${workdir}/to/exists.txt`, 'old');
      await sandbox.fs.rename(`${workdir}/from.txt`, `${workdir}/to/exists.txt`);
      expect(await sandbox.fs.read(`${workdir}/to/exists.txt`)).toBe('moved');
      expect(await sandbox.fs.exists(`${workdir}/from.txt`)).toBe(false);
      await sandbox.fs.rename(`${workdir}/to/exists.txt`, `${workdir}/new/parent/dir/file.txt`);
      expect(await sandbox.fs.read(`${workdir}/new/parent/dir/file.txt`)).toBe('moved');
    },
  },
  {
    id: 'fs.rename-directory',
    group: 'fs',
    title: 'rename moves a directory with its contents',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/olddir/inner/f.txt`, 'f');
      await sandbox.fs.rename(`${workdir}/olddir`, `${workdir}/newdir`);
      expect(await sandbox.fs.read(`${workdir}/newdir/inner/f.txt`)).toBe('f');
      expect(await sandbox.fs.exists(`${workdir}/olddir`)).toBe(false);
    },
  },
  {
    id: 'fs.temp',
    group: 'fs',
    title: 'temp returns fresh absolute paths inside the sandbox whose parent exists',
    async run({ sandbox, expect }) {
      const a = await sandbox.fs.temp('kit-');
      const b = await sandbox.fs.temp('kit-');
      expect(a).not.toBe(b);
      expect(a.startsWith('/')).toBe(true);
      expect(a.split('/').pop()?.startsWith('kit-')).toBe(true);
      expect(sandbox.fs.isInside(a)).toBe(true);
      expect(await sandbox.fs.exists(a)).toBe(false);
      expect((await sandbox.fs.stat(a.slice(0, a.lastIndexOf('/')) || '/')).type).toBe('directory');
      await sandbox.fs.write(a, 'usable');
      expect(await sandbox.fs.read(a)).toBe('usable');
      await sandbox.fs.rm(a);
    },
  },
  ...notFoundCases,
  {
    id: 'fs.escape-dotdot',
    group: 'fs',
    title: 'a path escaping workDir with `..` raises PathOutsideSandboxError (confined backends)',
    requires: ['fs.confined'],
    async run({ sandbox, expect }) {
      const depth = sandbox.workDir.split('/').filter(Boolean).length;
      const escape = `${'../'.repeat(depth + 2)}etc/hostname`;
      expect(sandbox.fs.isInside(escape)).toBe(false);
      expect(sandbox.fs.isInside('/etc/hostname')).toBe(false);
      await expectError(() => sandbox.fs.read(escape), PathOutsideSandboxError, 'read ../ escape');
      await expectError(() => sandbox.fs.write(`${'../'.repeat(depth + 2)}tmp/kode-escape.txt`, 'x'), PathOutsideSandboxError, 'write ../ escape');
      await expectError(() => sandbox.fs.list('/etc'), PathOutsideSandboxError, 'list /etc');
    },
  },
  {
    id: 'fs.escape-symlink',
    group: 'fs',
    title: 'a symlink pointing out of workDir is refused for read, write and list (confined backends)',
    requires: ['fs.confined', 'fs.symlinks'],
    async run({ sandbox, workdir }) {
      const made = await sandbox.exec('ln -s /etc out-dir && ln -s /etc/hostname out-file', { cwd: workdir });
      if (made.code !== 0) throw new Error(`could not create symlinks: ${made.stderr}`);
      await expectError(() => sandbox.fs.read(`${workdir}/out-file`), PathOutsideSandboxError, 'read through a symlink to /etc/hostname');
      await expectError(() => sandbox.fs.read(`${workdir}/out-dir/hostname`), PathOutsideSandboxError, 'read through a symlinked directory');
      await expectError(() => sandbox.fs.write(`${workdir}/out-dir/kode-escape.txt`, 'x'), PathOutsideSandboxError, 'write through a symlinked directory');
      await expectError(() => sandbox.fs.list(`${workdir}/out-dir`), PathOutsideSandboxError, 'list a symlinked directory');
    },
  },
  {
    id: 'fs.absolute-paths-unconfined',
    group: 'fs',
    title: 'on unconfined (remote) backends any absolute path is the sandbox’s own',
    requiresAbsent: ['fs.confined'],
    async run({ sandbox, expect }) {
      expect(sandbox.fs.isInside('/etc/hostname')).toBe(true);
      expect(sandbox.fs.isInside('/')).toBe(true);
      const path = `/tmp/kode-conformance-${Date.now()}.txt`;
      await sandbox.fs.write(path, 'anywhere');
      expect(await sandbox.fs.read(path)).toBe('anywhere');
      await sandbox.fs.rm(path);
    },
  },
  {
    id: 'fs.names-with-special-characters',
    group: 'fs',
    title: 'names with spaces, quotes, $ and leading dashes round-trip through every fs call',
    async run({ sandbox, workdir, expect }) {
      const names = ['-rf', "it's", 'a "q"', '$(echo no)', 'back`tick`', 'new\nline'];
      for (const name of names) await sandbox.fs.write(`${workdir}/${name}/f`, name);
      for (const name of names) expect(await sandbox.fs.read(`${workdir}/${name}/f`)).toBe(name);
      expect((await sandbox.fs.list(workdir)).map((e) => e.name)).toEqual([...names].sort());
      await sandbox.fs.rename(`${workdir}/-rf/f`, `${workdir}/-rf/g`);
      await sandbox.fs.rm(`${workdir}/$(echo no)`, { recursive: true });
      expect(await sandbox.fs.exists(`${workdir}/-rf/g`)).toBe(true);
      expect(await sandbox.fs.exists(`${workdir}/$(echo no)`)).toBe(false);
    },
  },
  ...globCases,
];
