/**
 * `pnpm bench opensandbox`: `@kode/opensandbox` against the raw `@alibaba-group/opensandbox` calls
 * it wraps, side by side in one run, on one emulator sandbox (direct routing). Prints medians and
 * ratios; never fails on a threshold. Figures go to docs/benchmarks/opensandbox.md.
 */
import { performance } from 'node:perf_hooks';
import { startEmulator } from '@kode/opensandbox-emulator';
import { OpenSandbox } from '@kode/opensandbox';

const MIB = 1024 * 1024;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** Interleaves `a` and `b` (after a warm-up), swapping which goes first every round, so drift and order effects on a shared machine hit both alike. */
async function pair(rounds: number, a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[number, number]> {
  await a();
  await b();
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      ta.push(await time(a));
      tb.push(await time(b));
    } else {
      tb.push(await time(b));
      ta.push(await time(a));
    }
  }
  return [median(ta), median(tb)];
}

const rows: string[][] = [];
function row(name: string, ours: number, raw: number, unit: 'ms' | 'MiB/s', note = ''): void {
  const ratio = unit === 'ms' ? ours / raw : ours / raw;
  rows.push([name, `${ours.toFixed(unit === 'ms' ? 2 : 1)} ${unit}`, `${raw.toFixed(unit === 'ms' ? 2 : 1)} ${unit}`, `${ratio.toFixed(2)}×`, note]);
}

const grace = Number(process.env.BENCH_STREAM_GRACE_MS ?? 0);
const emulator = await startEmulator({ streamGraceMs: grace });
const sandbox = new OpenSandbox({ kind: 'opensandbox', endpoint: emulator.url, apiKey: '', watch: { mode: 'polling', pollIntervalMs: 1000 } });
try {
  await sandbox.init();
  const raw = sandbox.getClient();
  const id = sandbox.getSandboxId();

  // exec round trip
  const [oursExec, rawExec] = await pair(
    60,
    () => sandbox.exec('echo hi'),
    () => raw.commands.run('echo hi', { workingDirectory: '/workspace', timeoutSeconds: 120 }),
  );
  row('exec `echo hi` round trip', oursExec, rawExec, 'ms', 'ratio = ours / raw (target ≤ 1.10)');

  // exec with about 1 MB of output (150 000 lines)
  const lines = 'seq 1 150000';
  const [oursMb, rawMb] = await pair(
    15,
    () => sandbox.exec(lines),
    () => raw.commands.run(lines, { workingDirectory: '/workspace', timeoutSeconds: 120 }),
  );
  row('exec with 1 MB of output (150 000 lines)', oursMb, rawMb, 'ms', 'ratio = ours / raw (target ≤ 1.03)');

  // one 50 MB output line with a 1 KiB cap: time and peak RSS growth of this process
  const longLine = `head -c 50000000 /dev/zero | tr '\\0' b`;
  const peak = async (fn: () => Promise<unknown>): Promise<{ ms: number; growthMiB: number }> => {
    global.gc?.();
    const base = process.memoryUsage().rss;
    let max = base;
    const sampler = setInterval(() => (max = Math.max(max, process.memoryUsage().rss)), 5);
    const ms = await time(fn);
    clearInterval(sampler);
    max = Math.max(max, process.memoryUsage().rss);
    return { ms, growthMiB: (max - base) / MIB };
  };
  const longRuns: Array<{ ms: number; growthMiB: number }> = [];
  for (let i = 0; i < 5; i++) longRuns.push(await peak(() => sandbox.exec(longLine, { maxOutputBytes: 1024 })));
  const rawLong = await peak(() => raw.commands.run(longLine, { workingDirectory: '/workspace', timeoutSeconds: 120 }));
  rows.push([
    'exec one 50 MB line, maxOutputBytes 1 KiB',
    `${median(longRuns.map((r) => r.ms)).toFixed(0)} ms, +${median(longRuns.map((r) => r.growthMiB)).toFixed(1)} MiB RSS`,
    `${rawLong.ms.toFixed(0)} ms, +${rawLong.growthMiB.toFixed(1)} MiB RSS`,
    `${(median(longRuns.map((r) => r.ms)) / rawLong.ms).toFixed(2)}×`,
    'target: < 1 s and ≤ 32 MiB RSS growth; raw = commands.run, which keeps the whole line (one run)',
  ]);

  // file write / read throughput
  for (const size of [1 * MIB, 32 * MIB]) {
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = (i * 31 + 7) & 0xff;
    const rounds = size > MIB ? 9 : 31;
    const [oursW, rawW] = await pair(
      rounds,
      () => sandbox.fs.write('/workspace/bench-ours.bin', data),
      () => raw.files.writeFiles([{ path: '/workspace/bench-raw.bin', data }]),
    );
    const mibs = size / MIB;
    row(`write ${mibs} MiB`, mibs / (oursW / 1000), mibs / (rawW / 1000), 'MiB/s', 'ratio = ours / raw throughput (target ≥ 0.9)');
    const [oursR, rawR] = await pair(
      rounds,
      () => sandbox.fs.readBytes('/workspace/bench-ours.bin'),
      () => raw.files.readBytes('/workspace/bench-raw.bin'),
    );
    row(`read ${mibs} MiB`, mibs / (oursR / 1000), mibs / (rawR / 1000), 'MiB/s', 'ratio = ours / raw throughput (target ≥ 0.9)');
  }

  // glob over 10 000 files
  const made = await sandbox.exec(
    'mkdir -p /workspace/tree && cd /workspace/tree && for d in $(seq 1 100); do mkdir -p "d$d/sub"; for f in $(seq 1 50); do : > "d$d/f$f.ts"; : > "d$d/sub/g$f.md"; done; done',
    { timeoutMs: 300_000 },
  );
  if (made.code !== 0) throw new Error(`could not build the glob tree: ${made.stderr}`);
  let oursCount = 0;
  let rawCount = 0;
  emulator.stats.reset();
  const [oursGlob, rawGlob] = await pair(
    7,
    async () => (oursCount = (await sandbox.fs.glob('**/*.ts', { cwd: '/workspace/tree' })).length),
    async () => (rawCount = (await raw.files.search({ path: '/workspace/tree', pattern: '*.ts' })).length),
  );
  row(
    'glob `**/*.ts` over 10 000 files',
    oursGlob,
    rawGlob,
    'ms',
    `ours: one find exec + picomatch (${oursCount} matches); raw: the server's basename-only search (${rawCount} matches)`,
  );

  // polling cost at 1000 watched files: one tick = one snapshot exec, vs one getFileInfo per file
  const files = Array.from({ length: 1000 }, (_, i) => `/workspace/tree/d${(i % 100) + 1}/f${Math.floor(i / 100) + 1}.ts`);
  emulator.stats.reset();
  const events: unknown[] = [];
  const watchStarted = performance.now();
  const watchId = await sandbox.watchFiles(files, (e) => events.push(e));
  const baselineMs = performance.now() - watchStarted;
  const baselineRequests = emulator.stats.total({ sandboxId: id });
  const before = emulator.stats.count('POST /command', { sandboxId: id });
  const tickWindowStart = performance.now();
  while (emulator.stats.count('POST /command', { sandboxId: id }) < before + 5) await new Promise((r) => setTimeout(r, 20));
  const perTick = (performance.now() - tickWindowStart) / 5;
  await sandbox.unwatchFiles(watchId);
  const naive = await time(async () => {
    for (const file of files) await raw.files.getFileInfo([file]);
  });
  rows.push([
    'polling 1000 watched files',
    `${baselineMs.toFixed(1)} ms per snapshot, ${baselineRequests} request`,
    `${naive.toFixed(1)} ms per tick, 1000 requests`,
    `${(baselineMs / naive).toFixed(2)}×`,
    `raw = the earlier implementation's one getFileInfo per file; ours ticked every ${perTick.toFixed(0)} ms at pollIntervalMs 1000`,
  ]);
} finally {
  await sandbox.dispose().catch(() => undefined);
  await emulator.close();
}

// exec against execd's real 1 s post-completion grace period (ours returns at the final event)
const slow = await startEmulator({ streamGraceMs: 1000 });
const slowSandbox = new OpenSandbox({ kind: 'opensandbox', endpoint: slow.url, apiKey: '' });
try {
  await slowSandbox.init();
  const slowRaw = slowSandbox.getClient();
  const [oursSlow, rawSlow] = await pair(
    5,
    () => slowSandbox.exec('echo hi'),
    () => slowRaw.commands.run('echo hi', { workingDirectory: '/workspace', timeoutSeconds: 120 }),
  );
  row('exec round trip, execd grace 1 s', oursSlow, rawSlow, 'ms', 'as the real execd (EXECD_API_GRACE_SHUTDOWN=1s): commands.run waits for the response to close');
} finally {
  await slowSandbox.dispose().catch(() => undefined);
  await slow.close();
}

console.log(`\n@kode/opensandbox vs raw @alibaba-group/opensandbox (emulator, direct routing, streamGraceMs ${grace})\n`);
console.log('| measure | @kode/opensandbox | raw SDK | ratio | note |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
