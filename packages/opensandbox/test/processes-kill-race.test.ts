import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenSandbox } from '../src/index';
import { useEmulator } from './emulator-harness';

/**
 * `kill` with a signal other than SIGTERM reads the pid file the process's wrapper shell writes
 * once it runs; execd answers `start` as soon as it spawned the shell. A kill sent right after
 * `start` must never find that file missing or empty, however late the shell gets going.
 */
const fixture = useEmulator();
let sandbox: OpenSandbox;

beforeAll(async () => {
  sandbox = new OpenSandbox(fixture.options());
  await sandbox.init();
}, 60_000);

afterAll(async () => {
  await sandbox?.dispose();
});

describe('processes: kill right after start', () => {
  it('SIGKILL reaches a process whose shell is slow to start (code 137)', async () => {
    // BASH_ENV runs before the wrapper writes its pid file: a shell starting late, as under load.
    const slowStart = '/tmp/kode-slow-shell-start.sh';
    await sandbox.fs.write(slowStart, 'sleep 1\n');
    const statuses = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const { id } = await sandbox.processes.start('sleep 300', { env: { BASH_ENV: slowStart } });
        await sandbox.processes.kill(id, 'SIGKILL');
        return sandbox.processes.wait(id, { timeoutMs: 20_000 });
      }),
    );
    for (const status of statuses) expect(status).toMatchObject({ running: false, code: 137 });
  }, 60_000);

  it('SIGKILL sent as soon as start resolves always reaches the process, 24 at a time (code 137)', async () => {
    for (let round = 0; round < 3; round++) {
      const statuses = await Promise.all(
        Array.from({ length: 24 }, async () => {
          const { id } = await sandbox.processes.start('sleep 300');
          await sandbox.processes.kill(id, 'SIGKILL');
          return sandbox.processes.wait(id, { timeoutMs: 20_000 });
        }),
      );
      for (const status of statuses) expect(status).toMatchObject({ running: false, code: 137 });
    }
  }, 120_000);
});
