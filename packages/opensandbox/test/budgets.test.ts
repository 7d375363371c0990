import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OpenSandbox, type WatchEvent } from '../src/index';
import { useEmulator } from './emulator-harness';

/** Request budgets (docs/contract.md and the OpenSandbox README), counted by the emulator: every request to this sandbox, lifecycle and execd. */
const fixture = useEmulator();
let sandbox: OpenSandbox;
let id: string;

function requests(): number {
  return fixture.emulator.stats.total({ sandboxId: id });
}

beforeAll(async () => {
  sandbox = new OpenSandbox(fixture.options({ watch: { mode: 'polling', pollIntervalMs: 200 } }));
  await sandbox.init();
  id = sandbox.getSandboxId();
}, 60_000);

afterAll(async () => {
  await sandbox?.dispose();
});

describe('request budgets', () => {
  it('exec is ONE request, whatever the outcome', async () => {
    for (const command of ['echo hi', 'exit 3', 'echo err >&2; printf x', 'no-such-command-xyz']) {
      fixture.emulator.stats.reset();
      await sandbox.exec(command);
      expect({ command, total: requests(), snapshot: fixture.emulator.stats.snapshot({ sandboxId: id }) }).toEqual({
        command,
        total: 1,
        snapshot: { 'POST /command': 1 },
      });
    }
  });

  it('fs calls: read, write, stat, exists and list are one request each; glob at most two', async () => {
    await sandbox.exec('mkdir -p g/src/lib && for i in $(seq 1 50); do echo $i > g/src/lib/f$i.ts; echo $i > g/f$i.md; done');
    const calls: Array<[string, () => Promise<unknown>, number]> = [
      ['write', () => sandbox.fs.write('g/new.txt', 'x'), 1],
      ['read', () => sandbox.fs.read('g/new.txt'), 1],
      ['readBytes', () => sandbox.fs.readBytes('g/new.txt'), 1],
      ['stat', () => sandbox.fs.stat('g/new.txt'), 1],
      ['exists', () => sandbox.fs.exists('g/missing'), 1],
      ['list', () => sandbox.fs.list('g'), 1],
      ['list recursive', () => sandbox.fs.list('g', { recursive: true }), 1],
      ['glob', () => sandbox.fs.glob('src/**/*.ts', { cwd: 'g' }), 2],
      ['glob ignore', () => sandbox.fs.glob('**', { cwd: 'g', ignore: ['src/**'] }), 2],
    ];
    for (const [name, call, budget] of calls) {
      fixture.emulator.stats.reset();
      await call();
      expect(requests(), name).toBeLessThanOrEqual(budget);
      expect(requests(), name).toBeGreaterThan(0);
    }
    expect(await sandbox.fs.glob('src/**/*.ts', { cwd: 'g' })).toHaveLength(50);
  });

  it.each([1, 100, 1000])('polling %i watched files costs one request per tick', async (count) => {
    const dir = `${sandbox.workDir}/watch-${count}`;
    const made = await sandbox.exec(`mkdir -p ${dir} && cd ${dir} && i=0; while [ "$i" -lt ${count} ]; do echo x > "file-$i.txt"; i=$((i+1)); done`);
    expect(made.code).toBe(0);
    const paths = Array.from({ length: count }, (_, i) => `${dir}/file-${i}.txt`);
    const events: WatchEvent[] = [];
    const watchId = await sandbox.watchFiles(paths, (event) => events.push(event));
    try {
      fixture.emulator.stats.reset();
      const started = Date.now();
      await vi.waitFor(() => expect(fixture.emulator.stats.count('POST /command', { sandboxId: id })).toBeGreaterThanOrEqual(4), { timeout: 20_000, interval: 50 });
      const elapsed = Date.now() - started;
      const snapshots = fixture.emulator.stats.count('POST /command', { sandboxId: id });
      // Every request in the window is a snapshot, and there is at most one per 200 ms tick.
      expect(requests()).toBe(snapshots);
      expect(snapshots).toBeLessThanOrEqual(Math.floor(elapsed / 200) + 2);
      // The snapshots are real: a change to the last file is reported.
      const last = paths[count - 1]!;
      await sandbox.exec(`echo changed-longer > ${last}`);
      await vi.waitFor(() => expect(events.some((e) => e.path === last && e.type === 'modify')).toBe(true), { timeout: 10_000, interval: 50 });
      expect(events.filter((e) => e.path !== last)).toEqual([]);
    } finally {
      await sandbox.unwatchFiles(watchId);
    }
  }, 60_000);
});
