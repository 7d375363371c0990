import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileNotFoundError, InvalidArgumentError, OpenSandbox, SandboxError } from '../src/index';
import { sessionCommand } from '../src/opensandbox-sessions';
import { useEmulator } from './emulator-harness';

/** Sessions, endpoints and pause/resume details the conformance kit does not pin for every backend. */
const fixture = useEmulator();
let sandbox: OpenSandbox;

beforeAll(async () => {
  sandbox = new OpenSandbox(fixture.options());
  await sandbox.init();
}, 60_000);

afterAll(async () => {
  await sandbox?.dispose();
});

async function rejection(call: () => Promise<unknown>): Promise<SandboxError> {
  try {
    await call();
  } catch (error) {
    expect(SandboxError.isInstance(error), String(error)).toBe(true);
    return error as SandboxError;
  }
  throw new Error('expected a rejection');
}

describe('sessions on execd', () => {
  it('run on POST /session and POST /session/{id}/run; close sends DELETE /session/{id} once', async () => {
    const id = sandbox.getSandboxId();
    fixture.emulator.stats.reset();
    const session = await sandbox.sessions.create();
    await session.exec('true');
    await session.close();
    await session.close();
    // GET /files/info: the front checks that the session's cwd is a directory.
    expect(fixture.emulator.stats.snapshot({ sandboxId: id })).toEqual({
      'GET /files/info': 1,
      'POST /session': 1,
      'POST /session/{sessionId}/run': 1,
      'DELETE /session/{sessionId}': 1,
    });
  });

  it('stderr comes back merged into stdout, as execd sessions do', async () => {
    const session = await sandbox.sessions.create();
    try {
      const result = await session.exec('echo out; echo err >&2');
      expect(result.stdout).toBe('out\nerr\n');
      expect(result.stderr).toBe('');
    } finally {
      await session.close();
    }
  });

  it('a missing cwd raises FileNotFoundError before any run', async () => {
    const session = await sandbox.sessions.create();
    try {
      expect(FileNotFoundError.isInstance(await rejection(() => session.exec('pwd', { cwd: '/no/such/dir' })))).toBe(true);
      expect(FileNotFoundError.isInstance(await rejection(() => sandbox.sessions.create({ cwd: '/no/such/dir' })))).toBe(true);
    } finally {
      await session.close();
    }
  });

  it('commands of one session run one at a time, in call order', async () => {
    const session = await sandbox.sessions.create();
    try {
      const [a, b] = await Promise.all([session.exec('sleep 0.3; echo first > /tmp/kode-order; echo a'), session.exec('cat /tmp/kode-order')]);
      expect(a.stdout).toBe('a\n');
      expect(b.stdout).toBe('first\n');
    } finally {
      await session.close();
    }
  });

  it('an aborted run rejects with the reason and the session goes on', async () => {
    const session = await sandbox.sessions.create();
    try {
      const controller = new AbortController();
      const running = session.exec('sleep 30', { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('stop')), 200);
      await expect(running).rejects.toThrow('stop');
      expect((await session.exec('echo after')).stdout).toBe('after\n');
    } finally {
      await session.close();
    }
  });

  it('a session deleted behind our back raises InvalidArgumentError; the sandbox is not taken for gone', async () => {
    const session = await sandbox.sessions.create();
    await sandbox.getClient().commands.deleteSession(session.id);
    expect(InvalidArgumentError.isInstance(await rejection(() => session.exec('true')))).toBe(true);
    expect((await sandbox.exec('echo still')).stdout).toBe('still\n');
    await session.close();
  });

  it('sessionCommand restores per-command env after the command and keeps its exit code', () => {
    expect(sessionCommand('true', undefined)).toBe('true');
    const script = sessionCommand('exit_code_here', { A: "it's" });
    expect(script).toContain(`export A='it'\\''s'`);
    expect(script.split('\n').at(-1)).toMatch(/^__kode_rc=\$\?; .*; \(exit \$__kode_rc\)$/);
  });
});

describe('endpoints', () => {
  it('direct routing: http://<host>:<port>/proxy/<port>, no headers needed', async () => {
    const endpoint = await sandbox.endpoints.get(8080);
    expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/proxy\/8080$/);
    expect(endpoint.headers).toEqual({});
  });

  it('a bad port is refused before any request', async () => {
    fixture.emulator.stats.reset();
    expect(InvalidArgumentError.isInstance(await rejection(() => sandbox.endpoints.get(0)))).toBe(true);
    expect(fixture.emulator.stats.total({ sandboxId: sandbox.getSandboxId() })).toBe(0);
  });
});

describe('pause and resume', () => {
  it('the emulator really freezes the sandbox: a clock process does not advance while paused', async () => {
    const own = new OpenSandbox(fixture.options());
    await own.init();
    try {
      const ticker = await own.processes.start('i=0; while true; do i=$((i+1)); echo $i > /tmp/kode-ticks; sleep 0.05; done');
      const read = async (): Promise<number> => Number((await own.fs.read('/tmp/kode-ticks').catch(() => '0')).trim() || '0');
      await expect.poll(read, { timeout: 10_000 }).toBeGreaterThan(2);
      const before = await read();
      await own.pause();
      const frozenAt = Date.now();
      expect(InvalidArgumentError.isInstance(await rejection(() => own.fs.read('/tmp/kode-ticks')))).toBe(true);
      // Let ~8 ticks' worth of wall time pass while paused (a bounded poll, not a sleep).
      await expect.poll(() => Date.now() - frozenAt, { timeout: 5_000, interval: 100 }).toBeGreaterThan(400);
      await own.resume();
      const afterResume = await read();
      await expect.poll(read, { timeout: 10_000 }).toBeGreaterThan(afterResume);
      // ~20 ticks a second when running: at most a tick or two slipped in around pause(), none during the 400+ ms pause.
      expect(afterResume).toBeLessThanOrEqual(before + 3);
      await own.processes.kill(ticker.id, 'SIGKILL');
    } finally {
      await own.dispose();
    }
  });
});
