import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WatchEvent } from '@kode/core';
import { WatchRegistry, type NativeWatchFactory, type WatchPort, type WatchStreamRequest } from '../src/index';
import { createHostWatchPort, hostSnapshot, hostStream, type HostWatchPort } from './host-watch-port';
import { collector, tempDir } from './helpers';

let dir: string;
let cleanup: () => Promise<void>;
let port: HostWatchPort;
let registry: WatchRegistry;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  port = createHostWatchPort();
  registry = new WatchRegistry({ backend: 'test', port, config: { mode: 'native', pollIntervalMs: 100 } });
});

afterEach(async () => {
  await registry.closeAll();
  await cleanup();
});

/** Names that break naive quoting or line-based parsing. */
const NASTY_NAMES = [
  'with space.txt',
  "single'quote.txt",
  'double"quote.txt',
  '$(touch PWNED_SUBST)',
  '`touch PWNED_TICK`',
  'new\nline.txt',
  'ends-with-newline\n',
  '\nstarts-with-newline',
  '-leading-dash',
  '--',
  'ünïcödé ✓ 文件.txt',
  'back\\slash',
  'semi;colon&amp|pipe',
  'tab\there',
  'double//slash-is-impossible-but-this-is-fine',
].filter((name) => !name.includes('/'));

describe('native (real inotifywait)', () => {
  it('resolves once live and reports create, modify and delete via native without a made-up mtime', async () => {
    const c = collector();
    const id = await registry.watch({ paths: [dir], listener: c.listener });
    expect(registry.strategyOf(id)).toBe('native');
    const file = `${dir}/a.txt`;
    await writeFile(file, 'one');
    const created = await c.waitFor((e) => e.path === file && e.type === 'create');
    expect(created).toEqual({ type: 'create', path: file, via: 'native' });
    await writeFile(file, 'two');
    await c.waitFor((e) => e.path === file && e.type === 'modify');
    await rm(file);
    await c.waitFor((e) => e.path === file && e.type === 'delete');
    expect(c.events.every((e) => e.via === 'native' && e.mtimeMs === undefined)).toBe(true);
    expect(port.streamCalls).toHaveLength(1);
  });

  it('survives names with spaces, quotes, $(...), backticks, newlines, unicode and leading dashes', async () => {
    const parent = `${dir}/we'ird $(touch PWNED_DIR) \`x\` dir\nnext -x`;
    await mkdir(parent);
    const c = collector();
    await registry.watch({ paths: [parent], listener: c.listener });
    for (const name of NASTY_NAMES) await writeFile(`${parent}/${name}`, 'x');
    for (const name of NASTY_NAMES) {
      await c.waitFor((e) => e.path === `${parent}/${name}` && e.type === 'create');
    }
    expect(c.events.every((e) => e.path.startsWith(`${parent}/`))).toBe(true);
    const created = new Set(c.events.map((e) => e.path));
    expect([...created].sort()).toEqual(NASTY_NAMES.map((n) => `${parent}/${n}`).sort());
    for (const name of ['PWNED_SUBST', 'PWNED_TICK', 'PWNED_DIR', 'x']) {
      expect(existsSync(`${process.cwd()}/${name}`)).toBe(false);
      expect(existsSync(`${dir}/${name}`)).toBe(false);
    }
    expect((await readdir(parent)).sort()).toEqual([...NASTY_NAMES].sort());
  });

  it('works the same when the sandbox shell is POSIX sh (dash), not bash', async () => {
    const sh = new WatchRegistry({ backend: 'test', port: createHostWatchPort({ shell: '/bin/sh' }), config: { mode: 'native' } });
    const c = collector();
    const reasons: string[] = [];
    const id = await sh.watch({ paths: [dir], listener: c.listener, options: { onFallback: (r) => reasons.push(r) } });
    expect(sh.strategyOf(id)).toBe('native');
    const name = `${dir}/dash $(x) 'q'\nline`;
    await writeFile(name, 'x');
    await c.waitFor((e) => e.path === name && e.type === 'create' && e.via === 'native');
    await sh.closeAll();
    expect(reasons).toEqual([]);
  });

  it('watches nasty-named files directly, existing or not yet created', async () => {
    const c = collector();
    const existing = `${dir}/-dash $(x)\nline.txt`;
    const missing = `${dir}/later 'q'\n\`y\`.txt`;
    await writeFile(existing, 'x');
    await writeFile(`${dir}/sibling`, 'x');
    await registry.watch({ paths: [existing, missing], listener: c.listener });
    await writeFile(`${dir}/sibling`, 'changed');
    await writeFile(existing, 'changed');
    await writeFile(missing, 'new');
    await c.waitFor((e) => e.path === existing && e.type === 'modify');
    await c.waitFor((e) => e.path === missing && e.type === 'create');
    expect(new Set(c.events.map((e) => e.path))).toEqual(new Set([existing, missing]));
  });

  it('covers directories created after the watch started, including entries made before inotify saw them', async () => {
    const c = collector();
    await registry.watch({ paths: [dir], listener: c.listener });
    // mkdir -p and the writes race inotifywait adding watches for the new directories.
    const script = `cd ${JSON.stringify(dir)} && mkdir -p sub/inner/deeper && echo 1 > sub/inner/f.txt && echo 2 > sub/inner/deeper/g.txt`;
    expect(spawnSync('bash', ['-c', script]).status).toBe(0);
    await c.waitFor((e) => e.path === `${dir}/sub` && e.type === 'create');
    await c.waitFor((e) => e.path === `${dir}/sub/inner/f.txt` && e.type === 'create');
    await c.waitFor((e) => e.path === `${dir}/sub/inner/deeper/g.txt` && e.type === 'create');
    await writeFile(`${dir}/sub/inner/deeper/g.txt`, 'later');
    await c.waitFor((e) => e.path === `${dir}/sub/inner/deeper/g.txt` && e.type === 'modify');
    expect(c.events.every((e) => e.via === 'native')).toBe(true);
  });

  it('reports the contents of a directory moved into the watched tree', async () => {
    const outside = `${dir}/outside`;
    const watched = `${dir}/watched`;
    await mkdir(`${outside}/pkg/lib`, { recursive: true });
    await writeFile(`${outside}/pkg/lib/index.js`, 'x');
    await mkdir(watched);
    const c = collector();
    await registry.watch({ paths: [watched], listener: c.listener });
    await rename(`${outside}/pkg`, `${watched}/pkg`);
    await c.waitFor((e) => e.path === `${watched}/pkg` && e.type === 'create');
    await c.waitFor((e) => e.path === `${watched}/pkg/lib/index.js` && e.type === 'create');
    expect(c.events.every((e) => e.path.startsWith(`${watched}/`))).toBe(true);
  });

  it('reports only direct children when not recursive', async () => {
    await mkdir(`${dir}/sub`);
    const c = collector();
    await registry.watch({ paths: [dir], listener: c.listener, options: { recursive: false } });
    await writeFile(`${dir}/sub/deep.txt`, 'x');
    await writeFile(`${dir}/top.txt`, 'x');
    await c.waitFor((e) => e.path === `${dir}/top.txt`);
    expect(c.events.some((e) => e.path === `${dir}/sub/deep.txt`)).toBe(false);
  });

  it('watches a path whose parents do not exist yet, re-arming as they appear', async () => {
    const c = collector();
    const target = `${dir}/a/b/c.txt`;
    await registry.watch({ paths: [target], listener: c.listener });
    await mkdir(`${dir}/a`);
    // Each re-arm waits for "Watches established." and then resyncs, so creating the next level
    // at any moment is safe: nothing is lost, it is found by the resync at worst.
    await mkdir(`${dir}/a/b`);
    await writeFile(target, 'x');
    await c.waitFor((e) => e.path === target && e.type === 'create');
    expect(c.events.every((e) => e.path === target)).toBe(true);
    await writeFile(target, 'more');
    await c.waitFor((e) => e.path === target && e.type === 'modify');
  });

  it('reports a file atomically replaced by a rename (temp file moved over it) as modify, a new one as create', async () => {
    const file = `${dir}/kept.txt`;
    await writeFile(file, 'v1');
    const c = collector();
    await registry.watch({ paths: [dir], listener: c.listener });
    await writeFile(`${dir}/.kept.tmp`, 'v2');
    await rename(`${dir}/.kept.tmp`, file);
    await c.waitFor((e) => e.path === file);
    await writeFile(`${dir}/.fresh.tmp`, 'new');
    await rename(`${dir}/.fresh.tmp`, `${dir}/fresh.txt`);
    await c.waitFor((e) => e.path === `${dir}/fresh.txt`);
    expect(c.events.filter((e) => e.path === file).map((e) => e.type)).toEqual(['modify']);
    expect(c.events.filter((e) => e.path === `${dir}/fresh.txt`).map((e) => e.type)).toEqual(['create']);
  });

  it('maps a rename to delete + create and follows a watched directory that is deleted and re-created', async () => {
    const watched = `${dir}/w`;
    await mkdir(watched);
    await writeFile(`${watched}/old.txt`, 'x');
    const c = collector();
    await registry.watch({ paths: [watched], listener: c.listener });
    await rename(`${watched}/old.txt`, `${watched}/new.txt`);
    await c.waitFor((e) => e.path === `${watched}/old.txt` && e.type === 'delete');
    await c.waitFor((e) => e.path === `${watched}/new.txt` && e.type === 'create');
    await rm(watched, { recursive: true });
    await c.waitFor((e) => e.path === watched && e.type === 'delete');
    await mkdir(watched);
    await writeFile(`${watched}/again.txt`, 'x');
    await c.waitFor((e) => e.path === `${watched}/again.txt` && e.type === 'create');
    expect(registry.size).toBe(1);
  });

  it('keeps every path of a 200-file burst and coalesces repeated writes', async () => {
    const c = collector();
    await registry.watch({ paths: [dir], listener: c.listener });
    const script = `cd ${JSON.stringify(dir)} && for i in $(seq 1 200); do echo $i > f$i.txt; done && for i in $(seq 1 50); do echo $i >> hot.txt; done`;
    expect(spawnSync('bash', ['-c', script]).status).toBe(0);
    await vi.waitFor(
      () => {
        const paths = new Set(c.events.map((e) => e.path));
        for (let i = 1; i <= 200; i++) if (!paths.has(`${dir}/f${i}.txt`)) throw new Error(`missing f${i}.txt`);
        if (!paths.has(`${dir}/hot.txt`)) throw new Error('missing hot.txt');
      },
      { timeout: 10_000, interval: 20 },
    );
    const hot = c.events.filter((e) => e.path === `${dir}/hot.txt`);
    // 50 appends are 100 inotify records; within the burst window they collapse to a handful.
    expect(hot.length).toBeLessThan(50);
    expect(hot[0]?.type).toBe('create');
  });

  it('delivers nothing after unwatch resolves, even during a burst', async () => {
    const gone = collector();
    const kept = collector();
    const id = await registry.watch({ paths: [dir], listener: gone.listener });
    await registry.watch({ paths: [dir], listener: kept.listener });
    const burst = spawnSync('bash', ['-c', `cd ${JSON.stringify(dir)} && for i in $(seq 1 100); do echo $i > b$i.txt; done`]);
    expect(burst.status).toBe(0);
    await registry.unwatch(id);
    const seenAtUnwatch = gone.events.length;
    await writeFile(`${dir}/after.txt`, 'x');
    await kept.waitFor((e) => e.path === `${dir}/after.txt`);
    await kept.waitFor((e) => e.path === `${dir}/b100.txt`);
    expect(gone.events.length).toBe(seenAtUnwatch);
    expect(gone.events.some((e) => e.path === `${dir}/after.txt`)).toBe(false);
    await registry.unwatch(id);
  });

  it('unwatch resolves only after the inotifywait stream has ended', async () => {
    let streamsRunning = 0;
    const slowStop: WatchPort = {
      snapshot: hostSnapshot,
      // A port whose stream takes a while to settle after the abort, as a remote interrupt does.
      stream: async (request) => {
        streamsRunning++;
        try {
          const result = await hostStream(request);
          await new Promise((resolve) => setTimeout(resolve, 200));
          return result;
        } finally {
          streamsRunning--;
        }
      },
    };
    const slow = new WatchRegistry({ backend: 'test', port: slowStop, config: { mode: 'native' } });
    try {
      const id = await slow.watch({ paths: [dir], listener: () => undefined });
      expect(streamsRunning).toBe(1);
      await slow.unwatch(id);
      expect(streamsRunning).toBe(0);
    } finally {
      await slow.closeAll();
    }
  });
});

describe('fallback to polling', () => {
  it('falls back once when inotifywait is missing (exit 127) and still reports changes', async () => {
    const hidden = createHostWatchPort({ path: '/nonexistent-bin' });
    const r = new WatchRegistry({ backend: 'test', port: hidden, config: { mode: 'native', pollIntervalMs: 100 } });
    const reasons: string[] = [];
    const c = collector();
    const id = await r.watch({ paths: [dir], listener: c.listener, options: { onFallback: (reason) => reasons.push(reason) } });
    expect(r.strategyOf(id)).toBe('polling');
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/not available.*127/);
    await writeFile(`${dir}/x.txt`, 'x');
    const event = await c.waitFor((e) => e.path === `${dir}/x.txt`);
    expect(event.via).toBe('polling');
    expect(event.mtimeMs).toBeTypeOf('number');
    await r.closeAll();
    expect(reasons).toHaveLength(1);
  });

  it('falls back when the port has no stream', async () => {
    const r = new WatchRegistry({ backend: 'test', port: createHostWatchPort({ noStream: true }), config: { mode: 'native' } });
    const reasons: string[] = [];
    const id = await r.watch({ paths: [dir], listener: () => undefined, options: { onFallback: (reason) => reasons.push(reason) } });
    expect(r.strategyOf(id)).toBe('polling');
    expect(reasons).toEqual([expect.stringContaining('no streaming exec')]);
    await r.closeAll();
  });

  it('switches under the same id when the stream ends, announcing it once and losing no change', async () => {
    const kills: AbortController[] = [];
    const killable: WatchPort = {
      snapshot: (request) => hostSnapshot(request),
      stream: (request: WatchStreamRequest) => {
        const inner = new AbortController();
        kills.push(inner);
        request.signal.addEventListener('abort', () => inner.abort(), { once: true });
        return hostStream({ ...request, signal: inner.signal });
      },
    };
    const r = new WatchRegistry({ backend: 'test', port: killable, config: { mode: 'native', pollIntervalMs: 100 } });
    const reasons: string[] = [];
    const c = collector();
    await writeFile(`${dir}/existing.txt`, 'x');
    const id = await r.watch({ paths: [dir], listener: c.listener, options: { onFallback: (reason) => reasons.push(reason) } });
    await writeFile(`${dir}/before.txt`, 'x');
    await c.waitFor((e) => e.path === `${dir}/before.txt` && e.via === 'native');
    // The stream dies; changes made right away (while the registry has not yet noticed) must
    // still be reported, by the diff against what native knew.
    kills[0]!.abort();
    await writeFile(`${dir}/during.txt`, 'x');
    await writeFile(`${dir}/existing.txt`, 'changed!');
    await rm(`${dir}/before.txt`);
    await vi.waitFor(() => expect(reasons).toHaveLength(1), { timeout: 5000, interval: 10 });
    expect(r.strategyOf(id)).toBe('polling');
    await c.waitFor((e) => e.path === `${dir}/during.txt` && e.type === 'create');
    await c.waitFor((e) => e.path === `${dir}/existing.txt` && e.type === 'modify');
    await c.waitFor((e) => e.path === `${dir}/before.txt` && e.type === 'delete');
    await writeFile(`${dir}/later.txt`, 'x');
    await c.waitFor((e) => e.path === `${dir}/later.txt` && e.via === 'polling');
    expect(reasons).toHaveLength(1);
    await r.unwatch(id);
    expect(r.size).toBe(0);
    await r.closeAll();
  });
});

describe('native start failures', () => {
  it('falls back when inotifywait never reports ready within the timeout', async () => {
    const silent: WatchPort = {
      snapshot: (request) => hostSnapshot(request),
      // A stream that starts but never prints anything until stopped (a hung transport).
      stream: (request) =>
        new Promise((resolve) => request.signal.addEventListener('abort', () => resolve({ code: null, stderr: '' }), { once: true })),
    };
    const r = new WatchRegistry({ backend: 'test', port: silent, config: { mode: 'native', pollIntervalMs: 100 }, nativeReadyTimeoutMs: 200 });
    const reasons: string[] = [];
    const id = await r.watch({ paths: [dir], listener: () => undefined, options: { onFallback: (reason) => reasons.push(reason) } });
    expect(reasons).toEqual([expect.stringContaining('did not report its watches established within 200 ms')]);
    expect(r.strategyOf(id)).toBe('polling');
    await r.closeAll();
  });

  it('falls back when the stream fails before ready', async () => {
    const broken: WatchPort = {
      snapshot: (request) => hostSnapshot(request),
      stream: () => Promise.reject(new Error('connection reset')),
    };
    const r = new WatchRegistry({ backend: 'test', port: broken, config: { mode: 'native', pollIntervalMs: 100 } });
    const reasons: string[] = [];
    await r.watch({ paths: [dir], listener: () => undefined, options: { onFallback: (reason) => reasons.push(reason) } });
    expect(reasons).toEqual(['The inotifywait stream failed: connection reset']);
    await r.closeAll();
  });

  it('plans again once when inotifywait exits 1 before ready (a directory vanished meanwhile)', async () => {
    let calls = 0;
    const racy: WatchPort = {
      snapshot: (request) => hostSnapshot(request),
      stream: (request) => {
        calls++;
        const command = calls === 1 ? `echo "Couldn't watch ${dir}: No such file or directory" >&2; exit 1` : request.command;
        return hostStream({ ...request, command });
      },
    };
    const r = new WatchRegistry({ backend: 'test', port: racy, config: { mode: 'native', pollIntervalMs: 100 } });
    const reasons: string[] = [];
    const c = collector();
    const id = await r.watch({ paths: [dir], listener: c.listener, options: { onFallback: (reason) => reasons.push(reason) } });
    expect(r.strategyOf(id)).toBe('native');
    expect(calls).toBe(2);
    await writeFile(`${dir}/ok.txt`, 'x');
    await c.waitFor((e) => e.path === `${dir}/ok.txt` && e.via === 'native');
    expect(reasons).toEqual([]);
    await r.closeAll();
  });

  it('closeAll while a native watch is starting rejects it with DisposedError and stops inotifywait', async () => {
    const events: string[] = [];
    const held: WatchPort = {
      snapshot: (request) => hostSnapshot(request),
      // A slow transport: the real inotifywait runs, but its lines are held back, so the watch
      // cannot become ready before closeAll.
      stream: (request) => {
        events.push('stream');
        request.signal.addEventListener('abort', () => events.push('aborted'), { once: true });
        return hostStream({ ...request, onLine: () => undefined });
      },
    };
    const r = new WatchRegistry({ backend: 'test', port: held, config: { mode: 'native' } });
    const pending = r.watch({ paths: [dir], listener: () => undefined });
    await vi.waitFor(() => expect(events).toContain('stream'), { timeout: 5000, interval: 5 });
    await r.closeAll();
    await expect(pending).rejects.toMatchObject({ code: 'DISPOSED' });
    expect(events).toEqual(['stream', 'aborted']);
    expect(r.size).toBe(0);
  });
});

describe('custom native strategy', () => {
  it('filters over-reported paths, coalesces, and falls back once on fail()', async () => {
    let control: Parameters<NativeWatchFactory>[0] | undefined;
    let closed = 0;
    const factory: NativeWatchFactory = (request) => {
      control = request;
      return Promise.resolve({
        close: () => {
          closed++;
          return Promise.resolve();
        },
      });
    };
    const r = new WatchRegistry({ backend: 'test', port, native: factory, config: { mode: 'native', pollIntervalMs: 100 }, coalesceMs: 0 });
    const reasons: string[] = [];
    const c = collector();
    const target = `${dir}/watched.txt`;
    const id = await r.watch({ paths: [target], listener: c.listener, options: { onFallback: (reason) => reasons.push(reason) } });
    expect(control?.paths).toEqual([target]);
    expect(r.strategyOf(id)).toBe('native');
    control!.emit({ type: 'create', path: `${dir}/sibling.txt` });
    control!.emit({ type: 'create', path: target });
    control!.emit({ type: 'modify', path: target });
    await c.waitFor((e) => e.path === target);
    expect(c.events).toEqual<WatchEvent[]>([{ type: 'create', path: target, via: 'native' }]);
    control!.fail('watchDir stream closed');
    control!.fail('again');
    expect(reasons).toEqual(['watchDir stream closed']);
    expect(r.strategyOf(id)).toBe('polling');
    expect(closed).toBe(1);
    control!.emit({ type: 'modify', path: target });
    await writeFile(target, 'real');
    // `create` when the fallback snapshot predates the write, `modify` when it already saw the file
    // (native had reported it): either way the change now arrives by polling.
    await c.waitFor((e) => e.path === target && e.via === 'polling' && (e.type === 'create' || e.type === 'modify'));
    await r.closeAll();
  });

  it('a resync never overrides native changes that arrived while its snapshot was in flight', async () => {
    // The race behind a flaky kit case: an atomic write (temp file renamed into place) lands in a
    // new directory while its resync snapshot is being taken; the stale snapshot must not turn
    // into a `delete` of the file, nor hide its `create`.
    let control: Parameters<NativeWatchFactory>[0] | undefined;
    const factory: NativeWatchFactory = (request) => {
      control = request;
      return Promise.resolve({ close: () => Promise.resolve() });
    };
    const inner = `${dir}/later`;
    const tmp = `${inner}/.file.tmp`;
    const file = `${inner}/file.txt`;
    let releaseSnapshot: (() => void) | undefined;
    const racing: WatchPort = {
      async snapshot(request) {
        if (request.paths.length === 1 && request.paths[0] === inner) {
          await new Promise<void>((resolve) => (releaseSnapshot = resolve));
          return [
            { path: inner, type: 'directory', size: 0, mtimeMs: 1 },
            { path: tmp, type: 'file', size: 1, mtimeMs: 1 },
          ];
        }
        return hostSnapshot(request);
      },
    };
    const r = new WatchRegistry({ backend: 'test', port: racing, native: factory, config: { mode: 'native' }, coalesceMs: 0 });
    const c = collector();
    await r.watch({ paths: [dir], listener: c.listener });
    control!.emit({ type: 'create', path: inner });
    const resync = control!.resync({ paths: [inner] });
    await vi.waitFor(() => expect(releaseSnapshot).toBeDefined());
    control!.emit({ type: 'create', path: tmp });
    control!.emit({ type: 'delete', path: tmp });
    control!.emit({ type: 'create', path: file });
    releaseSnapshot!();
    await resync;
    await c.waitFor((e) => e.path === file);
    expect(c.events.filter((e) => e.path === file).map((e) => e.type)).toEqual(['create']);
    expect(c.events.filter((e) => e.path === tmp).map((e) => e.type).at(-1)).toBe('delete'); // create + delete may coalesce
    await r.closeAll();
  });

  it('reports a native modify of a path the watch does not know as create, of a known one as modify', async () => {
    // A file made in a new directory before inotifywait added the directory's watch, and written
    // once the watch was there, reaches the strategy only as MODIFY / CLOSE_WRITE.
    let control: Parameters<NativeWatchFactory>[0] | undefined;
    const factory: NativeWatchFactory = (request) => {
      control = request;
      return Promise.resolve({ close: () => Promise.resolve() });
    };
    const known = `${dir}/known.txt`;
    await writeFile(known, 'v1');
    const r = new WatchRegistry({ backend: 'test', port, native: factory, config: { mode: 'native' }, coalesceMs: 0 });
    const c = collector();
    await r.watch({ paths: [dir], listener: c.listener });
    const unseen = `${dir}/new/f.txt`;
    control!.emit({ type: 'modify', path: unseen });
    control!.emit({ type: 'modify', path: known });
    await c.waitFor((e) => e.path === known);
    control!.emit({ type: 'modify', path: unseen });
    control!.emit({ type: 'delete', path: known });
    await c.waitFor((e) => e.path === known && e.type === 'delete');
    control!.emit({ type: 'modify', path: known });
    await c.waitFor((e) => e.path === known && e.type === 'create');
    expect(c.events.map((e) => [e.type, e.path])).toEqual([
      ['create', unseen],
      ['modify', known],
      ['modify', unseen],
      ['delete', known],
      ['create', known],
    ]);
    await r.closeAll();
  });

  it('falls back when the factory rejects', async () => {
    const r = new WatchRegistry({
      backend: 'test',
      port,
      native: () => Promise.reject(new Error('watchDir is not supported here')),
      config: { mode: 'native', pollIntervalMs: 100 },
    });
    const reasons: string[] = [];
    const id = await r.watch({ paths: [dir], listener: () => undefined, options: { onFallback: (reason) => reasons.push(reason) } });
    expect(reasons).toEqual(['watchDir is not supported here']);
    expect(r.strategyOf(id)).toBe('polling');
    await r.closeAll();
  });
});
