import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, PathOutsideSandboxError, type WatchEvent, type WatchMode } from '@kode/core';
import { describe, expect, it, vi } from 'vitest';
import { LocalWatchPort } from './local-watch-port';
import { isOwnTempPath, ownTempPathFor, OwnTempRecordFilter } from './own-temp-files';
import { NATIVE_WATCH_AVAILABLE } from './local-capabilities';
import { openSandbox, pidAlive, tempDir, within } from '../test/local-fixtures';

const WAIT = { timeout: 10_000, interval: 20 };

describe('OwnTempRecordFilter', () => {
  it('drops inotify records about fs.write temp files (also multi-line ones) and passes everything else in order', () => {
    const out: string[] = [];
    const filter = new OwnTempRecordFilter((line) => out.push(line));
    const lines = [
      'KODE_INOTIFY_READY//',
      'CREATE /w/.a.txt.kode-0123456789ab.tmp//',
      'MOVED_FROM /w/.a.txt.kode-0123456789ab.tmp//',
      'MOVED_TO /w/a.txt//',
      'CREATE /w/.new',
      'line.kode-0123456789ab.tmp//',
      'CREATE /w/two',
      'lines.txt//',
      'CREATE /w/.look.kode-alike.tmp//',
      'plain output of another command',
    ];
    for (const line of lines) filter.push(line);
    filter.push('MODIFY /w/unterminated');
    filter.flush();
    expect(out).toEqual([
      'KODE_INOTIFY_READY//',
      'MOVED_TO /w/a.txt//',
      'CREATE /w/two',
      'lines.txt//',
      'CREATE /w/.look.kode-alike.tmp//',
      'plain output of another command',
      'MODIFY /w/unterminated',
    ]);
    expect(isOwnTempPath('/w/.a.txt.kode-0123456789ab.tmp')).toBe(true);
    expect(isOwnTempPath('/w/a.txt.kode-0123456789ab.tmp')).toBe(false);
    expect(isOwnTempPath(ownTempPathFor('/w/a.txt'))).toBe(true);
  });
});

describe('LocalWatchPort.snapshot', () => {
  it('stats paths with lstat, children or all descendants, skipping missing paths and not entering symlinked dirs', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'd/e'), { recursive: true });
    await writeFile(join(root, 'd/f.txt'), 'abc');
    await writeFile(join(root, 'd/e/g.txt'), '');
    await writeFile(join(root, 'd/.f.txt.kode-0123456789ab.tmp'), 'in flight'); // fs.write's own: never reported
    const outside = await tempDir();
    await writeFile(join(outside, 'o.txt'), '');
    await symlink(outside, join(root, 'd/link'));
    const port = new LocalWatchPort(() => process.env);
    const shallow = await port.snapshot({ paths: [join(root, 'd'), join(root, 'missing')], recursive: false });
    expect(shallow.map((e) => [e.path.slice(root.length), e.type]).sort()).toEqual([
      ['/d', 'directory'],
      ['/d/e', 'directory'],
      ['/d/f.txt', 'file'],
      ['/d/link', 'symlink'],
    ]);
    expect(shallow.find((e) => e.path.endsWith('f.txt'))).toMatchObject({ size: 3 });
    expect(shallow.every((e) => e.mtimeMs > 0)).toBe(true);
    const deep = await port.snapshot({ paths: [join(root, 'd')], recursive: true });
    expect(deep.map((e) => e.path.slice(root.length)).sort()).toEqual(['/d', '/d/e', '/d/e/g.txt', '/d/f.txt', '/d/link']);
  });

  it('rejects with the signal reason when aborted', async () => {
    const port = new LocalWatchPort(() => process.env);
    const reason = new Error('stop');
    await expect(port.snapshot({ paths: ['/tmp'], recursive: false, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});

describe('LocalWatchPort.stream', () => {
  it('delivers stdout lines (empty ones too, final partial line last) and the exit code', async () => {
    const port = new LocalWatchPort(() => process.env);
    const lines: string[] = [];
    const result = await port.stream({
      command: "printf 'a\\n\\nb c\\r\\nlast'; echo oops >&2; exit 3",
      onLine: (line) => lines.push(line),
      signal: new AbortController().signal,
    });
    expect(lines).toEqual(['a', '', 'b c\r', 'last']);
    expect(result).toEqual({ code: 3, stderr: 'oops\n' });
  });

  it('reports 127 when the program is missing (environment from the sandbox config)', async () => {
    const port = new LocalWatchPort(() => ({ ...process.env, PATH: '/nonexistent' }));
    const result = await port.stream({ command: 'inotifywait -m /tmp', onLine: () => undefined, signal: new AbortController().signal });
    expect(result.code).toBe(127);
  });

  it('abort kills the whole process group and resolves with code null', async () => {
    const port = new LocalWatchPort(() => process.env);
    const controller = new AbortController();
    let pid = 0;
    const done = port.stream({
      command: 'sleep 30 & echo $!; wait',
      onLine: (line) => {
        pid = Number(line);
        controller.abort();
      },
      signal: controller.signal,
    });
    expect((await within(done, 10_000, 'stream to stop')).code).toBeNull();
    await vi.waitFor(() => expect(pidAlive(pid)).toBe(false), WAIT);
  });
});

function recorder(): { events: WatchEvent[]; listener: (e: WatchEvent) => void; has: (type: WatchEvent['type'], path: string) => boolean } {
  const events: WatchEvent[] = [];
  return { events, listener: (e) => events.push(e), has: (type, path) => events.some((e) => e.type === type && e.path === path) };
}

const MODES: Array<[via: 'native' | 'polling', watch: { mode: WatchMode; pollIntervalMs?: number }]> = [['polling', { mode: 'polling', pollIntervalMs: 100 }]];
if (NATIVE_WATCH_AVAILABLE) MODES.push(['native', { mode: 'native' }]);

describe.each(MODES)('LocalSandbox.watchFiles (%s)', (via, watch) => {
  it('reports create, modify and delete with absolute paths, and nothing after unwatch', async () => {
    const sandbox = await openSandbox({ watch });
    await sandbox.fs.mkdir('w');
    const rec = recorder();
    const id = await sandbox.watchFiles(['w'], rec.listener);
    const file = `${sandbox.workDir}/w/a.txt`;
    await writeFile(file, 'one');
    await vi.waitFor(() => expect(rec.has('create', file)).toBe(true), WAIT);
    expect(rec.events.every((e) => e.via === via)).toBe(true);
    await writeFile(file, 'two, longer');
    await vi.waitFor(() => expect(rec.has('modify', file)).toBe(true), WAIT);
    await sandbox.fs.rm('w/a.txt');
    await vi.waitFor(() => expect(rec.has('delete', file)).toBe(true), WAIT);
    await sandbox.unwatchFiles(id);
    await sandbox.unwatchFiles(id);
    const count = rec.events.length;
    await writeFile(`${sandbox.workDir}/w/after.txt`, 'x');
    // A second, live watch proves the change was observable; the first listener stays silent.
    const probe = recorder();
    await sandbox.watchFiles(['w'], probe.listener);
    await writeFile(`${sandbox.workDir}/w/after.txt`, 'changed again');
    await vi.waitFor(() => expect(probe.events.length).toBeGreaterThan(0), WAIT);
    expect(rec.events.length).toBe(count);
  });

  it('fs.write over an existing file is one modify, and the backend\'s own temp file never reaches the listener', async () => {
    const sandbox = await openSandbox({ watch });
    await sandbox.fs.write('w/existing.txt', 'v1');
    const rec = recorder();
    await sandbox.watchFiles(['w'], rec.listener);
    const file = `${sandbox.workDir}/w/existing.txt`;
    await sandbox.fs.write('w/existing.txt', 'version two, longer');
    await vi.waitFor(() => expect(rec.has('modify', file)).toBe(true), WAIT);
    // A later change that is seen proves everything the first write caused has been delivered.
    const marker = `${sandbox.workDir}/w/marker.txt`;
    await sandbox.fs.write('w/marker.txt', 'm');
    await vi.waitFor(() => expect(rec.has('create', marker)).toBe(true), WAIT);
    expect(rec.events.filter((e) => e.path === file).map((e) => e.type)).toEqual(['modify']);
    expect(rec.events.map((e) => e.path).filter((p) => p !== file && p !== marker)).toEqual([]);
  });

  it('watches recursively by default, including directories created later', async () => {
    const sandbox = await openSandbox({ watch });
    const rec = recorder();
    await sandbox.watchFiles(['.'], rec.listener);
    await mkdir(join(sandbox.workDir, 'new/deeper'), { recursive: true });
    await vi.waitFor(() => expect(rec.has('create', `${sandbox.workDir}/new`)).toBe(true), WAIT);
    await writeFile(join(sandbox.workDir, 'new/deeper/f.txt'), 'x');
    await vi.waitFor(() => expect(rec.has('create', `${sandbox.workDir}/new/deeper/f.txt`)).toBe(true), WAIT);
  });

  it('reports a file written at once into a just-created nested directory as create, however the write races the new watch', async () => {
    const sandbox = await openSandbox({ watch });
    const rec = recorder();
    await sandbox.watchFiles(['.'], rec.listener);
    const files: string[] = [];
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const deeper = join(sandbox.workDir, `r${round}-${i}/a/b`);
          await mkdir(deeper, { recursive: true });
          const file = join(deeper, 'f.txt');
          await writeFile(file, 'x');
          files.push(file);
        }),
      );
    }
    // A miss shows what the file got instead (e.g. only `modify`: the watch on its directory came
    // between the file's creation and its write).
    const missed = (): string[] => files.filter((f) => !rec.has('create', f)).map((f) => `${f}: ${rec.events.filter((e) => e.path === f).map((e) => e.type).join(',') || 'nothing'}`);
    await vi.waitFor(() => expect(missed()).toEqual([]), WAIT);
  });

  it('dispose closes every watch first', async () => {
    const sandbox = await openSandbox({ watch });
    const rec = recorder();
    await sandbox.watchFiles(['.'], rec.listener);
    await sandbox.dispose();
    const count = rec.events.length;
    const probe = await openSandbox({ workDir: sandbox.workDir, watch });
    const seen = recorder();
    await probe.watchFiles(['.'], seen.listener);
    await writeFile(join(sandbox.workDir, 'late.txt'), 'x');
    await vi.waitFor(() => expect(seen.events.length).toBeGreaterThan(0), WAIT);
    expect(rec.events.length).toBe(count);
  });
});

describe('LocalSandbox.watchFiles', () => {
  it('validates paths and confines them', async () => {
    const sandbox = await openSandbox({ watch: { mode: 'polling' } });
    const outside = await tempDir();
    await symlink(outside, join(sandbox.workDir, 'out'));
    const isInvalid = (e: unknown): boolean => InvalidArgumentError.isInstance(e);
    await expect(sandbox.watchFiles([], () => undefined)).rejects.toSatisfy(isInvalid);
    await expect(sandbox.watchFiles(['.'], 'x' as unknown as () => void)).rejects.toSatisfy(isInvalid);
    await expect(sandbox.watchFiles(['..'], () => undefined)).rejects.toSatisfy((e) => PathOutsideSandboxError.isInstance(e));
    await expect(sandbox.watchFiles(['out'], () => undefined)).rejects.toSatisfy((e) => PathOutsideSandboxError.isInstance(e));
  });

  it("mode 'off' returns an inert id and registers nothing", async () => {
    const sandbox = await openSandbox({ watch: { mode: 'off' } });
    const rec = recorder();
    const id = await sandbox.watchFiles(['.'], rec.listener);
    expect(typeof id).toBe('string');
    const probe = await openSandbox({ workDir: sandbox.workDir, watch: { mode: 'polling', pollIntervalMs: 100 } });
    const seen = recorder();
    await probe.watchFiles(['.'], seen.listener);
    await writeFile(join(sandbox.workDir, 'f.txt'), 'x');
    await vi.waitFor(() => expect(seen.events.length).toBeGreaterThan(0), WAIT);
    expect(rec.events).toEqual([]);
    await sandbox.unwatchFiles(id);
  });

  it.runIf(NATIVE_WATCH_AVAILABLE)('native falls back to polling, once, when inotifywait cannot be found', async () => {
    const sandbox = await openSandbox({ watch: { mode: 'native', pollIntervalMs: 100 }, env: { PATH: '/nonexistent' } });
    const rec = recorder();
    const reasons: string[] = [];
    await sandbox.watchFiles(['.'], rec.listener, { onFallback: (reason) => reasons.push(reason) });
    const file = `${sandbox.workDir}/f.txt`;
    await writeFile(file, 'x');
    await vi.waitFor(() => expect(rec.has('create', file)).toBe(true), WAIT);
    expect(rec.events.every((e) => e.via === 'polling')).toBe(true);
    expect(reasons).toHaveLength(1);
  });
});
