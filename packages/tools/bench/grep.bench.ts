// fs_grep over 2000 files on the OpenSandbox backend (against the emulator, which counts every
// request it receives), compared with reading the files one by one. Also on LocalSandbox for
// reference. Run: `pnpm bench grep`. Prints a markdown table; it never fails on a threshold.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Sandbox } from '@kode/core';
import { LocalSandbox } from '@kode/local';
import { OpenSandbox } from '@kode/opensandbox';
import { startEmulator } from '@kode/opensandbox-emulator';
import { createToolState, fsGrepTool, type FsGrepOutput } from '@kode/tools';

const FILES = 2000;
const RUNS = 5;
const DIR = 'bench-tree';

/** 2000 files in 40 directories (one exec), ~1 KiB each; every 10th file has one "needle" line. */
async function makeTree(sandbox: Sandbox): Promise<void> {
  const script = [
    `mkdir -p ${DIR} && cd ${DIR}`,
    `i=0; while [ $i -lt ${FILES} ]; do d=d$((i % 40)); mkdir -p $d; f=$d/file$i.txt;`,
    `  printf 'line one of %s\\nsome filler text that is not interesting at all, repeated to make the file longer\\n%.0s' $i 1 2 3 4 5 6 7 8 9 10 > $f;`,
    `  if [ $((i % 10)) -eq 0 ]; then echo "the needle is here in $i" >> $f; fi; i=$((i+1)); done`,
  ].join('\n');
  const result = await sandbox.exec(script, { timeoutMs: 300_000 });
  if (result.code !== 0) throw new Error(`making the tree failed: ${result.stderr}`);
}

async function grepOnce(sandbox: Sandbox, engine: 'auto' | 'read'): Promise<FsGrepOutput> {
  const state = createToolState({ sandbox, settings: { grepEngine: engine } });
  const result = await fsGrepTool.execute({ pattern: 'needle', path: DIR, max_results: 5000 }, { sandbox, state });
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.data;
}

/** The earlier implementation's approach: glob, then read each file in sequence and match in JS. */
async function sequentialReadBaseline(sandbox: Sandbox): Promise<number> {
  let found = 0;
  for (const file of await sandbox.fs.glob('**/*', { cwd: `${sandbox.workDir}/${DIR}` })) {
    const text = await sandbox.fs.read(`${DIR}/${file}`);
    for (const line of text.split('\n')) if (line.includes('needle')) found++;
  }
  return found;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

interface Row {
  backend: string;
  method: string;
  ms: number;
  requests: string;
  matches: number;
}

async function measure(label: { backend: string; method: string }, options: { runs: number; count?: () => number; reset?: () => void; body: () => Promise<number> }): Promise<Row> {
  const times: number[] = [];
  const requests: number[] = [];
  let matches = 0;
  for (let i = 0; i < options.runs; i++) {
    options.reset?.();
    const started = performance.now();
    matches = await options.body();
    times.push(performance.now() - started);
    if (options.count) requests.push(options.count());
  }
  return { ...label, ms: median(times), requests: requests.length === 0 ? 'n/a' : String(median(requests)), matches };
}

async function benchBackend(sandbox: Sandbox, backend: string, stats?: { reset(): void; total(filter?: { api?: 'execd' | 'lifecycle' }): number }): Promise<Row[]> {
  await makeTree(sandbox);
  const count = stats ? () => stats.total() : undefined;
  const reset = stats ? () => stats.reset() : undefined;
  const rows: Row[] = [];
  const common = { ...(count ? { count } : {}), ...(reset ? { reset } : {}) };
  let engine = '';
  rows.push(
    await measure({ backend, method: 'fs_grep (one command)' }, {
      runs: RUNS,
      ...common,
      body: async () => {
        const out = await grepOnce(sandbox, 'auto');
        engine = out.engine;
        return out.count;
      },
    }),
  );
  rows[0]!.method = `fs_grep (one command: ${engine})`;
  rows.push(await measure({ backend, method: 'fs_grep read fallback (glob + 8 parallel reads)' }, { runs: 1, ...common, body: async () => (await grepOnce(sandbox, 'read')).count }));
  rows.push(await measure({ backend, method: 'baseline: glob + sequential per-file read' }, { runs: 1, ...common, body: () => sequentialReadBaseline(sandbox) }));
  return rows;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const emulator = await startEmulator();
  const remote = new OpenSandbox({ kind: 'opensandbox', endpoint: emulator.url });
  try {
    await remote.init();
    rows.push(...(await benchBackend(remote, 'opensandbox (emulator)', emulator.stats)));
  } finally {
    await remote.dispose().catch(() => undefined);
    await emulator.close();
  }
  const dir = await mkdtemp(join(tmpdir(), 'kode-grep-bench-'));
  const local = new LocalSandbox({ kind: 'local', workDir: dir });
  try {
    await local.init();
    rows.push(...(await benchBackend(local, 'local')));
  } finally {
    await local.dispose();
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`fs_grep over ${FILES} files (pattern in every 10th file, ${FILES / 10} matches); median of ${RUNS} runs for fs_grep, 1 run for the read-based methods.\n`);
  console.log('| backend | method | time (ms) | requests at the server | matches |');
  console.log('|---|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.backend} | ${r.method} | ${r.ms.toFixed(0)} | ${r.requests} | ${r.matches} |`);
  const remoteRows = rows.filter((r) => r.backend.startsWith('opensandbox'));
  if (remoteRows.length === 3) {
    console.log(`\nopensandbox: fs_grep is ${(remoteRows[2]!.ms / remoteRows[0]!.ms).toFixed(0)}x faster than the sequential per-file baseline, ${(remoteRows[1]!.ms / remoteRows[0]!.ms).toFixed(0)}x faster than the parallel read fallback.`);
  }
}

await main();
