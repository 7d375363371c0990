/**
 * Pause/resume and port routing of the emulator, through the stock `e2b` client (and raw HTTP for
 * what the client does not send itself): the state transitions and lifetime rules of E2B's control
 * plane, frozen processes, and the answers of E2B's proxy for ports, paused sandboxes and traffic
 * access tokens.
 */
import { Sandbox, SandboxNotFoundError } from 'e2b';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ENVD_PORT, startE2BEmulator, type E2BEmulator, type RecordedRequest } from '../src/index';

let emulator: E2BEmulator;
const opts = () => ({ apiKey: emulator.apiKey, apiUrl: emulator.apiUrl, sandboxUrl: emulator.sandboxUrl });

function lastRequest(match: (r: RecordedRequest) => boolean): RecordedRequest {
  const found = [...emulator.requests].reverse().find(match);
  if (!found) throw new Error('no matching request recorded');
  return found;
}

/** Host-side process states (`/proc/<pid>/stat`) of every process of the sandbox. */
function processStates(sandboxId: string): string[] {
  const sandbox = emulator.sandboxes().find((s) => s.sandboxId === sandboxId);
  if (!sandbox) throw new Error(`no sandbox ${sandboxId}`);
  return sandbox.root.pids().flatMap((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return [stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!];
    } catch {
      return [];
    }
  });
}

/** Raw proxy request with arbitrary headers (Host included, which fetch does not let us set). */
function proxyGet(path: string, headers: Record<string, string>): Promise<{ status: number; contentType: string; body: string }> {
  const target = new URL(emulator.sandboxUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: target.hostname, port: Number(target.port), path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Starts a one-line HTTP server on 127.0.0.1:<free port> in the sandbox; resolves with the port. */
async function startServer(sandbox: Sandbox): Promise<number> {
  const portFile = `/tmp/port-${Math.random().toString(36).slice(2)}`;
  const code = "const s = require('http').createServer((q, r) => r.end('served ' + q.url)); s.listen(0, '127.0.0.1', () => require('fs').writeFileSync(process.argv[1], String(s.address().port)));";
  await sandbox.commands.run(`node -e ${JSON.stringify(code)} ${portFile}`, { background: true });
  let port = 0;
  await vi.waitFor(
    async () => {
      port = Number((await sandbox.files.read(portFile).catch(() => '')).trim());
      expect(port).toBeGreaterThan(0);
    },
    { timeout: 15_000, interval: 100 },
  );
  return port;
}

beforeAll(async () => {
  emulator = await startE2BEmulator();
});
afterAll(async () => {
  await emulator?.close();
});

describe('pause and resume (control plane)', () => {
  it('pause answers 204, then 409 (client: false); state paused in GET and list; setTimeout 404; connect resumes (201), then 200', async () => {
    const sandbox = await Sandbox.create({ ...opts(), timeoutMs: 60_000 });
    const id = sandbox.sandboxId;
    expect(await sandbox.pause()).toBe(true);
    expect(lastRequest((r) => r.path === `/sandboxes/${id}/pause`).status).toBe(204);
    expect(await sandbox.pause()).toBe(false);
    expect(lastRequest((r) => r.path === `/sandboxes/${id}/pause`).status).toBe(409);
    expect((await Sandbox.getInfo(id, opts())).state).toBe('paused');
    expect((await Sandbox.list(opts()).nextItems()).find((s) => s.sandboxId === id)?.state).toBe('paused');
    await expect(sandbox.setTimeout(30_000)).rejects.toBeInstanceOf(SandboxNotFoundError);

    const resumed = await Sandbox.connect(id, { ...opts(), timeoutMs: 60_000 });
    expect(lastRequest((r) => r.path === `/v2/sandboxes/${id}/connect`).status).toBe(201);
    expect((await Sandbox.getInfo(id, opts())).state).toBe('running');
    expect((await resumed.commands.run('echo resumed')).stdout).toBe('resumed\n');
    await resumed.connect();
    expect(lastRequest((r) => r.path === `/v2/sandboxes/${id}/connect`).status).toBe(200);
    await expect(Sandbox.pause('i0000000000000000dead', opts())).rejects.toBeInstanceOf(SandboxNotFoundError);
    expect(await sandbox.kill()).toBe(true);
  });

  it('serves the deprecated POST /sandboxes/{id}/resume: 409 while running, 201 for a paused one, 404 for an unknown one', async () => {
    const sandbox = await Sandbox.create(opts());
    const resume = (id: string) =>
      fetch(`${emulator.apiUrl}/sandboxes/${id}/resume`, { method: 'POST', headers: { 'x-api-key': emulator.apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ timeout: 60 }) });
    const running = await resume(sandbox.sandboxId);
    expect(running.status).toBe(409);
    expect(((await running.json()) as { message: string }).message).toBe(`Sandbox ${sandbox.sandboxId} is already running`);
    await sandbox.pause();
    const resumed = await resume(sandbox.sandboxId);
    expect(resumed.status).toBe(201);
    expect(await resumed.json()).toMatchObject({ sandboxID: sandbox.sandboxId, state: 'running' });
    expect((await sandbox.commands.run('echo ok')).stdout).toBe('ok\n');
    expect((await resume('i0000000000000000dead')).status).toBe(404);
    await sandbox.kill();
  });

  it('a paused sandbox does not expire; connect starts a fresh lifetime, which then runs out', async () => {
    const sandbox = await Sandbox.create({ ...opts(), timeoutMs: 2_000 });
    const id = sandbox.sandboxId;
    const createdAt = Date.now();
    await sandbox.pause();
    // Twice the lifetime passes while paused (a bounded poll, not a sleep): the sandbox stays.
    await vi.waitFor(() => expect(Date.now() - createdAt).toBeGreaterThan(4_000), { timeout: 8_000, interval: 100 });
    expect((await Sandbox.getInfo(id, opts())).state).toBe('paused');
    await Sandbox.connect(id, { ...opts(), timeoutMs: 1_000 });
    expect((await Sandbox.getInfo(id, opts())).state).toBe('running');
    await vi.waitFor(() => expect(emulator.sandboxes().some((s) => s.sandboxId === id)).toBe(false), { timeout: 10_000, interval: 100 });
    await expect(Sandbox.getInfo(id, opts())).rejects.toBeInstanceOf(SandboxNotFoundError);
  });

  it('kills a paused sandbox (its frozen processes included)', async () => {
    const sandbox = await Sandbox.create(opts());
    await sandbox.commands.run('sleep 600', { background: true });
    const pids = emulator.sandboxes().find((s) => s.sandboxId === sandbox.sandboxId)!.root.pids();
    await sandbox.pause();
    expect(await Sandbox.kill(sandbox.sandboxId, opts())).toBe(true);
    expect(pids.filter((pid) => processStateOrGone(pid) !== 'gone')).toEqual([]);
  });
});

function processStateOrGone(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
    return state === 'Z' || state === 'X' ? 'gone' : state;
  } catch {
    return 'gone';
  }
}

describe('a paused sandbox is frozen', () => {
  it('every process is stopped (SIGSTOP) and a ticking loop does not advance; resume continues them', async () => {
    const sandbox = await Sandbox.create(opts());
    const id = sandbox.sandboxId;
    await sandbox.commands.run('i=0; while true; do i=$((i+1)); echo $i > /tmp/ticks; sleep 0.05; done', { background: true });
    const ticks = async (): Promise<number> => Number((await sandbox.files.read('/tmp/ticks').catch(() => '0')).trim() || '0');
    await vi.waitFor(async () => expect(await ticks()).toBeGreaterThan(2), { timeout: 10_000, interval: 50 });
    const before = await ticks();
    await sandbox.pause();
    const frozenAt = Date.now();
    expect(processStates(id).length).toBeGreaterThan(3); // bwrap, its init, envd, the loop, its sleep
    // Stopped ('T'), or a zombie ('Z': a `sleep` that ended as its stopped parent froze). A
    // signal lands when the scheduler next runs its target, hence the bounded wait.
    await vi.waitFor(
      () => {
        const states = processStates(id);
        expect(states.every((s) => s === 'T' || s === 'Z'), states.join(',')).toBe(true);
        expect(states.filter((s) => s === 'T').length).toBeGreaterThan(3);
      },
      { timeout: 2_000, interval: 20 },
    );
    // ~20 ticks a second when running; let 20 ticks' worth of wall time pass while paused.
    await vi.waitFor(() => expect(Date.now() - frozenAt).toBeGreaterThan(1_000), { timeout: 5_000, interval: 50 });
    await Sandbox.connect(id, opts());
    expect(processStates(id).some((s) => s === 'T')).toBe(false);
    const afterResume = await ticks();
    // Only the ticks between reading `before` and the SIGSTOP (the pause request's round trip).
    expect(afterResume).toBeLessThanOrEqual(before + 6);
    await vi.waitFor(async () => expect(await ticks()).toBeGreaterThan(afterResume), { timeout: 10_000, interval: 50 });
    await sandbox.kill();
  });

  it('pausing drops open connections (a followed command stream ends) and the proxy answers 502 "not found" while paused', async () => {
    const sandbox = await Sandbox.create(opts());
    const handle = await sandbox.commands.run('sleep 600', { background: true });
    await sandbox.pause();
    await expect(handle.wait()).rejects.toBeDefined();
    const envd = await proxyGet('/health', { 'E2b-Sandbox-Id': sandbox.sandboxId, 'E2b-Sandbox-Port': String(ENVD_PORT) });
    expect(envd.status).toBe(502);
    expect(JSON.parse(envd.body)).toEqual({ sandboxId: sandbox.sandboxId, message: 'The sandbox was not found', code: 502 });
    expect(await sandbox.isRunning()).toBe(false);
    await sandbox.connect();
    expect(await sandbox.isRunning()).toBe(true);
    expect((await sandbox.commands.list()).some((p) => p.pid === handle.pid)).toBe(true);
    await sandbox.kill();
  });
});

describe('sandbox proxy routing', () => {
  let sandbox: Sandbox;
  let port: number;
  beforeAll(async () => {
    sandbox = await Sandbox.create(opts());
    port = await startServer(sandbox);
  });

  it('routes by E2b-Sandbox-Id + E2b-Sandbox-Port to a port a process of the sandbox listens on', async () => {
    const response = await proxyGet('/x?y=1', { 'E2b-Sandbox-Id': sandbox.sandboxId, 'E2b-Sandbox-Port': String(port) });
    expect(response).toMatchObject({ status: 200, body: 'served /x?y=1' });
  });

  it('routes by a <port>-<sandboxId>.<domain> Host when no routing header is sent', async () => {
    const response = await proxyGet('/by-host', { host: `${port}-${sandbox.sandboxId}.e2b.local` });
    expect(response).toMatchObject({ status: 200, body: 'served /by-host' });
    const envd = await proxyGet('/health', { host: `${ENVD_PORT}-${sandbox.sandboxId}.e2b.local` });
    expect(envd.status).toBe(204);
  });

  it('answers 400 like E2B for a missing routing header, a bad port or an unroutable host', async () => {
    expect(await proxyGet('/', { 'E2b-Sandbox-Id': sandbox.sandboxId })).toMatchObject({ status: 400, body: 'missing header\n' });
    expect(await proxyGet('/', { 'E2b-Sandbox-Id': sandbox.sandboxId, 'E2b-Sandbox-Port': 'http' })).toMatchObject({ status: 400, body: 'Invalid sandbox port\n' });
    expect(await proxyGet('/', {})).toMatchObject({ status: 400, body: 'Invalid host\n' });
  });

  it('answers 502 "port is not open" when nothing of the sandbox listens there (a host port included)', async () => {
    const hostPort = Number(new URL(emulator.apiUrl).port);
    for (const closed of [hostPort, 1]) {
      const response = await proxyGet('/', { 'E2b-Sandbox-Id': sandbox.sandboxId, 'E2b-Sandbox-Port': String(closed) });
      expect(response.status).toBe(502);
      expect(response.contentType).toMatch(/^application\/json/);
      expect(JSON.parse(response.body)).toEqual({ sandboxId: sandbox.sandboxId, message: 'The sandbox is running but port is not open', port: closed, code: 502 });
    }
  });

  it('another sandbox cannot be reached through a port only this one listens on', async () => {
    const other = await Sandbox.create(opts());
    const response = await proxyGet('/', { 'E2b-Sandbox-Id': other.sandboxId, 'E2b-Sandbox-Port': String(port) });
    expect(response.status).toBe(502);
    await other.kill();
  });

  it('with network.allowPublicTraffic false: E2B issues a traffic access token, required on every port but envd', async () => {
    const secured = await Sandbox.create({ ...opts(), network: { allowPublicTraffic: false } });
    const token = secured.trafficAccessToken;
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(lastRequest((r) => r.method === 'POST' && r.path === '/v2/sandboxes').body).toMatchObject({ network: { allowPublicTraffic: false } });
    const securedPort = await startServer(secured); // envd traffic needs no traffic token
    const routing = { 'E2b-Sandbox-Id': secured.sandboxId, 'E2b-Sandbox-Port': String(securedPort) };
    const missing = await proxyGet('/', routing);
    expect(missing.status).toBe(403);
    expect(JSON.parse(missing.body)).toEqual({
      sandboxId: secured.sandboxId,
      message: "Sandbox is secured with traffic access token. Token header 'e2b-traffic-access-token' is missing",
      code: 403,
    });
    expect((await proxyGet('/', { ...routing, 'e2b-traffic-access-token': 'wrong' })).status).toBe(403);
    expect(await proxyGet('/t', { ...routing, 'e2b-traffic-access-token': token! })).toMatchObject({ status: 200, body: 'served /t' });
    expect((await Sandbox.connect(secured.sandboxId, opts())).trafficAccessToken).toBe(token);
    await secured.kill();
  });
});
