/**
 * `pnpm bench fs-streams`: `fs.writeStream` + `fs.readStream` of a 200 MB file on one E2B sandbox
 * of the envd emulator. Prints the median over the rounds of the peak RSS growth of this process
 * during the round trip (and the first round of the process apart) and the throughput. Target
 * (docs/contract.md, rule 23): growth ≤ 64 MiB. Never fails on a threshold. The emulator (control
 * plane, proxy and envd agents) runs in child processes, so what is measured is the caller's memory.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { E2BSandbox } from '@kode/e2b';

const MIB = 1024 * 1024;
const SIZE = 200 * 1000 * 1000;
const CHUNK = 64 * 1024; // what fs.createReadStream yields
const ROUNDS = Number(process.env.BENCH_STREAM_ROUNDS ?? 3);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// eslint-disable-next-line @typescript-eslint/require-await -- an async source, as callers pass
async function* source(size: number): AsyncGenerator<Uint8Array> {
  for (let sent = 0; sent < size; sent += CHUNK) yield new Uint8Array(Math.min(CHUNK, size - sent)).fill(sent & 0xff);
}

/** One round trip; returns the peak RSS growth (MiB) over the RSS before it, and the time. */
async function roundTrip(sandbox: E2BSandbox, path: string): Promise<{ growthMiB: number; ms: number }> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let max = base;
  const sampler = setInterval(() => (max = Math.max(max, process.memoryUsage().rss)), 5);
  const started = performance.now();
  try {
    await sandbox.fs.writeStream(path, source(SIZE));
    const reader = (await sandbox.fs.readStream(path)).getReader();
    let read = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      read += value.byteLength;
    }
    if (read !== SIZE) throw new Error(`read ${read} bytes, wrote ${SIZE}`);
  } finally {
    clearInterval(sampler);
  }
  max = Math.max(max, process.memoryUsage().rss);
  await sandbox.fs.rm(path);
  return { growthMiB: (max - base) / MIB, ms: performance.now() - started };
}

const child = spawn(process.execPath, ['--conditions=@kode/source', '--import', 'tsx', 'packages/e2b/bench/emulator-process.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
const emulator = JSON.parse(line) as { apiUrl: string; sandboxUrl: string; apiKey: string };
const sandbox = new E2BSandbox({ kind: 'e2b', apiKey: emulator.apiKey, apiUrl: emulator.apiUrl, sandboxUrl: emulator.sandboxUrl, timeoutMs: 900_000 });
const row: string[] = [];
try {
  await sandbox.init();
  const path = '/tmp/kode-bench-stream.bin';
  const cold = await roundTrip(sandbox, path); // the first round of the process, reported apart
  const growth: number[] = [];
  const ms: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const r = await roundTrip(sandbox, path);
    growth.push(r.growthMiB);
    ms.push(r.ms);
  }
  const mbps = (2 * SIZE) / MIB / (median(ms) / 1000);
  row.push('e2b (envd emulator)', `${median(growth).toFixed(1)} MiB`, `${Math.max(...growth).toFixed(1)} MiB`, `${cold.growthMiB.toFixed(1)} MiB`, `${mbps.toFixed(1)} MiB/s`);
} finally {
  await sandbox.dispose().catch(() => undefined);
  child.kill('SIGTERM');
}

console.log(`\n200 MB writeStream + readStream round trip, ${ROUNDS} rounds after a warm-up (target: RSS growth ≤ 64 MiB)\n`);
console.log('| backend | RSS growth (median) | RSS growth (max) | first round (cold process) | throughput (median, both ways) |');
console.log('| --- | --- | --- | --- | --- |');
console.log(`| ${row.join(' | ')} |`);
