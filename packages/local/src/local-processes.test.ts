import { readdirSync, readFileSync } from 'node:fs';
import { DisposedError, FileNotFoundError, InvalidArgumentError } from '@kode/core';
import { describe, expect, it, vi } from 'vitest';
import { openSandbox, pidAlive } from '../test/local-fixtures';

const isInvalid = (e: unknown): boolean => InvalidArgumentError.isInstance(e);

/** Pids of the host processes whose command line contains `token`. */
function processesWith(token: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(token)) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('LocalSandbox.processes', () => {
  it('a start still in flight when dispose() begins is killed, never left running on the host', async () => {
    // dispose() runs while each start is between its checks and the driver registering the
    // process: the process must not escape the kill (start rejects with DisposedError or returns
    // before dispose; either way nothing with the token runs once both settled).
    for (let round = 0; round < 10; round++) {
      const sandbox = await openSandbox();
      const token = `86399.${process.pid}${round}${Date.now() % 100_000}`;
      try {
        const starts = Array.from({ length: 5 }, () => sandbox.processes.start(`sleep ${token}; true`));
        const disposed = sandbox.dispose();
        const outcomes = await Promise.allSettled(starts);
        await disposed;
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') expect(DisposedError.isInstance(outcome.reason)).toBe(true);
        }
        expect(processesWith(token)).toEqual([]);
      } finally {
        // A failure must not leave the escaped processes behind.
        for (const pid of processesWith(token)) {
          if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
        }
      }
    }
  });

  it('start returns while the process keeps running in its own process group', async () => {
    const sandbox = await openSandbox();
    const { id } = await sandbox.processes.start('echo $$ $(ps -o pgid= -p $$); sleep 30');
    expect(typeof id).toBe('string');
    expect((await sandbox.processes.list()).find((p) => p.id === id)?.running).toBe(true);
    await vi.waitFor(
      async () => {
        const [pid, pgid] = (await sandbox.processes.output(id)).data.trim().split(/\s+/);
        expect(pid).toMatch(/^\d+$/);
        expect(pgid).toBe(pid);
      },
      { timeout: 10_000, interval: 20 },
    );
  });

  it('interleaves stdout and stderr in write order and pages by cursor', async () => {
    const sandbox = await openSandbox();
    await sandbox.exec('mkfifo gate');
    const { id } = await sandbox.processes.start('echo out1; echo err1 >&2; echo out2; read -r _ < gate; printf "é-tail"');
    await vi.waitFor(async () => expect((await sandbox.processes.output(id)).data).toBe('out1\nerr1\nout2\n'), { timeout: 10_000, interval: 20 });
    const first = await sandbox.processes.output(id);
    expect(first).toMatchObject({ running: true, cursor: Buffer.byteLength('out1\nerr1\nout2\n') });
    expect(first.code).toBeUndefined();
    await sandbox.exec('echo go > gate');
    const done = await sandbox.processes.wait(id, { timeoutMs: 10_000 });
    expect(done).toMatchObject({ id, running: false, code: 0 });
    const rest = await sandbox.processes.output(id, { cursor: first.cursor });
    expect(rest).toMatchObject({ data: 'é-tail', running: false, code: 0 });
    expect(rest.cursor).toBe(first.cursor + Buffer.byteLength('é-tail'));
    expect((await sandbox.processes.output(id, { cursor: rest.cursor })).data).toBe('');
  });

  it('holds back a UTF-8 character split at the end of the output while running', async () => {
    const sandbox = await openSandbox();
    await sandbox.exec('mkfifo gate');
    const { id } = await sandbox.processes.start("printf 'a\\xc3'; read -r _ < gate; printf '\\xa9'");
    await vi.waitFor(async () => expect((await sandbox.processes.output(id)).data).toBe('a'), { timeout: 10_000, interval: 20 });
    const partial = await sandbox.processes.output(id);
    expect(partial.cursor).toBe(1);
    await sandbox.exec('echo go > gate');
    await sandbox.processes.wait(id);
    expect((await sandbox.processes.output(id, { cursor: partial.cursor })).data).toBe('é');
  });

  it('wait resolves with running:true after timeoutMs; abort rejects with the reason', async () => {
    const sandbox = await openSandbox();
    const { id } = await sandbox.processes.start('sleep 30');
    expect(await sandbox.processes.wait(id, { timeoutMs: 50 })).toMatchObject({ id, running: true, command: 'sleep 30' });
    const controller = new AbortController();
    const reason = new Error('enough waiting');
    const waiting = sandbox.processes.wait(id, { signal: controller.signal });
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(sandbox.processes.wait(id, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect((await sandbox.processes.list())[0]?.running).toBe(true);
  });

  it('kill terminates the whole tree, reports 128+n and is idempotent', async () => {
    const sandbox = await openSandbox();
    const { id } = await sandbox.processes.start('sleep 30 & echo $!; wait');
    let pid = 0;
    await vi.waitFor(
      async () => {
        pid = Number((await sandbox.processes.output(id)).data.trim());
        expect(pid).toBeGreaterThan(0);
      },
      { timeout: 10_000, interval: 20 },
    );
    await sandbox.processes.kill(id);
    expect(pidAlive(pid)).toBe(false);
    expect(await sandbox.processes.wait(id)).toMatchObject({ running: false, code: 143 });
    await sandbox.processes.kill(id);
    await sandbox.processes.kill(id, 'SIGKILL');
  });

  it('kill escalates to SIGKILL for a process that ignores SIGTERM', async () => {
    const sandbox = await openSandbox();
    const { id } = await sandbox.processes.start("trap '' TERM; echo ready; while :; do sleep 0.1; done");
    await vi.waitFor(async () => expect((await sandbox.processes.output(id)).data).toBe('ready\n'), { timeout: 10_000, interval: 20 });
    await sandbox.processes.kill(id);
    expect(await sandbox.processes.wait(id)).toMatchObject({ running: false, code: 137 });
  });

  it('never misses the exit of a command that ends at once', async () => {
    const sandbox = await openSandbox();
    const started = await Promise.all(Array.from({ length: 20 }, (_, i) => sandbox.processes.start(`exit ${i}`)));
    const statuses = await Promise.all(started.map(({ id }) => sandbox.processes.wait(id, { timeoutMs: 10_000 })));
    statuses.forEach((status, i) => expect(status).toMatchObject({ running: false, code: i }));
  });

  it('lists processes in start order with their status', async () => {
    const sandbox = await openSandbox();
    const a = await sandbox.processes.start('exit 4');
    const b = await sandbox.processes.start('sleep 30');
    await sandbox.processes.wait(a.id);
    expect(await sandbox.processes.list()).toEqual([
      { id: a.id, command: 'exit 4', running: false, code: 4 },
      { id: b.id, command: 'sleep 30', running: true },
    ]);
  });

  it('applies cwd and env, and validates ids, cursors, signals and cwd', async () => {
    const sandbox = await openSandbox({ env: { KODE_X: 'cfg' } });
    await sandbox.fs.mkdir('sub');
    const { id } = await sandbox.processes.start('pwd; echo "$KODE_X $KODE_Y"', { cwd: 'sub', env: { KODE_Y: 'call' } });
    await sandbox.processes.wait(id);
    expect((await sandbox.processes.output(id)).data).toBe(`${sandbox.workDir}/sub\ncfg call\n`);
    await expect(sandbox.processes.output('nope')).rejects.toSatisfy(isInvalid);
    await expect(sandbox.processes.wait('nope')).rejects.toSatisfy(isInvalid);
    await expect(sandbox.processes.kill('nope')).rejects.toSatisfy(isInvalid);
    await expect(sandbox.processes.output(id, { cursor: -1 })).rejects.toSatisfy(isInvalid);
    await expect(sandbox.processes.output(id, { cursor: 10_000 })).rejects.toSatisfy(isInvalid);
    await expect(sandbox.processes.kill(id, 'SIGSTOP' as 'SIGTERM')).rejects.toSatisfy(isInvalid);
    await expect(sandbox.processes.start('true', { cwd: 'missing' })).rejects.toSatisfy((e) => FileNotFoundError.isInstance(e));
  });

  it('dispose kills every running process; later calls raise DisposedError', async () => {
    const sandbox = await openSandbox();
    const { id } = await sandbox.processes.start('sleep 30 & echo $!; wait');
    let pid = 0;
    await vi.waitFor(
      async () => {
        pid = Number((await sandbox.processes.output(id)).data.trim());
        expect(pid).toBeGreaterThan(0);
      },
      { timeout: 10_000, interval: 20 },
    );
    await sandbox.dispose();
    expect(pidAlive(pid)).toBe(false);
    await expect(sandbox.processes.list()).rejects.toSatisfy((e) => DisposedError.isInstance(e));
    await expect(sandbox.processes.output(id)).rejects.toSatisfy((e) => DisposedError.isInstance(e));
  });
});
