/**
 * `endpoints.get` and `pause`/`resume` of `E2BSandbox` on the emulator: the URL and headers that
 * reach a server in the sandbox (routing headers with `sandboxUrl`, the traffic access token), the
 * control-plane requests of pause and resume, and what survives a pause.
 */
import { InvalidArgumentError, SandboxError, UnsupportedCapabilityError } from '@kode/core';
import { Sandbox as E2BClient } from 'e2b';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useE2BEmulator } from './support/emulator-harness';
import { E2BSandbox } from '../src/index';
import type { RecordedRequest } from '@kode/e2b-emulator';

const e2b = useE2BEmulator();
const { config, started } = e2b;

function apiCallsSince(mark: number): RecordedRequest[] {
  return e2b.requestsSince(mark, (r) => r.plane === 'api');
}

async function stateOf(sandboxId: string): Promise<string> {
  const api = { apiKey: e2b.emulator.apiKey, apiUrl: e2b.emulator.apiUrl };
  return (await E2BClient.getInfo(sandboxId, api)).state;
}

/** A tiny HTTP server in the sandbox on 127.0.0.1:<free port>; resolves with the port. */
async function startServer(sandbox: E2BSandbox): Promise<number> {
  const portFile = `/tmp/server-${Date.now()}-${Math.random().toString(36).slice(2)}.port`;
  const code = [
    "const http = require('http');",
    "const s = http.createServer((q, r) => r.end('hello ' + q.url + ' ' + (q.headers['e2b-traffic-access-token'] ? 'with-token' : 'no-token')));",
    "s.listen(0, '127.0.0.1', () => require('fs').writeFileSync(process.argv[1], String(s.address().port)));",
  ].join(' ');
  await sandbox.processes.start(`exec node -e ${JSON.stringify(code)} ${portFile}`);
  let port = 0;
  await expect
    .poll(
      async () => {
        port = Number((await sandbox.fs.read(portFile).catch(() => '')).trim());
        return port;
      },
      { timeout: 15_000, interval: 100 },
    )
    .toBeGreaterThan(0);
  return port;
}

describe('endpoints.get', () => {
  it('with sandboxUrl: that URL plus E2b-Sandbox-Id / E2b-Sandbox-Port, and fetch reaches the server', async () => {
    const sandbox = await started();
    const port = await startServer(sandbox);
    const endpoint = await sandbox.endpoints.get(port);
    expect(endpoint).toEqual({ url: e2b.emulator.sandboxUrl, headers: { 'E2b-Sandbox-Id': sandbox.getSandboxId(), 'E2b-Sandbox-Port': String(port) } });
    const response = await fetch(`${endpoint.url}/a/b?c=1`, { headers: endpoint.headers });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello /a/b?c=1 no-token');
    // No control-plane or envd request: the endpoint is computed.
    const mark = e2b.emulator.requests.length;
    await sandbox.endpoints.get(port);
    expect(e2b.emulator.requests.length).toBe(mark);
  });

  it('a port no process of the sandbox listens on answers 502 "port is not open" as E2B does', async () => {
    const sandbox = await started();
    // The control plane's port is open on the host, but not in the sandbox: refused all the same.
    const hostPort = Number(new URL(e2b.emulator.apiUrl).port);
    const endpoint = await sandbox.endpoints.get(hostPort);
    const response = await fetch(endpoint.url, { headers: endpoint.headers });
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ sandboxId: sandbox.getSandboxId(), message: 'The sandbox is running but port is not open', port: hostPort, code: 502 });
  });

  it('a sandbox with a traffic access token: the header carries it, without it E2B answers 403; never printed', async () => {
    const raw = await e2b.emulator.startSandbox({ allowPublicTraffic: false });
    const token = raw.trafficAccessToken!;
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    const sandbox = await started({ sandboxId: raw.sandboxId });
    const port = await startServer(sandbox);
    const endpoint = await sandbox.endpoints.get(port);
    expect(endpoint.headers['e2b-traffic-access-token']).toBe(token);
    const ok = await fetch(endpoint.url, { headers: endpoint.headers });
    expect(await ok.text()).toBe('hello / with-token');
    const { 'e2b-traffic-access-token': _omitted, ...routing } = endpoint.headers;
    const refused = await fetch(endpoint.url, { headers: routing });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toMatch(/traffic access token.*missing/);
    expect(JSON.stringify(sandbox)).not.toContain(token);
    expect(inspect(sandbox, { depth: 10 })).not.toContain(token);
  });
});

describe('pause and resume', () => {
  it('pause is POST /sandboxes/{id}/pause; resume is connect with the lifetime in seconds; the state follows', async () => {
    const sandbox = await started({ timeoutMs: 120_000 });
    const id = sandbox.getSandboxId();
    let mark = e2b.emulator.requests.length;
    await sandbox.pause();
    await sandbox.pause();
    expect(apiCallsSince(mark).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([`POST /sandboxes/${id}/pause 204`]);
    expect(await stateOf(id)).toBe('paused');
    const refused = await sandbox.exec('true').catch((e: unknown) => e);
    expect(InvalidArgumentError.isInstance(refused)).toBe(true);
    expect((refused as SandboxError).hint).toMatch(/resume\(\)/);
    mark = e2b.emulator.requests.length;
    await sandbox.resume();
    await sandbox.resume();
    expect(apiCallsSince(mark).map((r) => [`${r.method} ${r.path} ${r.status}`, r.body])).toEqual([[`POST /v2/sandboxes/${id}/connect 201`, { timeout: 120 }]]);
    expect(await stateOf(id)).toBe('running');
    expect((await sandbox.exec('echo back')).stdout).toBe('back\n');
  });

  it('wait() still follows a background process that ends after the resume (E2B drops connections on pause)', async () => {
    const sandbox = await started();
    await sandbox.fs.write('/tmp/gate-dir/.keep', '');
    const proc = await sandbox.processes.start('while [ ! -e /tmp/gate-dir/go ]; do sleep 0.05; done; echo done; exit 7');
    await sandbox.pause();
    await sandbox.resume();
    const waiting = sandbox.processes.wait(proc.id, { timeoutMs: 20_000 });
    await sandbox.fs.write('/tmp/gate-dir/go', '');
    expect(await waiting).toMatchObject({ id: proc.id, running: false, code: 7 });
    expect((await sandbox.processes.output(proc.id)).data).toBe('done\n');
  });

  it('restoring a paused sandbox by sandboxId resumes it, files and processes intact', async () => {
    const first = await started({ lifecycle: { disposeAction: 'close' } });
    const id = first.getSandboxId();
    await first.fs.write('kept.txt', 'across pause and restore');
    const sleeper = await first.processes.start('sleep 600');
    await first.pause();
    await first.dispose();
    expect(await stateOf(id)).toBe('paused');
    const mark = e2b.emulator.requests.length;
    const restored = await started({ sandboxId: id, timeoutMs: 90_000 });
    expect(apiCallsSince(mark).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([`POST /v2/sandboxes/${id}/connect 201`]);
    expect(await stateOf(id)).toBe('running');
    expect(await restored.fs.read('kept.txt')).toBe('across pause and restore');
    expect((await restored.processes.list()).find((p) => p.id === sleeper.id)?.running).toBe(true);
    await restored.processes.kill(sleeper.id, 'SIGKILL');
  });

  it('a sandbox another client paused: idempotent calls raise InvalidArgumentError saying so (not retried), exec fails typed; restoring resumes it', async () => {
    const sandbox = await started({ lifecycle: { disposeAction: 'close' } });
    const id = sandbox.getSandboxId();
    await sandbox.fs.write('note.txt', 'x');
    expect(await E2BClient.pause(id, { apiKey: e2b.emulator.apiKey, apiUrl: e2b.emulator.apiUrl } as Parameters<typeof E2BClient.pause>[1])).toBe(true);
    const mark = e2b.emulator.requests.length;
    const read = await sandbox.fs.read('note.txt').catch((e: unknown) => e);
    expect(InvalidArgumentError.isInstance(read), String(read)).toBe(true);
    expect((read as SandboxError).message).toMatch(/is paused/);
    expect((read as SandboxError).hint).toMatch(/sandboxId/);
    // One envd attempt, one control-plane look-up: not retried.
    expect(e2b.emulator.requests.slice(mark).map((r) => `${r.plane} ${r.status}`)).toEqual(['envd 502', 'api 200']);
    const exec = await sandbox.exec('true').catch((e: unknown) => e);
    expect(SandboxError.isInstance(exec), String(exec)).toBe(true);
    // exec is never retried and maps the proxy's answer alone: the hint names the paused case.
    expect((exec as SandboxError).hint).toMatch(/paused it, restore it by `sandboxId`/);
    const restored = await started({ sandboxId: id });
    expect(await restored.fs.read('note.txt')).toBe('x');
  });

  it('dispose() while paused kills the sandbox', async () => {
    const sandbox = await started();
    const id = sandbox.getSandboxId();
    await sandbox.pause();
    const mark = e2b.emulator.requests.length;
    await sandbox.dispose();
    expect(apiCallsSince(mark).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([`DELETE /sandboxes/${id} 204`]);
    expect(e2b.emulator.sandboxes().some((s) => s.sandboxId === id)).toBe(false);
  });

  it('in debug mode (no control plane) lifecycle.pause is absent: pause() raises UnsupportedCapabilityError', async () => {
    await e2b.emulator.startSandbox({ sandboxId: 'debug_sandbox_id' });
    const sandbox = new E2BSandbox({ kind: 'e2b', debug: true, sandboxUrl: e2b.emulator.sandboxUrl });
    expect(sandbox.capabilities.lifecycle.pause).toBe(false);
    expect(sandbox.capabilities.endpoints).toBe(true);
    expect(new E2BSandbox(config()).capabilities.lifecycle.pause).toBe(true);
    await sandbox.init();
    try {
      const mark = e2b.emulator.requests.length;
      const error = await sandbox.pause().catch((e: unknown) => e);
      expect(UnsupportedCapabilityError.isInstance(error)).toBe(true);
      expect(e2b.emulator.requests.length).toBe(mark);
      expect((await sandbox.exec('echo still-running')).stdout).toBe('still-running\n');
      // Endpoints work in debug mode too: sandboxUrl with the routing headers.
      const port = await startServer(sandbox);
      const endpoint = await sandbox.endpoints.get(port);
      expect(endpoint.headers).toEqual({ 'E2b-Sandbox-Id': 'debug_sandbox_id', 'E2b-Sandbox-Port': String(port) });
      expect(await (await fetch(`${endpoint.url}/dbg`, { headers: endpoint.headers })).text()).toBe('hello /dbg no-token');
    } finally {
      await sandbox.dispose();
      await e2b.emulator.killSandbox('debug_sandbox_id');
    }
  });
});
