import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AuthenticationFailedError,
  BackendError,
  ConnectionFailedError,
  ImagePullFailedError,
  NotInitializedError,
  OPEN_SANDBOX_HINTS,
  OpenSandbox,
  ReadyTimeoutError,
  RequestTimeoutError,
  SandboxError,
  SandboxFactory,
  SandboxNotFoundError,
  SandboxStartFailedError,
} from '../src/index';
import { useEmulator } from './emulator-harness';

const API_KEY = 'kode-test-key-0123456789';
const fixture = useEmulator({ apiKey: API_KEY });

/** Runs `call` and returns its rejection, failing if it resolves. */
async function rejection(call: () => Promise<unknown>): Promise<SandboxError> {
  try {
    await call();
  } catch (error) {
    expect(SandboxError.isInstance(error), String(error)).toBe(true);
    return error as SandboxError;
  }
  throw new Error('expected a rejection');
}

function expectNoSecret(error: SandboxError): void {
  expect(error.message).not.toContain(API_KEY);
  expect(error.hint ?? '').not.toContain(API_KEY);
  expect(JSON.stringify(error.toJSON())).not.toContain(API_KEY);
}

afterEach(() => {
  fixture.emulator.faults.clear();
  vi.unstubAllEnvs();
});

describe('errors (emulator fault injection and configuration)', () => {
  it('a wrong API key raises AuthenticationFailedError without leaking the key', async () => {
    const wrong = `${API_KEY}-wrong`;
    const sandbox = new OpenSandbox(fixture.options({ apiKey: wrong }));
    const error = await rejection(() => sandbox.init());
    expect(AuthenticationFailedError.isInstance(error)).toBe(true);
    expect(error.code).toBe('AUTHENTICATION_FAILED');
    expect(error.hint).toBe(OPEN_SANDBOX_HINTS.AUTHENTICATION_FAILED);
    expect(error.requestId).toMatch(/\S/);
    expect(error.cause).toBeDefined();
    expect(error.message).not.toContain(wrong);
    expectNoSecret(error);
  });

  it('a missing API key raises AuthenticationFailedError', async () => {
    vi.stubEnv('OPEN_SANDBOX_API_KEY', '');
    const sandbox = new OpenSandbox({ kind: 'opensandbox', endpoint: fixture.emulator.url });
    expect((await rejection(() => sandbox.init())).code).toBe('AUTHENTICATION_FAILED');
  });

  it('an unknown image raises ImagePullFailedError with the Docker/execd hint', async () => {
    const sandbox = new OpenSandbox(fixture.options({ image: 'registry.invalid/no-such-image:1' }));
    const error = await rejection(() => sandbox.init());
    expect(ImagePullFailedError.isInstance(error)).toBe(true);
    expect(error.message).toContain('DOCKER::SANDBOX_IMAGE_PULL_FAILED');
    expect(error.hint).toContain('opensandbox/execd');
    expect(error.hint).toContain('Docker daemon');
    expect(error.requestId).toMatch(/\S/);
    expectNoSecret(error);
  });

  it('an injected image-pull failure raises ImagePullFailedError', async () => {
    fixture.emulator.faults.add({ kind: 'image-pull-failure', image: 'ubuntu' });
    const error = await rejection(() => new OpenSandbox(fixture.options({ image: 'ubuntu' })).init());
    expect(error.code).toBe('IMAGE_PULL_FAILED');
  });

  it('an execd start failure raises SandboxStartFailedError', async () => {
    fixture.emulator.faults.add({ kind: 'execd-start-failure' });
    const error = await rejection(() => new OpenSandbox(fixture.options()).init());
    expect(SandboxStartFailedError.isInstance(error)).toBe(true);
    expect(error.message).toContain('DOCKER::SANDBOX_EXECD_START_FAILED');
    expect(error.hint).toContain('opensandbox/execd');
    expect(error.requestId).toMatch(/\S/);
  });

  it('an execd that never gets ready raises ReadyTimeoutError with the useServerProxy hint, and the sandbox is cleaned up', async () => {
    fixture.emulator.faults.add({ kind: 'execd-never-ready', times: 1 });
    const before = fixture.emulator.sandboxIds().length;
    const started = Date.now();
    const error = await rejection(() => new OpenSandbox(fixture.options({ readyTimeoutSeconds: 1, healthCheckPollingInterval: 100 })).init());
    expect(ReadyTimeoutError.isInstance(error)).toBe(true);
    expect(error.retryable).toBe(true);
    expect(error.hint).toContain('useServerProxy: true');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(fixture.emulator.sandboxIds().length).toBe(before);
  });

  it('an unreachable endpoint raises ConnectionFailedError with the reachability/proxy hint', async () => {
    const port = await freePort();
    const error = await rejection(() => new OpenSandbox({ kind: 'opensandbox', endpoint: `http://127.0.0.1:${port}`, apiKey: API_KEY }).init());
    expect(ConnectionFailedError.isInstance(error)).toBe(true);
    expect(error.retryable).toBe(true);
    expect(error.hint).toContain('reachable');
    expect(error.hint).toContain('Docker daemon');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expectNoSecret(error);
  });

  it('an unknown sandboxId raises SandboxNotFoundError with its request id', async () => {
    const sandbox = new OpenSandbox(fixture.options({ sandboxId: '00000000-0000-4000-8000-000000000000' }));
    const error = await rejection(() => sandbox.init());
    expect(SandboxNotFoundError.isInstance(error)).toBe(true);
    expect((error as SandboxNotFoundError).sandboxId).toBe('00000000-0000-4000-8000-000000000000');
    expect(error.hint).toBe(OPEN_SANDBOX_HINTS.SANDBOX_NOT_FOUND);
    expect(error.requestId).toMatch(/\S/);
  });

  it('an endpoint with a wrong path raises BackendError with the endpoint hint, not SandboxNotFoundError about a sandboxId never given', async () => {
    const sandbox = new OpenSandbox({ ...fixture.options(), endpoint: `${fixture.emulator.url}/wrong/path` });
    const error = await rejection(() => sandbox.init());
    expect(BackendError.isInstance(error)).toBe(true);
    expect(error.message).toContain('HTTP 404');
    expect(error.hint).toBe(OPEN_SANDBOX_HINTS.NOT_AN_OPENSANDBOX_ENDPOINT);
    expect(error.hint).not.toContain('sandboxId');
    expectNoSecret(error);
  });

  it('an endpoint that is another web server gives a short message naming its page, not the page', async () => {
    const page = `<!DOCTYPE html><html><head><title>Some other app</title></head><body>${'<div>content</div>'.repeat(500)}</body></html>`;
    const web = createHttpServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end(page));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(web.address() as { port: number }).port}`;
      const error = await rejection(() => new OpenSandbox({ kind: 'opensandbox', endpoint, apiKey: API_KEY }).init());
      expect(error.code).toBe('BACKEND_ERROR');
      expect(error.message).toContain('an HTML page titled "Some other app"');
      expect(error.message).not.toContain('<div>');
      expect(error.message.length).toBeLessThan(400);
      expect(error.hint).toBe(OPEN_SANDBOX_HINTS.NOT_AN_OPENSANDBOX_ENDPOINT);
    } finally {
      await new Promise<void>((resolve) => web.close(() => resolve()));
    }
  });

  it('a slow request past requestTimeoutSeconds raises RequestTimeoutError', async () => {
    const sandbox = new OpenSandbox(fixture.options({ requestTimeoutSeconds: 0.5 }));
    await sandbox.init();
    try {
      fixture.emulator.faults.add({ kind: 'latency', route: 'GET /files/info', ms: 2_000, sandboxId: sandbox.getSandboxId() });
      const error = await rejection(() => sandbox.fs.stat(sandbox.workDir));
      expect(RequestTimeoutError.isInstance(error)).toBe(true);
      expect(error.hint).toContain('requestTimeoutSeconds');
    } finally {
      await sandbox.dispose();
    }
  });

  it('a 5xx from execd is a typed BackendError, and exec never reports a fake exit code', async () => {
    const sandbox = new OpenSandbox(fixture.options());
    await sandbox.init();
    try {
      const id = sandbox.getSandboxId();
      fixture.emulator.faults.add({ kind: 'error', route: 'POST /command', status: 500, code: 'RUNTIME_ERROR', message: 'boom', sandboxId: id, times: 1 });
      const error = await rejection(() => sandbox.exec('echo hi'));
      expect(BackendError.isInstance(error)).toBe(true);
      expect(error.message).toContain('boom');
      fixture.emulator.faults.add({ kind: 'cut-stream', afterEvents: 1, sandboxId: id, times: 1 });
      const cut = await rejection(() => sandbox.exec('sleep 1; echo late'));
      expect(['BACKEND_ERROR', 'CONNECTION_FAILED']).toContain(cut.code);
      expect((await sandbox.exec('echo again')).stdout).toBe('again\n');
    } finally {
      await sandbox.dispose();
    }
  });

  it('a sandbox used before init raises NotInitializedError with a hint', async () => {
    const sandbox = new OpenSandbox(fixture.options());
    const error = await rejection(() => sandbox.exec('true'));
    expect(NotInitializedError.isInstance(error)).toBe(true);
    expect(error.hint).toContain('init()');
    expect(() => sandbox.getSandboxId()).toThrow(/not initialised/);
  });

  it('createAsync disposes a sandbox whose init failed and rethrows the typed error', async () => {
    fixture.emulator.faults.add({ kind: 'execd-start-failure', times: 1 });
    const error = await rejection(() => SandboxFactory.createAsync(fixture.options()));
    expect(error.code).toBe('SANDBOX_START_FAILED');
  });
});

async function freePort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
