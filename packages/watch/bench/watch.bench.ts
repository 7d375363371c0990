// `pnpm bench watch`: event latency (native vs polling), port calls per polling tick with 1, 100
// and 1000 watched files, and CPU time per tick at 1000 files. Prints medians and ratios measured
// in this run; never fails on a threshold. Runs over the host file system and real inotifywait.
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WatchEvent } from '@kode/core';
import { WatchRegistry, type WatchPort, type WatchStatEntry } from '../src/index';
import { createHostWatchPort, hostSnapshot } from '../test/host-watch-port';

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
const ms = (n: number): string => `${n.toFixed(1)} ms`;

async function waitUntil(check: () => boolean, timeoutMs = 10_000, stepMs = 2): Promise<void> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

async function latency(mode: 'native' | 'polling', dir: string, samples: number, coalesceMs = 50): Promise<number[]> {
  const registry = new WatchRegistry({ backend: 'bench', port: createHostWatchPort(), config: { mode, pollIntervalMs: 100 }, coalesceMs });
  const seen = new Map<string, number>();
  await registry.watch({
    paths: [dir],
    listener: (event: WatchEvent) => {
      if (!seen.has(event.path)) seen.set(event.path, performance.now());
    },
  });
  const results: number[] = [];
  for (let i = 0; i < samples; i++) {
    const path = `${dir}/${mode}-${i}.txt`;
    // Spread the writes over the polling phase so polling latency is not always the same.
    await new Promise((resolve) => setTimeout(resolve, 37));
    const start = performance.now();
    await writeFile(path, String(i));
    await waitUntil(() => seen.has(path));
    results.push(seen.get(path)! - start);
  }
  await registry.closeAll();
  return results;
}

/** A port that counts calls and answers from memory, so only the strategy's own work is measured. */
function memoryPort(entries: WatchStatEntry[]): WatchPort & { calls: number } {
  const port = {
    calls: 0,
    snapshot: () => {
      port.calls++;
      // A fresh mtime for one file per tick, so every tick has a change to diff and deliver.
      const i = port.calls % entries.length;
      entries[i] = { ...entries[i]!, mtimeMs: entries[i]!.mtimeMs + 1 };
      return Promise.resolve(entries.map((e) => ({ ...e })));
    },
  };
  return port;
}

/**
 * Registers one watch per path, then lets the loop run `ticks` ticks. Every snapshot call is
 * attributed to the tick it belongs to (the number of ticks completed when it was made), so
 * "calls per tick" is exact; CPU is the process's user+system time over those ticks, divided.
 */
async function callsPerTick(files: string[], port: WatchPort & { calls: number }, ticks: number) {
  const live: { registry?: WatchRegistry } = {};
  const perTick = new Map<number, number>();
  const counted: WatchPort = {
    snapshot: (request) => {
      const tick = live.registry?.pollTicks;
      if (tick !== undefined) perTick.set(tick, (perTick.get(tick) ?? 0) + 1);
      return port.snapshot(request);
    },
  };
  const r = new WatchRegistry({ backend: 'bench', port: counted, config: { mode: 'polling', pollIntervalMs: 100 } });
  for (const file of files) await r.watch({ paths: [file], listener: () => undefined });
  live.registry = r;
  const ticks0 = r.pollTicks;
  const cpu0 = process.cpuUsage();
  await waitUntil(() => r.pollTicks >= ticks0 + ticks, 60_000, 50);
  const cpu = process.cpuUsage(cpu0);
  const done = r.pollTicks - ticks0;
  await r.closeAll();
  const counts = [...perTick.entries()].filter(([tick]) => tick >= ticks0 && tick < ticks0 + done).map(([, n]) => n);
  return { callsPerTick: Math.max(...counts), ticks: counts.length, cpuMsPerTick: (cpu.user + cpu.system) / 1000 / done };
}

async function main(): Promise<void> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'kode-watch-bench-')));
  try {
    const samples = 40;
    await mkdir(`${root}/native`);
    await mkdir(`${root}/polling`);
    const native = await latency('native', `${root}/native`, samples);
    await mkdir(`${root}/native0`);
    const native0 = await latency('native', `${root}/native0`, samples, 0);
    const polling = await latency('polling', `${root}/polling`, samples);
    console.log(`event latency over ${samples} writes (host fs; polling at the minimum interval, 100 ms)`);
    console.log(`  native  (inotifywait, 50 ms coalescing window): p50 ${ms(quantile(native, 0.5))}  p99 ${ms(quantile(native, 0.99))}`);
    console.log(`  native  (coalescing window 0 ms):               p50 ${ms(quantile(native0, 0.5))}  p99 ${ms(quantile(native0, 0.99))}`);
    console.log(`  polling (pollIntervalMs 100):                   p50 ${ms(quantile(polling, 0.5))}  p99 ${ms(quantile(polling, 0.99))}`);
    console.log(`  polling/native p50 ratio: ${(quantile(polling, 0.5) / quantile(native, 0.5)).toFixed(2)}x ` +
      `(window 50 ms), ${(quantile(polling, 0.5) / quantile(native0, 0.5)).toFixed(1)}x (window 0 ms)`);

    console.log('\nport calls per polling tick (each file its own watch; the earlier implementation made one call per file)');
    for (const count of [1, 100, 1000]) {
      const dir = `${root}/files-${count}`;
      await mkdir(dir);
      const files = Array.from({ length: count }, (_, i) => `${dir}/f${i}.txt`);
      await Promise.all(files.map((f) => writeFile(f, 'x')));
      const counting = Object.assign(createHostWatchPort({ noStream: true }), { calls: 0 });
      const result = await callsPerTick(files, counting, 5);
      console.log(`  ${String(count).padStart(4)} files: max ${result.callsPerTick} call(s)/tick over ${result.ticks} ticks (earlier: ${count})  ` +
        `CPU ${ms(result.cpuMsPerTick)}/tick incl. host fs stats`);
    }

    const files = Array.from({ length: 1000 }, (_, i) => `/bench/dir/f${i}.txt`);
    const entries = files.map((path) => ({ path, type: 'file' as const, size: 1, mtimeMs: 1 }));
    const memory = await callsPerTick(files, memoryPort(entries), 20);
    console.log(`\nCPU per tick at 1000 watched files, strategy only (in-memory port): ${ms(memory.cpuMsPerTick)} ` +
      `(max ${memory.callsPerTick} call/tick)`);
    const oneDir = await callsPerTick(['/bench/dir'], memoryPort(entries), 20);
    console.log(`CPU per tick, 1 watch on a directory of 1000 files (in-memory port): ${ms(oneDir.cpuMsPerTick)}`);
    const direct = await hostSnapshot({ paths: [`${root}/files-1000`], recursive: true });
    console.log(`(sanity: host snapshot of the 1000-file directory returns ${direct.length} entries)`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
