// `pnpm bench opensandbox-emulator`: create→ready and exec round-trip medians through the official client.
import { ConnectionConfig, Sandbox } from '@alibaba-group/opensandbox';
import { startEmulator, type RoutingMode } from '../src/index';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function measure(routing: RoutingMode): Promise<void> {
  const emu = await startEmulator({ routing });
  const config = new ConnectionConfig({ domain: emu.domain, disableMetrics: true });
  try {
    const warm = await Sandbox.create({ image: 'ubuntu', connectionConfig: config });
    await warm.commands.run('true');
    await warm.kill();
    const creates: number[] = [];
    const kills: number[] = [];
    for (let i = 0; i < 8; i++) {
      const t0 = performance.now();
      const sbx = await Sandbox.create({ image: 'ubuntu', connectionConfig: config });
      creates.push(performance.now() - t0);
      const t1 = performance.now();
      await sbx.kill();
      kills.push(performance.now() - t1);
    }
    const sbx = await Sandbox.create({ image: 'ubuntu', connectionConfig: config });
    const execs: number[] = [];
    for (let i = 0; i < 40; i++) {
      const t0 = performance.now();
      await sbx.commands.run('echo hi');
      execs.push(performance.now() - t0);
    }
    const reads: number[] = [];
    await sbx.files.writeFiles([{ path: '/workspace/b.txt', data: 'x'.repeat(1024) }]);
    for (let i = 0; i < 40; i++) {
      const t0 = performance.now();
      await sbx.files.readFile('/workspace/b.txt');
      reads.push(performance.now() - t0);
    }
    const t0 = performance.now();
    const big = await sbx.commands.run('seq 1 100000');
    const bigMs = performance.now() - t0;
    if (big.logs.stdout.length !== 100_000) throw new Error(`expected 100000 lines, got ${big.logs.stdout.length}`);
    await sbx.kill();
    console.log(
      `${routing.padEnd(12)} create→ready ${median(creates).toFixed(0)} ms | kill ${median(kills).toFixed(0)} ms | ` +
        `exec round-trip ${median(execs).toFixed(1)} ms | 1 KiB read ${median(reads).toFixed(1)} ms | 100k-line output ${bigMs.toFixed(0)} ms  (medians; ${creates.length} creates, ${execs.length} execs)`,
    );
  } finally {
    await emu.close();
  }
}

for (const routing of ['direct', 'server-proxy', 'gateway'] as const) await measure(routing);
