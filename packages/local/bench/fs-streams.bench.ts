/**
 * `pnpm bench fs-streams`: `fs.writeStream` + `fs.readStream` of a 200 MB file on a LocalSandbox.
 * Prints the median over the rounds of the peak RSS growth of this process during the round trip
 * (and the first round of the process apart) and the throughput. Target (docs/contract.md, rule 23):
 * growth ≤ 64 MiB. Never fails on a threshold.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LocalSandbox } from '@kode/local';

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

async function roundTrip(sandbox: LocalSandbox, path: string): Promise<{ growthMiB: number; ms: number }> {
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

const workDir = await mkdtemp(join(tmpdir(), 'kode-bench-streams-'));
const sandbox = new LocalSandbox({ kind: 'local', workDir });
try {
  await sandbox.init();
  const path = `${sandbox.workDir}/kode-bench-stream.bin`;
  const cold = await roundTrip(sandbox, path);
  const growth: number[] = [];
  const ms: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const r = await roundTrip(sandbox, path);
    growth.push(r.growthMiB);
    ms.push(r.ms);
  }
  console.log(`\n200 MB writeStream + readStream round trip on local, ${ROUNDS} rounds after a first round (target: RSS growth ≤ 64 MiB)\n`);
  console.log('| backend | RSS growth (median) | RSS growth (max) | first round (cold process) | throughput (median, both ways) |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(
    `| local | ${median(growth).toFixed(1)} MiB | ${Math.max(...growth).toFixed(1)} MiB | ${cold.growthMiB.toFixed(1)} MiB | ${((2 * SIZE) / MIB / (median(ms) / 1000)).toFixed(1)} MiB/s |`,
  );
} finally {
  await sandbox.dispose();
  await rm(workDir, { recursive: true, force: true });
}
