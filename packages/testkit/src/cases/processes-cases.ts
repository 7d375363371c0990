import { InvalidArgumentError, SandboxFactory, type Sandbox } from '@kode/core';
import { expectError, expectRejection } from '../support/errors';
import { isProcessAlive, readPid, waitForFileSnippet } from '../support/shell';
import { waitUntil } from '../support/wait';
import type { ConformanceCase } from '../types';

async function outputContains(sandbox: Sandbox, id: string, text: string): Promise<boolean> {
  return (await sandbox.processes.output(id)).data.includes(text);
}

/** Cases of the `processes` group: background start, output by cursor, wait, kill, list, reconnect. */
export const processesCases: readonly ConformanceCase[] = [
  {
    id: 'processes.start-returns-at-once',
    group: 'processes',
    title: 'start returns an id while the command keeps running detached from the call',
    requires: ['processes.background'],
    async run({ sandbox, workdir, expect }) {
      const go = `${workdir}/go`;
      const { id } = await sandbox.processes.start(`echo started; ${waitForFileSnippet(go)}; echo finished`, { cwd: workdir });
      expect(typeof id).toBe('string');
      expect(id.length).toBeGreaterThan(0);
      await waitUntil(() => outputContains(sandbox, id, 'started'), { timeoutMs: 10_000, what: 'the first output line' });
      expect((await sandbox.processes.output(id)).running).toBe(true);
      await sandbox.fs.write(go, '');
      const status = await sandbox.processes.wait(id, { timeoutMs: 20_000 });
      expect(status).toMatchObject({ id, running: false, code: 0 });
      expect((await sandbox.processes.output(id)).data).toBe('started\nfinished\n');
    },
  },
  {
    id: 'processes.output-cursor',
    group: 'processes',
    title: 'output by cursor is incremental: each call returns only new output, no repeats',
    requires: ['processes.background'],
    async run({ sandbox, workdir, expect }) {
      const g1 = `${workdir}/g1`;
      const g2 = `${workdir}/g2`;
      const { id } = await sandbox.processes.start(`echo one; ${waitForFileSnippet(g1)}; echo two; ${waitForFileSnippet(g2)}; echo three`);
      const first = await waitUntil(async () => {
        const out = await sandbox.processes.output(id, { cursor: 0 });
        return out.data === 'one\n' ? out : undefined;
      }, { timeoutMs: 10_000, what: 'output "one"' });
      expect(first.cursor).toBeGreaterThan(0);
      await sandbox.fs.write(g1, '');
      const second = await waitUntil(async () => {
        const out = await sandbox.processes.output(id, { cursor: first.cursor });
        return out.data.length > 0 ? out : undefined;
      }, { timeoutMs: 10_000, what: 'output "two"' });
      expect(second.data).toBe('two\n');
      expect(second.cursor).toBeGreaterThan(first.cursor);
      const idle = await sandbox.processes.output(id, { cursor: second.cursor });
      expect(idle.data).toBe('');
      expect(idle.cursor).toBe(second.cursor);
      await sandbox.fs.write(g2, '');
      await sandbox.processes.wait(id, { timeoutMs: 20_000 });
      const last = await sandbox.processes.output(id, { cursor: second.cursor });
      expect(last).toMatchObject({ data: 'three\n', running: false, code: 0 });
      expect((await sandbox.processes.output(id)).data).toBe('one\ntwo\nthree\n');
    },
  },
  {
    id: 'processes.output-includes-stderr',
    group: 'processes',
    title: 'background output carries stderr as well as stdout',
    requires: ['processes.background'],
    async run({ sandbox, expect }) {
      const { id } = await sandbox.processes.start('echo out-line; echo err-line 1>&2');
      await sandbox.processes.wait(id, { timeoutMs: 20_000 });
      const { data } = await sandbox.processes.output(id);
      expect(data).toContain('out-line\n');
      expect(data).toContain('err-line\n');
    },
  },
  {
    id: 'processes.wait-exit-code',
    group: 'processes',
    title: 'wait resolves with the exit code once the process ends',
    requires: ['processes.background'],
    async run({ sandbox, expect }) {
      const { id } = await sandbox.processes.start('echo bye; exit 7');
      const status = await sandbox.processes.wait(id, { timeoutMs: 20_000 });
      expect(status).toMatchObject({ id, running: false, code: 7 });
      expect(await sandbox.processes.output(id)).toMatchObject({ running: false, code: 7 });
    },
  },
  {
    id: 'processes.wait-timeout',
    group: 'processes',
    title: 'wait with timeoutMs resolves with running: true when the process outlives it',
    requires: ['processes.background'],
    async run({ sandbox, expect }) {
      const { id } = await sandbox.processes.start('sleep 300');
      const started = performance.now();
      const status = await sandbox.processes.wait(id, { timeoutMs: 300 });
      const waited = performance.now() - started;
      expect(status.running).toBe(true);
      // Not before the 300 ms (2 ms for clock rounding), and without waiting for the process.
      expect(waited).toBeGreaterThanOrEqual(298);
      expect(waited).toBeLessThan(10_000);
      await sandbox.processes.kill(id, 'SIGKILL');
    },
  },
  {
    id: 'processes.wait-abort',
    group: 'processes',
    title: 'aborting wait rejects with signal.reason and leaves the process running',
    requires: ['processes.background'],
    async run({ sandbox, expect }) {
      const { id } = await sandbox.processes.start('sleep 300');
      const controller = new AbortController();
      const reason = new Error('stop waiting');
      const waiting = sandbox.processes.wait(id, { signal: controller.signal });
      waiting.catch(() => undefined);
      controller.abort(reason);
      expect(await expectRejection(() => waiting, 'wait after abort')).toBe(reason);
      expect((await sandbox.processes.output(id)).running).toBe(true);
      await sandbox.processes.kill(id, 'SIGKILL');
    },
  },
  {
    id: 'processes.kill-tree',
    group: 'processes',
    title: 'kill stops the process and its whole tree (a grandchild sleep is gone)',
    requires: ['processes.background'],
    async run({ sandbox, workdir, expect, tolerances }) {
      const pidFile = `${workdir}/bg.pid`;
      const { id } = await sandbox.processes.start(`sh -c 'sleep 300 & echo $! > ${pidFile}; wait'`);
      const pid = await waitUntil(() => readPid(sandbox, pidFile), { timeoutMs: 10_000, what: 'the grandchild pid file' });
      expect(await isProcessAlive(sandbox, pid)).toBe(true);
      await sandbox.processes.kill(id);
      const status = await sandbox.processes.wait(id, { timeoutMs: tolerances.killLatencyMs });
      expect(status.running).toBe(false);
      await waitUntil(async () => !(await isProcessAlive(sandbox, pid)), {
        timeoutMs: tolerances.killLatencyMs,
        intervalMs: 100,
        what: `grandchild sleep (pid ${pid}) to be killed`,
      });
    },
  },
  {
    id: 'processes.kill-signal-code',
    group: 'processes',
    title: 'a process killed with SIGKILL reports code 137',
    requires: ['processes.background'],
    async run({ sandbox, expect, tolerances }) {
      const { id } = await sandbox.processes.start('sleep 300');
      await sandbox.processes.kill(id, 'SIGKILL');
      const status = await sandbox.processes.wait(id, { timeoutMs: tolerances.killLatencyMs });
      expect(status).toMatchObject({ running: false, code: 137 });
    },
  },
  {
    id: 'processes.kill-idempotent',
    group: 'processes',
    title: 'killing twice, or killing a finished process, is a no-op',
    requires: ['processes.background'],
    async run({ sandbox, expect, tolerances }) {
      const done = await sandbox.processes.start('exit 0');
      await sandbox.processes.wait(done.id, { timeoutMs: 20_000 });
      await sandbox.processes.kill(done.id);
      expect((await sandbox.processes.output(done.id)).code).toBe(0);
      const { id } = await sandbox.processes.start('sleep 300');
      await sandbox.processes.kill(id);
      await sandbox.processes.kill(id);
      expect((await sandbox.processes.wait(id, { timeoutMs: tolerances.killLatencyMs })).running).toBe(false);
    },
  },
  {
    id: 'processes.list',
    group: 'processes',
    title: 'list shows running and finished processes with their commands',
    requires: ['processes.background'],
    async run({ sandbox, expect }) {
      const running = await sandbox.processes.start('sleep 300');
      const finished = await sandbox.processes.start('exit 3');
      await sandbox.processes.wait(finished.id, { timeoutMs: 20_000 });
      const list = await sandbox.processes.list();
      expect(list.find((p) => p.id === running.id)).toMatchObject({ command: 'sleep 300', running: true });
      expect(list.find((p) => p.id === finished.id)).toMatchObject({ command: 'exit 3', running: false, code: 3 });
      await sandbox.processes.kill(running.id, 'SIGKILL');
    },
  },
  {
    id: 'processes.cwd-env',
    group: 'processes',
    title: 'start honours cwd and env',
    requires: ['processes.background'],
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.mkdir(`${workdir}/bgdir`);
      const { id } = await sandbox.processes.start('pwd; printf "%s\\n" "$KODE_BG"', { cwd: `${workdir}/bgdir`, env: { KODE_BG: 'bg value' } });
      await sandbox.processes.wait(id, { timeoutMs: 20_000 });
      expect((await sandbox.processes.output(id)).data).toBe(`${workdir}/bgdir\nbg value\n`);
    },
  },
  {
    id: 'processes.unknown-id',
    group: 'processes',
    title: 'output of an unknown id raises InvalidArgumentError',
    requires: ['processes.background'],
    async run({ sandbox }) {
      await expectError(() => sandbox.processes.output('kode-no-such-process'), InvalidArgumentError, 'output of an unknown id');
    },
  },
  {
    id: 'processes.reconnect',
    group: 'processes',
    title: 'process ids survive a reconnect: a restored instance reads, lists and kills them',
    requires: ['processes.background', 'processes.reconnect', 'lifecycle.restore'],
    isolated: true,
    async run({ sandbox, workdir, expect, tolerances }) {
      const go = `${workdir}/go-reconnect`;
      const { id } = await sandbox.processes.start(`echo before; ${waitForFileSnippet(go, 60)}; echo after; sleep 300`);
      await waitUntil(() => outputContains(sandbox, id, 'before'), { timeoutMs: 10_000, what: 'output before reconnect' });
      const restored = SandboxFactory.create(JSON.parse(JSON.stringify(sandbox.toConfig())) as ReturnType<Sandbox['toConfig']>);
      try {
        await restored.init();
        expect(restored.getSandboxId()).toBe(sandbox.getSandboxId());
        expect((await restored.processes.list()).some((p) => p.id === id)).toBe(true);
        await restored.fs.write(go, '');
        await waitUntil(() => outputContains(restored, id, 'after'), { timeoutMs: 10_000, what: 'output after reconnect' });
        expect((await restored.processes.output(id)).data).toBe('before\nafter\n');
        await restored.processes.kill(id);
        expect((await restored.processes.wait(id, { timeoutMs: tolerances.killLatencyMs })).running).toBe(false);
      } finally {
        await restored.dispose();
      }
    },
  },
  {
    id: 'processes.many-lines',
    group: 'processes',
    title: 'a chatty background process loses no output (1000 numbered lines)',
    requires: ['processes.background'],
    async run({ sandbox, expect }) {
      const { id } = await sandbox.processes.start('i=0; while [ "$i" -lt 1000 ]; do echo "line-$i"; i=$((i+1)); done');
      await sandbox.processes.wait(id, { timeoutMs: 30_000 });
      let cursor = 0;
      let data = '';
      for (let round = 0; round < 1000; round++) {
        const out = await sandbox.processes.output(id, { cursor });
        if (out.data === '') break;
        data += out.data;
        cursor = out.cursor;
      }
      expect(data).toBe(Array.from({ length: 1000 }, (_, i) => `line-${i}\n`).join(''));
    },
  },
];
