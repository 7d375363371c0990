import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { availableParallelism } from 'node:os';
import { errMessage } from './http';

function cpuTimes(): { idle: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const nums = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (nums[3] ?? 0) + (nums[4] ?? 0);
  const total = nums.reduce((a, b) => a + b, 0);
  return { idle, total };
}

function memory(): { total: number; used: number } {
  const text = readFileSync('/proc/meminfo', 'utf8');
  const get = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  const total = get('MemTotal') / 1024;
  const available = get('MemAvailable') / 1024;
  return { total, used: Math.max(0, total - available) };
}

/** execd's `Metrics` JSON, CPU sampled over `sampleMs`. */
export async function sampleMetrics(sampleMs: number): Promise<Record<string, number>> {
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, sampleMs));
  const b = cpuTimes();
  const dt = b.total - a.total;
  const pct = dt > 0 ? Math.min(100, Math.max(0, (100 * (dt - (b.idle - a.idle))) / dt)) : 0;
  const mem = memory();
  return {
    cpu_count: availableParallelism(),
    cpu_used_pct: Math.round(pct * 100) / 100,
    mem_total_mib: Math.round(mem.total * 100) / 100,
    mem_used_mib: Math.round(mem.used * 100) / 100,
    timestamp: Date.now(),
  };
}

/** `GET /metrics/watch`: one JSON object per line, every second, until the client goes. */
export function watchMetrics(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let stopped = false;
  req.on('close', () => {
    stopped = true;
  });
  const loop = async (): Promise<void> => {
    while (!stopped) {
      try {
        const m = await sampleMetrics(1000);
        if (!stopped) res.write(`${JSON.stringify(m)}\n`);
      } catch (err) {
        if (!stopped) res.write(`${JSON.stringify({ error: errMessage(err) })}\n`);
      }
    }
  };
  void loop();
}
