/**
 * `pnpm bench e2b`: `@kode/e2b` against the raw `e2b` calls it wraps, side by side in one run, on
 * one sandbox of the envd emulator. Prints medians and ratios; never fails on a threshold.
 * Figures go to docs/benchmarks/e2b.md.
 */
import { performance } from 'node:perf_hooks';
import { E2BSandbox } from '@kode/e2b';
import { FileType, type Sandbox as E2BClient } from 'e2b';
import { startE2BEmulator } from '@kode/e2b-emulator';

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

/** Interleaves `a` and `b` after a warm-up, swapping the order every round. */
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

/** The earlier backend's fallback glob walk: one `files.list` per directory. */
async function walkPerDirectory(raw: E2BClient, dir: string, out: string[]): Promise<number> {
  let calls = 1;
  for (const entry of await raw.files.list(dir)) {
    if (entry.type === FileType.DIR) calls += await walkPerDirectory(raw, entry.path, out);
    else if (entry.type === FileType.FILE) out.push(entry.path);
  }
  return calls;
}

const rows: string[][] = [];
const emulator = await startE2BEmulator();
const sandbox = new E2BSandbox({ kind: 'e2b', apiKey: emulator.apiKey, apiUrl: emulator.apiUrl, sandboxUrl: emulator.sandboxUrl, timeoutMs: 900_000 });
try {
  await sandbox.init();
  const raw = sandbox.getClient();

  const [oursExec, rawExec] = await pair(40, () => sandbox.exec('echo hi'), () => raw.commands.run('echo hi', { cwd: '/home/user' }));
  rows.push(['exec `echo hi` round trip', `${oursExec.toFixed(1)} ms`, `${rawExec.toFixed(1)} ms`, `${(oursExec / rawExec).toFixed(2)}×`]);

  const payload = new Uint8Array(4 * MIB).map((_, i) => i % 251);
  const [oursWrite, rawWrite] = await pair(8, () => sandbox.fs.write('/tmp/ours.bin', payload), () => raw.files.write('/tmp/raw.bin', payload.slice().buffer));
  rows.push(['write 4 MiB', `${(4 / (oursWrite / 1000)).toFixed(1)} MiB/s`, `${(4 / (rawWrite / 1000)).toFixed(1)} MiB/s`, `${(rawWrite / oursWrite).toFixed(2)}×`]);
  const [oursRead, rawRead] = await pair(8, () => sandbox.fs.readBytes('/tmp/ours.bin'), () => raw.files.read('/tmp/raw.bin', { format: 'bytes' }));
  rows.push(['read 4 MiB', `${(4 / (oursRead / 1000)).toFixed(1)} MiB/s`, `${(4 / (rawRead / 1000)).toFixed(1)} MiB/s`, `${(rawRead / oursRead).toFixed(2)}×`]);

  // 2000 files in 200 directories.
  await sandbox.exec('mkdir -p tree && cd tree && for d in $(seq 1 200); do mkdir -p d$d/sub; for f in $(seq 1 5); do echo x > d$d/f$f.ts; echo y > d$d/sub/g$f.js; done; done');
  let walkCalls = 0;
  const [oursGlob, walkGlob] = await pair(
    5,
    () => sandbox.fs.glob('**/*.ts', { cwd: 'tree' }),
    async () => {
      const out: string[] = [];
      walkCalls = await walkPerDirectory(raw, '/home/user/tree', out);
    },
  );
  rows.push([`glob over 2000 files (ours: 1 ListDir; baseline: ${walkCalls} per-directory lists)`, `${oursGlob.toFixed(1)} ms`, `${walkGlob.toFixed(1)} ms`, `${(oursGlob / walkGlob).toFixed(2)}×`]);

  // Native (watchDir) vs polling latency: write, then wait for the event.
  for (const mode of ['native', 'polling'] as const) {
    const watcher = new E2BSandbox({ kind: 'e2b', sandboxId: sandbox.getSandboxId(), apiKey: emulator.apiKey, apiUrl: emulator.apiUrl, sandboxUrl: emulator.sandboxUrl, watch: { mode, pollIntervalMs: 250 }, lifecycle: { disposeAction: 'close' } });
    await watcher.init();
    await watcher.fs.mkdir(`watch-${mode}`);
    const latencies: number[] = [];
    let pending: { path: string; started: number; resolve: () => void } | undefined;
    const id = await watcher.watchFiles([`watch-${mode}`], (event) => {
      if (pending && event.path === pending.path) {
        latencies.push(performance.now() - pending.started);
        pending.resolve();
        pending = undefined;
      }
    });
    for (let i = 0; i < 15; i++) {
      const path = `/home/user/watch-${mode}/f${i}.txt`;
      await new Promise<void>((resolve) => {
        pending = { path, started: performance.now(), resolve };
        void watcher.fs.write(path, 'x');
      });
    }
    await watcher.unwatchFiles(id);
    await watcher.dispose();
    rows.push([`watch event latency (${mode}${mode === 'polling' ? ', 250 ms interval' : ''})`, `${median(latencies).toFixed(1)} ms`, '—', '—']);
  }
} finally {
  await sandbox.dispose();
  await emulator.close();
}

console.log('| measure | @kode/e2b | raw e2b / baseline | ratio |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
