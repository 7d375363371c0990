/**
 * Finding and cleaning up E2B sandboxes on the emulator: creator metadata on create (not on
 * restore), `E2BSandbox.list` (filters, every page, entry shape), `E2BSandbox.kill`, and their errors.
 */
import { AuthenticationFailedError, ConnectionFailedError, InvalidArgumentError } from '@kode/core';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useE2BEmulator } from './support/emulator-harness';
import packageJson from '../package.json';
import { CREATOR_SDK, E2BSandbox } from '../src/index';
import { startE2BEmulator } from '@kode/e2b-emulator';

const e2b = useE2BEmulator();
const { started } = e2b;
const connection = () => ({ apiKey: e2b.emulator.apiKey, apiUrl: e2b.emulator.apiUrl });

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('creator metadata', () => {
  it('labels every created sandbox kode.sdk=kode-e2b and kode.version, under the user metadata', async () => {
    const plain = await started();
    const tagged = await started({ metadata: { owner: 'me', 'kode.sdk': 'my-tool' } });
    const byId = new Map(e2b.emulator.sandboxes().map((s) => [s.sandboxId, s.metadata]));
    expect(byId.get(plain.getSandboxId())).toEqual({ 'kode.sdk': CREATOR_SDK, 'kode.version': packageJson.version });
    expect(byId.get(tagged.getSandboxId())).toEqual({ 'kode.sdk': 'my-tool', 'kode.version': packageJson.version, owner: 'me' });
  });

  it('sends no metadata when restoring by sandboxId', async () => {
    const original = await started({ metadata: { restore: 'yes' }, lifecycle: { disposeAction: 'close' } });
    const mark = e2b.emulator.requests.length;
    const restored = await started({ sandboxId: original.getSandboxId() });
    const connect = e2b.emulator.requests.slice(mark).find((r) => r.path.endsWith('/connect'));
    expect(connect?.body).toEqual({ timeout: 300 });
    expect(e2b.emulator.sandboxes().find((s) => s.sandboxId === restored.getSandboxId())?.metadata).toEqual({ restore: 'yes', 'kode.sdk': CREATOR_SDK, 'kode.version': packageJson.version });
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
    const mark = e2b.emulator.requests.length;
    await expect(E2BSandbox.list({ ...connection(), endpoint: 'x' } as never)).rejects.toThrow(/E2BSandbox\.list option `endpoint` is not an E2BSandbox\.list option\. Known options: apiKey, domain, apiUrl/);
    await expect(E2BSandbox.list({ ...connection(), states: ['Running' as 'running'] })).rejects.toThrow(InvalidArgumentError);
    await expect(E2BSandbox.list({ ...connection(), apiUrl: 'ftp://x' })).rejects.toThrow(/apiUrl/);
    await expect(E2BSandbox.list({ ...connection(), metadata: { '': 'x' } })).rejects.toThrow(/metadata/);
    expect(e2b.emulator.requests.length).toBe(mark);
  });

  it('maps a wrong or missing key to AuthenticationFailedError without the key in the message', async () => {
    const error = await E2BSandbox.list({ apiUrl: e2b.emulator.apiUrl, apiKey: 'e2b_wrong_secret_key' }).catch((e: unknown) => e);
    expect(AuthenticationFailedError.isInstance(error)).toBe(true);
    expect(String((error as Error).message)).not.toContain('e2b_wrong_secret_key');
    const saved = process.env.E2B_API_KEY;
    delete process.env.E2B_API_KEY;
    try {
      await expect(E2BSandbox.list({ apiUrl: e2b.emulator.apiUrl })).rejects.toBeInstanceOf(AuthenticationFailedError);
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
    const { sandboxId } = await e2b.emulator.startSandbox({});
    expect(await E2BSandbox.kill({ ...connection(), sandboxId })).toBe(true);
    expect(e2b.emulator.sandboxes().some((s) => s.sandboxId === sandboxId)).toBe(false);
    expect(await E2BSandbox.kill({ ...connection(), sandboxId })).toBe(false);
    await expect(E2BSandbox.kill({ ...connection(), sandboxId: '' })).rejects.toThrow(InvalidArgumentError);
    await expect(E2BSandbox.kill({ apiUrl: e2b.emulator.apiUrl, apiKey: 'e2b_wrong', sandboxId })).rejects.toBeInstanceOf(AuthenticationFailedError);
  });
});
