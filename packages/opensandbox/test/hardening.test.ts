import { inspect } from 'node:util';
import { SandboxManager, ConnectionConfig } from '@alibaba-group/opensandbox';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BackendError,
  DisposedError,
  FileNotFoundError,
  InvalidArgumentError,
  MAX_COMMAND_BYTES,
  OpenSandbox,
  SandboxError,
  SandboxNotFoundError,
  type WatchEvent,
} from '../src/index';
import { useEmulator } from './emulator-harness';

const API_KEY = 'kode-hardening-key-0123456789';
const ENV_SECRET = 'env-secret-value-9876543210';
const fixture = useEmulator({ apiKey: API_KEY });

const opened: OpenSandbox[] = [];
async function started(extra: Partial<ConstructorParameters<typeof OpenSandbox>[0]> = {}): Promise<OpenSandbox> {
  const sandbox = new OpenSandbox(fixture.options(extra));
  opened.push(sandbox);
  await sandbox.init();
  return sandbox;
}

async function rejection(call: () => Promise<unknown>): Promise<SandboxError> {
  try {
    await call();
  } catch (error) {
    expect(SandboxError.isInstance(error), String(error)).toBe(true);
    return error as SandboxError;
  }
  throw new Error('expected a rejection');
}

async function serverKnows(sandboxId: string): Promise<boolean> {
  const manager = SandboxManager.create({ connectionConfig: new ConnectionConfig({ domain: fixture.emulator.url, apiKey: API_KEY }) });
  try {
    await manager.getSandboxInfo(sandboxId);
    return true;
  } catch {
    return false;
  } finally {
    await manager.close();
  }
}

afterEach(async () => {
  fixture.emulator.faults.clear();
  await Promise.all(opened.splice(0).map((s) => s.dispose().catch(() => undefined)));
});

describe('retries of idempotent calls', () => {
  it('one 503 on a download is retried and fs.read succeeds', async () => {
    const sandbox = await started();
    await sandbox.fs.write('r.txt', 'retried');
    fixture.emulator.stats.reset();
    fixture.emulator.faults.add({ kind: 'error', route: 'GET /files/download', status: 503, times: 1 });
    expect(await sandbox.fs.read('r.txt')).toBe('retried');
    expect(fixture.emulator.stats.count('GET /files/download')).toBe(2);
  });

  it('with retry: false the 503 surfaces at once, with its status, marked retryable', async () => {
    const sandbox = await started({ retry: false });
    await sandbox.fs.write('r.txt', 'x');
    fixture.emulator.stats.reset();
    fixture.emulator.faults.add({ kind: 'error', route: 'GET /files/download', status: 503, times: 1 });
    const error = await rejection(() => sandbox.fs.read('r.txt'));
    expect(error.status).toBe(503);
    expect(error.retryable).toBe(true);
    expect(fixture.emulator.stats.count('GET /files/download')).toBe(1);
  });

  it('429 keeps its status and Retry-After, and the retry waits for it', async () => {
    const sandbox = await started({ retry: { attempts: 2, maxDelayMs: 5_000 } });
    await sandbox.fs.write('r.txt', 'x');
    fixture.emulator.faults.add({ kind: 'error', route: 'GET /files/info', status: 429, retryAfter: '1', times: 1 });
    const started429 = Date.now();
    expect((await sandbox.fs.stat('r.txt')).type).toBe('file');
    expect(Date.now() - started429).toBeGreaterThanOrEqual(900);

    fixture.emulator.faults.add({ kind: 'error', route: 'GET /files/info', status: 429, retryAfter: '2' });
    const error = await rejection(() => sandbox.fs.stat('r.txt'));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(2_000);
  });

  it('502 keeps its status in the mapped error', async () => {
    const sandbox = await started({ retry: false });
    fixture.emulator.faults.add({ kind: 'error', route: 'GET /files/info', status: 502, times: 1 });
    const error = await rejection(() => sandbox.fs.stat('anything'));
    expect(error.status).toBe(502);
    expect(error.retryable).toBe(true);
  });

  it('exec is never retried', async () => {
    const sandbox = await started();
    fixture.emulator.stats.reset();
    fixture.emulator.faults.add({ kind: 'error', route: 'POST /command', status: 503, times: 1 });
    const error = await rejection(() => sandbox.exec('echo once'));
    expect(error.status).toBe(503);
    expect(fixture.emulator.stats.count('POST /command')).toBe(1);
  });
});

describe('dispose', () => {
  it('one 503 on the delete is retried: the sandbox is gone after one dispose()', async () => {
    const sandbox = await started();
    const id = sandbox.getSandboxId();
    fixture.emulator.faults.add({ kind: 'error', route: 'DELETE /sandboxes/{sandboxId}', status: 503, times: 1 });
    await sandbox.dispose();
    expect(await serverKnows(id)).toBe(false);
  });

  it('a dispose() that failed can be called again and sends the delete again', async () => {
    const sandbox = await started({ retry: false });
    const id = sandbox.getSandboxId();
    fixture.emulator.faults.add({ kind: 'error', route: 'DELETE /sandboxes/{sandboxId}', status: 500 });
    const error = await rejection(() => sandbox.dispose());
    expect(error.status).toBe(500);
    expect(await serverKnows(id)).toBe(true);
    fixture.emulator.faults.clear();
    await sandbox.dispose();
    expect(await serverKnows(id)).toBe(false);
    await expect(sandbox.exec('true')).rejects.toSatisfy((e) => DisposedError.isInstance(e));
  });

  it('dispose() during a running exec rejects that exec with DisposedError', async () => {
    const sandbox = await started();
    // The handler is attached at once: exec may reject while dispose() is still being awaited.
    const running = sandbox.exec('sleep 30').catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sandbox.dispose();
    expect(DisposedError.isInstance(await running)).toBe(true);
  });
});

describe('a sandbox that is gone', () => {
  it('raises SandboxNotFoundError (not retryable, hint naming expiry) for exec and fs, and stops its watch', async () => {
    const sandbox = await started({ watch: { mode: 'polling', pollIntervalMs: 100 } });
    const errors: Error[] = [];
    const events: WatchEvent[] = [];
    await sandbox.watchFiles(['.'], (event) => events.push(event), { onError: (error) => errors.push(error) });
    const other = new OpenSandbox(fixture.options({ sandboxId: sandbox.getSandboxId() }));
    await other.init();
    await other.dispose(); // killed elsewhere
    const execError = await rejection(() => sandbox.exec('echo hi'));
    expect(SandboxNotFoundError.isInstance(execError)).toBe(true);
    expect(execError.retryable).toBe(false);
    expect(execError.hint).toMatch(/timeoutMs/);
    const readError = await rejection(() => sandbox.fs.read('x'));
    expect(readError.code).toBe('SANDBOX_NOT_FOUND');
    await expect.poll(() => errors.length, { timeout: 10_000 }).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(errors).toHaveLength(1);
    expect((errors[0] as SandboxError).code).toBe('SANDBOX_NOT_FOUND');
  });

  it('renew() extends the lifetime on the server', async () => {
    const sandbox = await started({ timeoutMs: 60_000 });
    const before = (await sandbox.getClient().getInfo()).expiresAt?.getTime() ?? 0;
    await sandbox.renew(3_600_000);
    const after = (await sandbox.getClient().getInfo()).expiresAt?.getTime() ?? 0;
    expect(after - before).toBeGreaterThan(3_000_000);
    await expect(sandbox.renew(10)).rejects.toSatisfy((e) => InvalidArgumentError.isInstance(e));
  });
});

describe('secrets never printed', () => {
  it('inspect, JSON.stringify and String of a sandbox show no API key or env value', async () => {
    const sandbox = await started({ env: { TOKEN: ENV_SECRET } });
    for (const text of [inspect(sandbox, { depth: 10, showHidden: true }), JSON.stringify(sandbox), `${inspect(sandbox)}`, inspect(sandbox.fs, { depth: 10 }), inspect(sandbox.processes, { depth: 10 })]) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain(ENV_SECRET);
    }
    expect(JSON.stringify(sandbox)).toContain(sandbox.getSandboxId());
  });

  it('an error and its cause chain print no key', async () => {
    const wrong = `${API_KEY}-rejected`;
    const sandbox = new OpenSandbox(fixture.options({ apiKey: wrong }));
    const error = await rejection(() => sandbox.init());
    const printed = inspect(error, { depth: 10, showHidden: true });
    expect(printed).not.toContain(wrong);
    expect(printed).not.toContain(API_KEY);
  });
});

describe('bounds', () => {
  it('time options past the timer limit are refused, naming the option', () => {
    const month = 30 * 24 * 3600 * 1000;
    expect(() => new OpenSandbox(fixture.options({ execTimeoutMs: month }))).toThrow(/execTimeoutMs/);
    expect(() => new OpenSandbox(fixture.options({ requestTimeoutSeconds: 3e6 }))).toThrow(/requestTimeoutSeconds/);
    expect(() => new OpenSandbox(fixture.options({ watch: { pollIntervalMs: 3e9 } }))).toThrow(/pollIntervalMs/);
  });

  it('exec and process arguments are checked up front', async () => {
    const sandbox = await started();
    const month = 30 * 24 * 3600 * 1000;
    for (const call of [
      () => sandbox.exec('echo a\0b'),
      () => sandbox.exec('x'.repeat(MAX_COMMAND_BYTES + 1)),
      () => sandbox.exec(''),
      () => sandbox.exec('true', { timeoutMs: month }),
      () => sandbox.exec('true', { timeout: 5 } as never),
      () => sandbox.exec('true', { env: { 'A=B': '1' } }),
      () => sandbox.processes.wait('x', { timeoutMs: 3e9 }),
    ]) {
      expect(InvalidArgumentError.isInstance(await call().catch((e: unknown) => e))).toBe(true);
    }
  });

  it('one enormous output line is cut while it streams: truncated, O(cap) memory', async () => {
    const sandbox = await started();
    const result = await sandbox.exec(`head -c 20000000 /dev/zero | tr '\\0' b; echo; echo after`, { maxOutputBytes: 1024 });
    expect(result.truncated).toBe(true);
    expect(result.stdout).toBe('b'.repeat(1024));
    expect(result.code).toBe(0);
  });
});

describe('errors by cause', () => {
  it('a cut stream is a BackendError that is not retryable (the command may have run)', async () => {
    const sandbox = await started();
    fixture.emulator.faults.add({ kind: 'cut-stream', afterEvents: 1, times: 1 });
    const error = await rejection(() => sandbox.exec('echo one; sleep 1; echo two'));
    expect(BackendError.isInstance(error)).toBe(true);
    expect(error.retryable).toBe(false);
  });

  it('a missing cwd is FileNotFoundError', async () => {
    const sandbox = await started();
    const error = await rejection(() => sandbox.exec('pwd', { cwd: '/no/such/dir' }));
    expect(FileNotFoundError.isInstance(error)).toBe(true);
  });

  it('fs.read of a directory is InvalidArgumentError', async () => {
    const sandbox = await started();
    await sandbox.fs.mkdir('d');
    expect(InvalidArgumentError.isInstance(await sandbox.fs.read('d').catch((e: unknown) => e))).toBe(true);
  });
});
