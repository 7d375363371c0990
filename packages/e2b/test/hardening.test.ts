/**
 * E2B over long agent runs and faults, through the shared front: lifetime renewal, retries of
 * idempotent calls, a failed dispose that can be repeated, a gone sandbox raising
 * SandboxNotFoundError, and secrets that never print. Faults come from the emulator
 * (`injectFault`, `killSandbox`, real expiry).
 */
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startE2BEmulator, type E2BEmulator, type RecordedRequest } from '@kode/e2b-emulator';
import { E2BSandbox, SandboxError, SandboxNotFoundError, type E2BSandboxConfig, type WatchEvent } from '../src/index';

const ENV_SECRET = 'env-secret-value-9876543210';
/** Fast back-off so retried faults resolve within a test's budget. */
const FAST_RETRY = { initialDelayMs: 10, maxDelayMs: 50 };

let emulator: E2BEmulator;
const opened: E2BSandbox[] = [];

function config(extra: Partial<E2BSandboxConfig> = {}): E2BSandboxConfig {
  return { kind: 'e2b', apiKey: emulator.apiKey, apiUrl: emulator.apiUrl, sandboxUrl: emulator.sandboxUrl, retry: FAST_RETRY, ...extra };
}

async function started(extra: Partial<E2BSandboxConfig> = {}): Promise<E2BSandbox> {
  const sandbox = new E2BSandbox(config(extra));
  opened.push(sandbox);
  await sandbox.init();
  return sandbox;
}

function since(mark: number, filter: (r: RecordedRequest) => boolean = () => true): RecordedRequest[] {
  return emulator.requests.slice(mark).filter(filter);
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

beforeAll(async () => {
  emulator = await startE2BEmulator();
}, 60_000);
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.dispose().catch(() => undefined)));
});
afterAll(async () => {
  await emulator?.close();
});

describe('retries of idempotent calls', () => {
  it('one 503 on a file download is retried and fs.read succeeds', async () => {
    const sandbox = await started();
    await sandbox.fs.write('r.txt', 'retried');
    const mark = emulator.requests.length;
    emulator.injectFault({ plane: 'envd', match: /^GET \/files$/, status: 503, body: { code: 503, message: 'busy' } });
    expect(await sandbox.fs.read('r.txt')).toBe('retried');
    expect(since(mark, (r) => r.method === 'GET' && r.path === '/files').map((r) => r.status ?? 200)).toEqual([503, 200]);
  });

  it('a 503 that lasts surfaces as a retryable BackendError with its status after the bounded attempts', async () => {
    const sandbox = await started({ retry: { ...FAST_RETRY, attempts: 3 } });
    await sandbox.fs.write('r.txt', 'x');
    const mark = emulator.requests.length;
    emulator.injectFault({ plane: 'envd', match: /^GET \/files$/, status: 503, times: 3 });
    const error = await rejection(() => sandbox.fs.read('r.txt'));
    expect(error).toMatchObject({ code: 'BACKEND_ERROR', retryable: true, status: 503 });
    expect(since(mark, (r) => r.method === 'GET' && r.path === '/files')).toHaveLength(3);
  });

  it('retry: false sends an idempotent call once', async () => {
    const sandbox = await started({ retry: false });
    await sandbox.fs.write('r.txt', 'x');
    const mark = emulator.requests.length;
    emulator.injectFault({ plane: 'envd', match: /^GET \/files$/, status: 503 });
    expect(await rejection(() => sandbox.fs.read('r.txt'))).toMatchObject({ retryable: true, status: 503 });
    expect(since(mark, (r) => r.method === 'GET' && r.path === '/files')).toHaveLength(1);
  });

  it('never retries exec: one failed start is one request', async () => {
    const sandbox = await started();
    const mark = emulator.requests.length;
    emulator.injectFault({ plane: 'envd', match: /^POST \/process\.Process\/Start$/, status: 503 });
    await rejection(() => sandbox.exec('echo once >> ran.txt'));
    expect(since(mark, (r) => r.path === '/process.Process/Start')).toHaveLength(1);
    expect(await sandbox.fs.exists('ran.txt')).toBe(false);
  });
});

describe('dispose', () => {
  it('one 503 on the delete is retried and the sandbox is gone', async () => {
    const sandbox = await started();
    const id = sandbox.getSandboxId();
    const mark = emulator.requests.length;
    emulator.injectFault({ plane: 'api', match: new RegExp(`^DELETE /sandboxes/${id}$`), status: 503 });
    await sandbox.dispose();
    expect(since(mark, (r) => r.method === 'DELETE').map((r) => r.status)).toEqual([503, 204]);
    expect(emulator.sandboxes().some((s) => s.sandboxId === id)).toBe(false);
  });

  it('a failed dispose can be called again and sends the delete again', async () => {
    const sandbox = await started({ retry: { ...FAST_RETRY, attempts: 2 } });
    const id = sandbox.getSandboxId();
    const mark = emulator.requests.length;
    emulator.injectFault({ plane: 'api', match: new RegExp(`^DELETE /sandboxes/${id}$`), status: 503, times: 2 });
    expect(await rejection(() => sandbox.dispose())).toMatchObject({ code: 'BACKEND_ERROR', retryable: true, status: 503 });
    expect(emulator.sandboxes().some((s) => s.sandboxId === id)).toBe(true);
    await sandbox.dispose();
    expect(since(mark, (r) => r.method === 'DELETE')).toHaveLength(3);
    expect(emulator.sandboxes().some((s) => s.sandboxId === id)).toBe(false);
  });
});

describe('a sandbox that is gone', () => {
  it('raises SandboxNotFoundError (not retryable, hint naming timeoutMs) within two extra requests, then without any', async () => {
    const sandbox = await started();
    await emulator.killSandbox(sandbox.getSandboxId());
    const mark = emulator.requests.length;
    const error = await rejection(() => sandbox.fs.stat('.'));
    expect(SandboxNotFoundError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'SANDBOX_NOT_FOUND', retryable: false });
    expect(error.hint).toMatch(/timeoutMs/);
    expect(since(mark).length).toBeLessThanOrEqual(3);
    const again = emulator.requests.length;
    expect(SandboxNotFoundError.isInstance(await rejection(() => sandbox.exec('true')))).toBe(true);
    expect(since(again)).toEqual([]);
  });

  it('a polling watch on it calls onError with SandboxNotFoundError', async () => {
    const sandbox = await started({ watch: { mode: 'polling', pollIntervalMs: 100 } });
    const errors: Error[] = [];
    const events: WatchEvent[] = [];
    await sandbox.watchFiles(['.'], (event) => events.push(event), { onError: (error) => errors.push(error) });
    await emulator.killSandbox(sandbox.getSandboxId());
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), { timeout: 5_000, interval: 50 });
    expect(errors).toHaveLength(1);
    expect(SandboxNotFoundError.isInstance(errors[0])).toBe(true);
    // The sandbox is known to be gone: the next call fails without a request.
    const settled = emulator.requests.length;
    expect(SandboxNotFoundError.isInstance(await rejection(() => sandbox.fs.stat('.')))).toBe(true);
    expect(since(settled)).toEqual([]);
  });
});

describe('lifetime', () => {
  it('a command longer than the lifetime finishes: work in progress renews through the timeout API', async () => {
    const sandbox = await started({ timeoutMs: 2_000 });
    const mark = emulator.requests.length;
    const result = await sandbox.exec('sleep 3.5; echo done');
    expect(result).toMatchObject({ code: 0, stdout: 'done\n' });
    const renewals = since(mark, (r) => r.method === 'POST' && r.path === `/sandboxes/${sandbox.getSandboxId()}/timeout`);
    expect(renewals.length).toBeGreaterThanOrEqual(2);
    expect(renewals[0]!.body).toEqual({ timeout: 2 });
  });

  it('an idle sandbox is not renewed and expires within its timeoutMs', async () => {
    const sandbox = await started({ timeoutMs: 1_000 });
    const id = sandbox.getSandboxId();
    await vi.waitFor(() => expect(emulator.sandboxes().some((s) => s.sandboxId === id)).toBe(false), { timeout: 5_000, interval: 100 });
    expect(emulator.requests.some((r) => r.path === `/sandboxes/${id}/timeout`)).toBe(false);
  });

  it('lifecycle.autoRenew: false sends no renewal, renew() sends one', async () => {
    const sandbox = await started({ timeoutMs: 2_000, lifecycle: { autoRenew: false } });
    const path = `/sandboxes/${sandbox.getSandboxId()}/timeout`;
    const mark = emulator.requests.length;
    expect((await sandbox.exec('sleep 1.5; echo ok')).stdout).toBe('ok\n');
    expect(since(mark, (r) => r.path === path)).toEqual([]);
    await sandbox.renew(60_000);
    expect(since(mark, (r) => r.path === path).map((r) => r.body)).toEqual([{ timeout: 60 }]);
    expect(sandbox.capabilities.lifecycle.renew).toBe(true);
  });
});

describe('secrets never printed', () => {
  it('util.inspect, JSON.stringify and String of a sandbox show no API key and no env value', async () => {
    const sandbox = await started({ envs: { TOKEN: ENV_SECRET } });
    for (const printed of [inspect(sandbox, { depth: 10, showHidden: true }), JSON.stringify(sandbox), `${inspect(sandbox)}`, inspect(sandbox.toConfig(), { depth: 10 })]) {
      expect(printed).not.toContain(emulator.apiKey);
      expect(printed).not.toContain(ENV_SECRET);
    }
    expect(JSON.parse(JSON.stringify(sandbox))).toMatchObject({ kind: 'e2b', sandboxId: sandbox.getSandboxId() });
  });

  it('an env value that reaches an error message is redacted there, in the stack and in the cause chain', async () => {
    const sandbox = await started({ envs: { TOKEN: ENV_SECRET } });
    // The path (the caller's own argument, kept in `error.path`) carries the value into envd's message.
    const error = await rejection(() => sandbox.fs.read(`/no/such/${ENV_SECRET}`));
    expect(error.code).toBe('FILE_NOT_FOUND');
    for (const printed of [error.message, error.stack ?? '', error.hint ?? '', inspect(error.cause, { depth: 10 })]) expect(printed).not.toContain(ENV_SECRET);
    expect(error.message).toContain('[redacted]');
  });

  it('a rejected key never appears in the error or its cause', async () => {
    const wrongKey = 'e2b_wrong_key_0123456789abcdef';
    const sandbox = new E2BSandbox(config({ apiKey: wrongKey }));
    const error = await rejection(() => sandbox.init());
    expect(error.code).toBe('AUTHENTICATION_FAILED');
    expect(inspect(error, { depth: 10 })).not.toContain(wrongKey);
    expect(JSON.stringify(error)).not.toContain(wrongKey);
    expect(inspect(sandbox, { depth: 10 })).not.toContain(wrongKey);
  });
});
