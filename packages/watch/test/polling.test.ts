import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DisposedError, InvalidArgumentError } from '@kode/core';
import { WatchRegistry, type WatchPort } from '../src/index';
import { createHostWatchPort, hostSnapshot, type HostWatchPort } from './host-watch-port';
import { collector, tempDir } from './helpers';

let dir: string;
let cleanup: () => Promise<void>;
let port: HostWatchPort;
let registry: WatchRegistry;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  port = createHostWatchPort({ noStream: true });
  registry = new WatchRegistry({ backend: 'test', port, config: { mode: 'polling', pollIntervalMs: 100 } });
});

afterEach(async () => {
  await registry.closeAll();
  await cleanup();
});

describe('config', () => {
  it('defaults to polling every 1000 ms', () => {
    const r = new WatchRegistry({ backend: 'test', port });
    expect(r.mode).toBe('polling');
    expect(r.pollIntervalMs).toBe(1000);
  });

  it.each([99, 0, -5, Number.NaN, Number.POSITIVE_INFINITY, '500'])('rejects pollIntervalMs %s', (pollIntervalMs) => {
    expect(() => new WatchRegistry({ backend: 'test', port, config: { pollIntervalMs: pollIntervalMs as number } })).toThrow(
      InvalidArgumentError,
    );
  });

  it('accepts the minimum interval and rejects an unknown mode', () => {
    expect(new WatchRegistry({ backend: 'test', port, config: { pollIntervalMs: 100 } }).pollIntervalMs).toBe(100);
    expect(() => new WatchRegistry({ backend: 'test', port, config: { mode: 'inotify' as 'native' } })).toThrow(InvalidArgumentError);
  });

  it('rejects relative, empty and NUL paths and a missing listener', async () => {
    const { listener } = collector();
    await expect(registry.watch({ paths: ['rel/path'], listener })).rejects.toThrow(InvalidArgumentError);
    await expect(registry.watch({ paths: [], listener })).rejects.toThrow(InvalidArgumentError);
    await expect(registry.watch({ paths: [`${dir}/a\0b`], listener })).rejects.toThrow(InvalidArgumentError);
    await expect(registry.watch({ paths: [dir], listener: undefined as never })).rejects.toThrow(InvalidArgumentError);
    expect(port.snapshotCalls).toHaveLength(0);
  });
});

describe("mode 'off'", () => {
  it('registers nothing, calls nothing and returns an inert id', async () => {
    const off = new WatchRegistry({ backend: 'test', port, config: { mode: 'off' } });
    const { listener, events } = collector();
    const id = await off.watch({ paths: [dir], listener });
    expect(typeof id).toBe('string');
    expect(off.strategyOf(id)).toBe('off');
    expect(off.size).toBe(0);
    await off.unwatch(id);
    await off.unwatch(id);
    await off.closeAll();
    expect(port.snapshotCalls).toHaveLength(0);
    expect(events).toEqual([]);
  });
});

describe('polling', () => {
  it('reports create, modify and delete in a watched directory with the real mtime', async () => {
    const c = collector();
    const id = await registry.watch({ paths: [dir], listener: c.listener });
    expect(registry.strategyOf(id)).toBe('polling');
    const file = `${dir}/a.txt`;
    await writeFile(file, 'one');
    const created = await c.waitFor((e) => e.type === 'create' && e.path === file);
    expect(created.via).toBe('polling');
    expect(created.mtimeMs).toBe((await stat(file)).mtimeMs);

    await writeFile(file, 'two two');
    const modified = await c.waitFor((e) => e.type === 'modify' && e.path === file);
    expect(modified.mtimeMs).toBe((await stat(file)).mtimeMs);

    await rm(file);
    const deleted = await c.waitFor((e) => e.type === 'delete' && e.path === file);
    expect(deleted).toEqual({ type: 'delete', path: file, via: 'polling' });
  });

  it('reports a missing watched file when it appears later', async () => {
    const c = collector();
    const file = `${dir}/later/deep/new.txt`;
    await registry.watch({ paths: [file], listener: c.listener });
    await mkdir(`${dir}/later/deep`, { recursive: true });
    await writeFile(file, 'x');
    await c.waitFor((e) => e.type === 'create' && e.path === file);
    expect(c.events.every((e) => e.path === file)).toBe(true);
  });

  it('reports only the watched file, never its siblings', async () => {
    await writeFile(`${dir}/watched.txt`, 'a');
    await writeFile(`${dir}/sibling.txt`, 'a');
    const c = collector();
    await registry.watch({ paths: [`${dir}/watched.txt`], listener: c.listener });
    await writeFile(`${dir}/sibling.txt`, 'changed');
    await writeFile(`${dir}/new-sibling.txt`, 'new');
    await writeFile(`${dir}/watched.txt`, 'changed');
    await c.waitFor((e) => e.path === `${dir}/watched.txt` && e.type === 'modify');
    expect(c.events.map((e) => e.path)).toEqual([`${dir}/watched.txt`]);
  });

  it('covers new subdirectories when recursive and only direct children otherwise', async () => {
    const deep = collector();
    const flat = collector();
    await registry.watch({ paths: [dir], listener: deep.listener });
    await registry.watch({ paths: [dir], listener: flat.listener, options: { recursive: false } });
    await mkdir(`${dir}/sub/inner`, { recursive: true });
    await writeFile(`${dir}/sub/inner/f.txt`, 'x');
    await deep.waitFor((e) => e.path === `${dir}/sub/inner/f.txt` && e.type === 'create');
    await flat.waitFor((e) => e.path === `${dir}/sub` && e.type === 'create');
    await writeFile(`${dir}/top.txt`, 'x');
    await flat.waitFor((e) => e.path === `${dir}/top.txt`);
    expect(flat.events.map((e) => e.path).sort()).toEqual([`${dir}/sub`, `${dir}/top.txt`]);
  });

  it('makes exactly one snapshot call per tick for every watch of the registry', async () => {
    const files = Array.from({ length: 20 }, (_, i) => `${dir}/f${i}.txt`);
    await Promise.all(files.map((f) => writeFile(f, 'x')));
    for (const file of files) await registry.watch({ paths: [file], listener: () => undefined });
    await registry.watch({ paths: [dir], listener: () => undefined, options: { recursive: false } });
    const baselineCalls = port.snapshotCalls.length;
    expect(baselineCalls).toBe(21);
    const ticks0 = registry.pollTicks;
    await vi.waitFor(() => expect(registry.pollTicks).toBeGreaterThanOrEqual(ticks0 + 3), { timeout: 5000, interval: 10 });
    const tickCalls = port.snapshotCalls.slice(baselineCalls);
    const ticks = registry.pollTicks - ticks0;
    expect(tickCalls.length === ticks || tickCalls.length === ticks + 1).toBe(true);
    for (const call of tickCalls) {
      expect(new Set(call.paths)).toEqual(new Set([...files, dir]));
      expect(call.recursive).toBe(true);
    }
  });

  it('never overlaps ticks, even when a snapshot is slower than the interval', async () => {
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const slow: WatchPort = {
      async snapshot(request) {
        calls++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        // The port itself is slow (a slow backend), not the test waiting.
        await new Promise((resolve) => setTimeout(resolve, 250));
        running--;
        return hostSnapshot(request);
      },
    };
    const r = new WatchRegistry({ backend: 'test', port: slow, config: { pollIntervalMs: 100 } });
    await r.watch({ paths: [dir], listener: () => undefined });
    await r.watch({ paths: [`${dir}/x`], listener: () => undefined });
    maxRunning = running;
    calls = 0;
    const ticks0 = r.pollTicks;
    await vi.waitFor(() => expect(r.pollTicks).toBeGreaterThanOrEqual(ticks0 + 3), { timeout: 5000, interval: 10 });
    await r.closeAll();
    expect(maxRunning).toBe(1);
    expect(calls).toBeGreaterThanOrEqual(2);
  });

  it('reports transient snapshot errors, backs off and keeps the watch alive', async () => {
    const errors: Error[] = [];
    const c = collector();
    await registry.watch({ paths: [dir], listener: c.listener, options: { onError: (e) => errors.push(e) } });
    const start = port.snapshotCalls.length;
    const times: number[] = [];
    const original = port.snapshot.bind(port);
    port.snapshot = (request) => {
      times.push(performance.now());
      return original(request);
    };
    port.failNextSnapshots(3);
    await vi.waitFor(() => expect(errors.length).toBe(3), { timeout: 5000, interval: 10 });
    expect(errors[0]?.message).toBe('injected snapshot failure');
    await writeFile(`${dir}/after-errors.txt`, 'x');
    await c.waitFor((e) => e.path === `${dir}/after-errors.txt`);
    // Delays after failures 1, 2, 3: 2, 4, 8 intervals (never shorter).
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(190);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(390);
    expect(times[3]! - times[2]!).toBeGreaterThanOrEqual(790);
    expect(port.snapshotCalls.length).toBeGreaterThan(start);
  });

  it('reports a throwing listener to onError and keeps delivering', async () => {
    const errors: Error[] = [];
    const seen: string[] = [];
    await registry.watch({
      paths: [dir],
      listener: (event) => {
        seen.push(event.path);
        if (event.path.endsWith('boom.txt')) throw new Error('listener failed');
      },
      options: { onError: (e) => errors.push(e) },
    });
    await writeFile(`${dir}/boom.txt`, 'x');
    await vi.waitFor(() => expect(errors.map((e) => e.message)).toEqual(['listener failed']), { timeout: 5000, interval: 10 });
    await writeFile(`${dir}/fine.txt`, 'x');
    await vi.waitFor(() => expect(seen).toContain(`${dir}/fine.txt`), { timeout: 5000, interval: 10 });
  });

  it('delivers nothing after unwatch resolves; unwatch is idempotent', async () => {
    const gone = collector();
    const kept = collector();
    const id = await registry.watch({ paths: [dir], listener: gone.listener });
    await registry.watch({ paths: [dir], listener: kept.listener });
    await registry.unwatch(id);
    await registry.unwatch(id);
    await registry.unwatch('no-such-id');
    expect(registry.strategyOf(id)).toBeUndefined();
    await writeFile(`${dir}/after.txt`, 'x');
    await kept.waitFor((e) => e.path === `${dir}/after.txt`);
    expect(gone.events).toEqual([]);
    expect(registry.size).toBe(1);
  });

  it('rejects the watch when the baseline snapshot fails, leaving nothing registered', async () => {
    port.failNextSnapshots(1);
    await expect(registry.watch({ paths: [dir], listener: () => undefined })).rejects.toThrow('injected snapshot failure');
    expect(registry.size).toBe(0);
  });

  it('closeAll closes every watch, stops polling and refuses new watches', async () => {
    const c = collector();
    await registry.watch({ paths: [dir], listener: c.listener });
    await registry.watch({ paths: [`${dir}/x`], listener: c.listener });
    await registry.closeAll();
    await registry.closeAll();
    expect(registry.size).toBe(0);
    const calls = port.snapshotCalls.length;
    await expect(registry.watch({ paths: [dir], listener: c.listener })).rejects.toThrow(DisposedError);
    await writeFile(`${dir}/after-close.txt`, 'x');
    expect(port.snapshotCalls.length).toBe(calls);
    expect(c.events).toEqual([]);
  });

  it('closeAll during a baseline that honours the abort signal still rejects with DisposedError', async () => {
    const aborting: WatchPort = {
      snapshot: (request) =>
        new Promise((_, reject) => request.signal?.addEventListener('abort', () => reject(new Error('snapshot aborted')), { once: true })),
    };
    const r = new WatchRegistry({ backend: 'test', port: aborting });
    const pending = r.watch({ paths: [dir], listener: () => undefined });
    await r.closeAll();
    await expect(pending).rejects.toThrow(DisposedError);
  });

  it('closeAll while a watch is starting makes that watch reject with DisposedError', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const gated: WatchPort = {
      async snapshot(request) {
        await gate;
        return hostSnapshot(request);
      },
    };
    const r = new WatchRegistry({ backend: 'test', port: gated, config: { pollIntervalMs: 100 } });
    const pending = r.watch({ paths: [dir], listener: () => undefined });
    const closing = r.closeAll();
    release();
    await closing;
    await expect(pending).rejects.toThrow(DisposedError);
    expect(r.size).toBe(0);
  });
});
