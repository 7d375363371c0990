// Every fault, the admin API, request stats and expiry.
import { ConnectionConfig, Sandbox, SandboxApiException, SandboxReadyTimeoutException } from '@alibaba-group/opensandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isProcessAlive } from '@kode/isolation';
import { startEmulator, type EmulatorHandle } from '../src/index';

describe('fault injection', () => {
  let emu: EmulatorHandle;
  let config: ConnectionConfig;
  let sbx: Sandbox;

  beforeAll(async () => {
    emu = await startEmulator();
    config = new ConnectionConfig({ domain: emu.domain });
    sbx = await Sandbox.create({ image: 'ubuntu', connectionConfig: config });
  });
  afterEach(() => {
    emu.faults.clear();
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('latency delays the chosen route only', async () => {
    emu.faults.add({ kind: 'latency', route: 'POST /command', ms: 600 });
    let started = Date.now();
    await sbx.commands.run('true');
    expect(Date.now() - started).toBeGreaterThanOrEqual(590);
    started = Date.now();
    await sbx.files.getFileInfo(['/tmp']);
    expect(Date.now() - started).toBeLessThan(590);
  });

  it('latency on a lifecycle route', async () => {
    const id = emu.faults.add({ kind: 'latency', route: 'GET /sandboxes/{sandboxId}', ms: 500, times: 1 });
    const started = Date.now();
    await sbx.getInfo();
    expect(Date.now() - started).toBeGreaterThanOrEqual(490);
    const again = Date.now();
    await sbx.getInfo();
    expect(Date.now() - again).toBeLessThan(490);
    expect(emu.faults.list().find((f) => f.id === id)).toMatchObject({ hits: 1, exhausted: true });
  });

  it('error for a count of calls, then recovery', async () => {
    const id = emu.faults.add({ kind: 'error', route: 'GET /files/info', status: 503, times: 2 });
    for (let i = 0; i < 2; i++) {
      const err = await sbx.files.getFileInfo(['/tmp']).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SandboxApiException);
      expect((err as SandboxApiException).statusCode).toBe(503);
      expect((err as SandboxApiException).error.code).toBe('RUNTIME_ERROR');
    }
    await expect(sbx.files.getFileInfo(['/tmp'])).resolves.toHaveProperty('/tmp');
    expect(emu.faults.list().find((f) => f.id === id)).toMatchObject({ hits: 2, exhausted: true });
  });

  it('error for a share of calls is deterministic (rate 0.5 fails every second call), after N', async () => {
    emu.faults.add({ kind: 'error', route: 'GET /ping', status: 500, rate: 0.5, after: 1 });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await sbx.isHealthy());
    expect(results).toEqual([true, true, false, true, false]);
  });

  it('error on a lifecycle route with a custom code', async () => {
    emu.faults.add({ kind: 'error', route: 'POST /sandboxes', status: 500, code: 'DOCKER::SANDBOX_START_FAILED', message: 'boom', times: 1 });
    const err = await Sandbox.create({ image: 'ubuntu', connectionConfig: config }).catch((e: unknown) => e);
    expect(err).toMatchObject({ statusCode: 500, error: { code: 'DOCKER::SANDBOX_START_FAILED', message: 'boom' } });
  });

  it('cut-stream drops the command stream after N events', async () => {
    emu.faults.add({ kind: 'cut-stream', afterEvents: 2, times: 1 });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const ev of sbx.commands.runStream('echo a; sleep 0.2; echo b')) seen.push(ev.type ?? '');
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(seen).toEqual(['init', 'ping']);
    // the next stream is whole again
    expect((await sbx.commands.run('echo whole')).logs.stdout[0]?.text).toBe('whole');
  });

  it('execd-never-ready ends in the client ready timeout (and the client deletes the sandbox)', async () => {
    emu.faults.add({ kind: 'execd-never-ready', times: 1 });
    const err = await Sandbox.create({ image: 'ubuntu', connectionConfig: config, readyTimeoutSeconds: 0.5, healthCheckPollingInterval: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxReadyTimeoutException);
    await vi.waitFor(() => expect(emu.sandboxIds()).toEqual([sbx.id]), { timeout: 5000 });
  });

  it('execd-start-failure fails create with 503', async () => {
    emu.faults.add({ kind: 'execd-start-failure', times: 1 });
    const err = await Sandbox.create({ image: 'ubuntu', connectionConfig: config }).catch((e: unknown) => e);
    expect(err).toMatchObject({ statusCode: 503, error: { code: 'DOCKER::SANDBOX_EXECD_START_FAILED' } });
    expect(emu.sandboxIds()).toEqual([sbx.id]);
  });

  it('image-pull-failure refuses a known image', async () => {
    emu.faults.add({ kind: 'image-pull-failure', image: 'debian:12' });
    await expect(Sandbox.create({ image: 'debian:12', connectionConfig: config })).rejects.toMatchObject({ statusCode: 500, error: { code: 'DOCKER::SANDBOX_IMAGE_PULL_FAILED' } });
    const other = await Sandbox.create({ image: 'debian:11', connectionConfig: config });
    await other.kill();
    await other.close();
  });

  it('faults can be scoped to one sandbox', async () => {
    const other = await Sandbox.create({ image: 'ubuntu', connectionConfig: config });
    emu.faults.add({ kind: 'error', route: '*', status: 502, sandboxId: other.id });
    expect(await other.isHealthy()).toBe(false);
    expect(await sbx.isHealthy()).toBe(true);
    emu.faults.clear();
    await other.kill();
    await other.close();
  });

  it('the admin endpoint manages faults and stats over HTTP', async () => {
    const add = await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'error', route: 'GET /metrics', status: 504 }) });
    expect(add.status).toBe(201);
    const { id } = (await add.json()) as { id: string };
    expect(((await (await fetch(`${emu.url}/_emulator/faults`)).json()) as { id: string }[]).map((f) => f.id)).toEqual([id]);
    await expect(sbx.getMetrics()).rejects.toMatchObject({ statusCode: 504 });
    expect((await fetch(`${emu.url}/_emulator/faults/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${emu.url}/_emulator/faults/${id}`, { method: 'DELETE' })).status).toBe(404);
    const bad = await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'nope' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('EMULATOR::INVALID_FAULT');

    expect((await fetch(`${emu.url}/_emulator/stats`, { method: 'DELETE' })).status).toBe(204);
    await sbx.commands.run('true');
    await sbx.files.search({ path: '/tmp', pattern: '*' });
    const stats = (await (await fetch(`${emu.url}/_emulator/stats`)).json()) as { total: number; routes: Record<string, number> };
    expect(stats).toEqual({ total: 2, routes: { 'GET /files/search': 1, 'POST /command': 1 } });
    const sandboxes = (await (await fetch(`${emu.url}/_emulator/sandboxes`)).json()) as { id: string; pid: number }[];
    expect(sandboxes.map((s) => s.id)).toEqual([sbx.id]);
  });

  it('stats count each route once per call, whatever the outcome', async () => {
    emu.stats.reset();
    emu.faults.add({ kind: 'error', route: 'GET /directories/list', status: 500, times: 1 });
    await sbx.files.listDirectory({ path: '/tmp' }).catch(() => undefined);
    await sbx.files.listDirectory({ path: '/tmp' });
    await sbx.getInfo();
    expect(emu.stats.count('GET /directories/list')).toBe(2);
    expect(emu.stats.count('GET /sandboxes/{sandboxId}')).toBe(1);
    expect(emu.stats.total({ api: 'lifecycle' })).toBe(1);
    expect(emu.stats.records().map((r) => r.route)).toEqual(['GET /directories/list', 'GET /directories/list', 'GET /sandboxes/{sandboxId}']);
  });
});

describe('expiry', () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator({ reaperIntervalMs: 50 });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('reaps a sandbox once expiresAt passes, processes included', async () => {
    const config = new ConnectionConfig({ domain: emu.domain });
    const sbx = await Sandbox.create({ image: 'ubuntu', connectionConfig: config, timeoutSeconds: 60 });
    await sbx.commands.run('sleep 555', { background: true });
    const pid = emu.sandboxPid(sbx.id)!;
    // renew with an absolute expiresAt just ahead (the SDK computes now + seconds)
    await sbx.renew(0.4);
    expect((await sbx.getInfo()).status.state).toBe('Running');
    await vi.waitFor(async () => expect(await sbx.getInfo().catch((e: unknown) => e)).toMatchObject({ statusCode: 404 }), { timeout: 5000, interval: 50 });
    await vi.waitFor(() => expect(isProcessAlive(pid)).toBe(false), { timeout: 5000 });
    await sbx.close();
  });

  it('a manual-cleanup sandbox is never reaped', async () => {
    const config = new ConnectionConfig({ domain: emu.domain });
    const sbx = await Sandbox.create({ image: 'ubuntu', connectionConfig: config, timeoutSeconds: null });
    expect(emu.sandboxIds()).toContain(sbx.id);
    await sbx.kill();
    await sbx.close();
  });
});
