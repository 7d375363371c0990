/**
 * `pnpm bench fs-streams`: `fs.writeStream` + `fs.readStream` of a 200 MB file on each backend that
 * streams (local, OpenSandbox on its emulator, E2B on its emulator), in one run. For each it prints
 * the median over the rounds of the peak RSS growth of this process during the round trip, the
 * maximum, the first round of the process apart, and the throughput. Target (docs/contract.md,
 * rule 23): growth ≤ 64 MiB. Never fails on a threshold. The emulators run in child processes, so
 * what is measured is the caller's memory. `BENCH_STREAM_ROUNDS` (default 3) sets the rounds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { Sandbox } from '@kode/core';
import { E2BSandbox } from '@kode/e2b';
import { LocalSandbox } from '@kode/local';
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

/** Initialises `sandbox`, measures a first round and `ROUNDS` more, disposes it; one table row. */
async function measure(name: string, sandbox: Sandbox, path: (sandbox: Sandbox) => string): Promise<string[]> {
  try {
    await sandbox.init();
    const cold = await roundTrip(sandbox, path(sandbox)); // the first round of the process, reported apart
    const growth: number[] = [];
    const ms: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const r = await roundTrip(sandbox, path(sandbox));
      growth.push(r.growthMiB);
      ms.push(r.ms);
    }
    const mbps = (2 * SIZE) / MIB / (median(ms) / 1000);
    return [name, `${median(growth).toFixed(1)} MiB`, `${Math.max(...growth).toFixed(1)} MiB`, `${cold.growthMiB.toFixed(1)} MiB`, `${mbps.toFixed(1)} MiB/s`];
  } finally {
    await sandbox.dispose().catch(() => undefined);
  }
}

/** Starts a TypeScript entry point in a child process and returns it with its first stdout line. */
async function child(entry: string, args: string[] = []): Promise<{ process: ChildProcess; line: string }> {
  const proc = spawn(process.execPath, ['--conditions=@kode/source', '--import', 'tsx', entry, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: proc.stdout }), 'line')) as [string];
  return { process: proc, line };
}

const rows: string[][] = [];

const workDir = await mkdtemp(join(tmpdir(), 'kode-bench-streams-'));
try {
  rows.push(await measure('local', new LocalSandbox({ kind: 'local', workDir }), (s) => `${s.workDir}/kode-bench-stream.bin`));
} finally {
  await rm(workDir, { recursive: true, force: true });
}

const opensandbox = await child('packages/opensandbox-emulator/src/cli.ts', ['--port', '0']);
try {
  const sandbox = new OpenSandbox({ kind: 'opensandbox', endpoint: opensandbox.line, apiKey: '', watch: { mode: 'polling', pollIntervalMs: 1000 } });
  rows.push(await measure('opensandbox (emulator)', sandbox, () => '/tmp/kode-bench-stream.bin'));
} finally {
  opensandbox.process.kill('SIGTERM');
}

const e2b = await child('packages/e2e/bench/e2b-emulator-process.ts');
try {
  const emulator = JSON.parse(e2b.line) as { apiUrl: string; sandboxUrl: string; apiKey: string };
  const sandbox = new E2BSandbox({ kind: 'e2b', apiKey: emulator.apiKey, apiUrl: emulator.apiUrl, sandboxUrl: emulator.sandboxUrl, timeoutMs: 900_000 });
  rows.push(await measure('e2b (envd emulator)', sandbox, () => '/tmp/kode-bench-stream.bin'));
} finally {
  e2b.process.kill('SIGTERM');
}

console.log(`\n200 MB writeStream + readStream round trip, ${ROUNDS} rounds after a first round (target: RSS growth ≤ 64 MiB)\n`);
console.log('| backend | RSS growth (median) | RSS growth (max) | first round (cold process) | throughput (median, both ways) |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
