/**
 * `pnpm bench fs-streams`: `fs.writeStream` + `fs.readStream` of a 200 MB file on one emulator
 * sandbox (direct routing). Prints the median
 * over the rounds of the peak RSS growth of this process during the round trip and the throughput.
 * The target (docs/contract.md, rule 23) is a growth of at most 64 MiB. Never fails on a
 * threshold. The emulator runs as a child process, so what is measured is the caller's memory.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { Sandbox } from '@kode/core';
import { OpenSandbox } from '@kode/opensandbox';

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
async function roundTrip(sandbox: Sandbox, path: string): Promise<{ growthMiB: number; ms: number }> {
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

async function measure(name: string, sandbox: Sandbox, path: string): Promise<string[]> {
  const cold = await roundTrip(sandbox, path); // the first round of the process, reported apart
  const growth: number[] = [];
  const ms: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const r = await roundTrip(sandbox, path);
    growth.push(r.growthMiB);
    ms.push(r.ms);
  }
  const mbps = (2 * SIZE) / MIB / (median(ms) / 1000);
  return [name, `${median(growth).toFixed(1)} MiB`, `${Math.max(...growth).toFixed(1)} MiB`, `${cold.growthMiB.toFixed(1)} MiB`, `${mbps.toFixed(1)} MiB/s`];
}

const rows: string[][] = [];
const child = spawn(process.execPath, ['--conditions=@kode/source', '--import', 'tsx', 'packages/opensandbox-emulator/src/cli.ts', '--port', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [url] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
const open = new OpenSandbox({ kind: 'opensandbox', endpoint: url, apiKey: '', watch: { mode: 'polling', pollIntervalMs: 1000 } });
try {
  await open.init();
  rows.push(await measure('opensandbox (emulator)', open, '/tmp/kode-bench-stream.bin'));
} finally {
  await open.dispose().catch(() => undefined);
  child.kill('SIGTERM');
}

console.log(`\n200 MB writeStream + readStream round trip, ${ROUNDS} rounds after a warm-up (target: RSS growth ≤ 64 MiB)\n`);
console.log('| backend | RSS growth (median) | RSS growth (max) | first round (cold process) | throughput (median, both ways) |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
