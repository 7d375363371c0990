/**
 * Finding and cleaning up E2B sandboxes on the emulator: creator metadata on create (not on
 * restore), `E2BSandbox.list` (filters, every page, entry shape), `E2BSandbox.kill`, and their errors.
 */
import { AuthenticationFailedError, ConnectionFailedError, InvalidArgumentError } from '@kode/core';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../package.json';
import { CREATOR_SDK, E2BSandbox, type E2BSandboxConfig } from '../src/index';
import { startE2BEmulator, type E2BEmulator } from '@kode/e2b-emulator';

let emulator: E2BEmulator;
const live: E2BSandbox[] = [];

const connection = () => ({ apiKey: emulator.apiKey, apiUrl: emulator.apiUrl });

async function started(extra: Partial<E2BSandboxConfig> = {}): Promise<E2BSandbox> {
  const sandbox = new E2BSandbox({ kind: 'e2b', ...connection(), sandboxUrl: emulator.sandboxUrl, ...extra });
  live.push(sandbox);
  await sandbox.init();
  return sandbox;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  emulator = await startE2BEmulator();
});
afterAll(async () => {
  await Promise.all(live.map((s) => s.dispose().catch(() => undefined)));
  await emulator?.close();
});

describe('creator metadata', () => {
  it('labels every created sandbox kode.sdk=kode-e2b and kode.version, under the user metadata', async () => {
    const plain = await started();
    const tagged = await started({ metadata: { owner: 'me', 'kode.sdk': 'my-tool' } });
    const byId = new Map(emulator.sandboxes().map((s) => [s.sandboxId, s.metadata]));
    expect(byId.get(plain.getSandboxId())).toEqual({ 'kode.sdk': CREATOR_SDK, 'kode.version': packageJson.version });
    expect(byId.get(tagged.getSandboxId())).toEqual({ 'kode.sdk': 'my-tool', 'kode.version': packageJson.version, owner: 'me' });
  });

  it('sends no metadata when restoring by sandboxId', async () => {
    const original = await started({ metadata: { restore: 'yes' }, lifecycle: { disposeAction: 'close' } });
    const mark = emulator.requests.length;
    const restored = await started({ sandboxId: original.getSandboxId() });
    const connect = emulator.requests.slice(mark).find((r) => r.path.endsWith('/connect'));
    expect(connect?.body).toEqual({ timeout: 300 });
    expect(emulator.sandboxes().find((s) => s.sandboxId === restored.getSandboxId())?.metadata).toEqual({ restore: 'yes', 'kode.sdk': CREATOR_SDK, 'kode.version': packageJson.version });
  });
});

describe('E2BSandbox.list', () => {
  it('lists by metadata and state with the entry shape of OpenSandbox.list', async () => {
    const tag = `list${Date.now().toString(36)}`;
    const sandbox = await started({ metadata: { tag }, template: 'base' });
    const entries = await E2BSandbox.list({ ...connection(), metadata: { tag } });
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(Object.keys(entry!).sort()).toEqual(['createdAt', 'expiresAt', 'image', 'metadata', 'sandboxId', 'state']);
    expect(entry).toMatchObject({ sandboxId: sandbox.getSandboxId(), state: 'running', image: 'base', metadata: { tag, 'kode.sdk': CREATOR_SDK } });
    expect(entry!.createdAt).toBeInstanceOf(Date);
    expect(entry!.expiresAt!.getTime()).toBeGreaterThan(entry!.createdAt.getTime());
    expect(await E2BSandbox.list({ ...connection(), metadata: { tag }, states: ['running'] })).toHaveLength(1);
    expect(await E2BSandbox.list({ ...connection(), metadata: { tag }, states: ['paused'] })).toEqual([]);
    expect(await E2BSandbox.list({ ...connection(), metadata: { tag: 'no-such-tag' } })).toEqual([]);
  });

  it('reads every page, asking 100 per request', async () => {
    const small = await startE2BEmulator({ listPageSize: 2 });
    try {
      const tag = `pages${Date.now().toString(36)}`;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await small.startSandbox({ metadata: { tag } })).sandboxId);
      const entries = await E2BSandbox.list({ apiKey: small.apiKey, apiUrl: small.apiUrl, metadata: { tag } });
      expect(entries.map((e) => e.sandboxId).sort()).toEqual(ids.sort());
      const pages = small.requests.filter((r) => r.method === 'GET' && r.path === '/v2/sandboxes');
      expect(pages.map((r) => r.query.limit)).toEqual(['100', '100', '100']);
      expect(pages.map((r) => r.query.nextToken === undefined)).toEqual([true, false, false]);
    } finally {
      await small.close();
    }
  });

  it('refuses unknown and bad options before any request', async () => {
    const mark = emulator.requests.length;
    await expect(E2BSandbox.list({ ...connection(), endpoint: 'x' } as never)).rejects.toThrow(/E2BSandbox\.list option `endpoint` is not an E2BSandbox\.list option\. Known options: apiKey, domain, apiUrl/);
    await expect(E2BSandbox.list({ ...connection(), states: ['Running' as 'running'] })).rejects.toThrow(InvalidArgumentError);
    await expect(E2BSandbox.list({ ...connection(), apiUrl: 'ftp://x' })).rejects.toThrow(/apiUrl/);
    await expect(E2BSandbox.list({ ...connection(), metadata: { '': 'x' } })).rejects.toThrow(/metadata/);
    expect(emulator.requests.length).toBe(mark);
  });

  it('maps a wrong or missing key to AuthenticationFailedError without the key in the message', async () => {
    const error = await E2BSandbox.list({ apiUrl: emulator.apiUrl, apiKey: 'e2b_wrong_secret_key' }).catch((e: unknown) => e);
    expect(AuthenticationFailedError.isInstance(error)).toBe(true);
    expect(String((error as Error).message)).not.toContain('e2b_wrong_secret_key');
    const saved = process.env.E2B_API_KEY;
    delete process.env.E2B_API_KEY;
    try {
      await expect(E2BSandbox.list({ apiUrl: emulator.apiUrl })).rejects.toBeInstanceOf(AuthenticationFailedError);
    } finally {
      if (saved !== undefined) process.env.E2B_API_KEY = saved;
    }
  });

  it('maps an unreachable API to ConnectionFailedError', async () => {
    const error = await E2BSandbox.list({ apiKey: 'e2b_unreachable_key', apiUrl: `http://127.0.0.1:${await closedPort()}` }).catch((e: unknown) => e);
    expect(ConnectionFailedError.isInstance(error)).toBe(true);
    expect(String((error as Error).message)).not.toContain('e2b_unreachable_key');
  });
});

describe('E2BSandbox.kill', () => {
  it('kills by id, and answers false for a sandbox already gone', async () => {
    const { sandboxId } = await emulator.startSandbox({});
    expect(await E2BSandbox.kill({ ...connection(), sandboxId })).toBe(true);
    expect(emulator.sandboxes().some((s) => s.sandboxId === sandboxId)).toBe(false);
    expect(await E2BSandbox.kill({ ...connection(), sandboxId })).toBe(false);
    await expect(E2BSandbox.kill({ ...connection(), sandboxId: '' })).rejects.toThrow(InvalidArgumentError);
    await expect(E2BSandbox.kill({ apiUrl: emulator.apiUrl, apiKey: 'e2b_wrong', sandboxId })).rejects.toBeInstanceOf(AuthenticationFailedError);
  });
});
