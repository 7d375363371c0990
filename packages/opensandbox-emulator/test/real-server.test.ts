// Wire shapes measured on a real OpenSandbox server (1.1.1 + execd, Docker bridge) that the
// emulator reproduces: directory downloads, CORS, execd's wording, network policies, the
// credential vault, unknown images and the `real` timing profile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../src/index';

const CREATE = { image: { uri: 'ubuntu' }, entrypoint: ['tail', '-f', '/dev/null'], resourceLimits: { cpu: '1' } };
const JSON_HEADERS = { 'content-type': 'application/json' };

async function create(emu: EmulatorHandle, extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${emu.url}/v1/sandboxes`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ ...CREATE, ...extra }) });
}

async function sandboxId(emu: EmulatorHandle, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await create(emu, extra);
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

async function endpointOf(emu: EmulatorHandle, id: string, port = 44772, query = ''): Promise<{ endpoint: string; headers?: Record<string, string> }> {
  return (await (await fetch(`${emu.url}/v1/sandboxes/${id}/endpoints/${port}${query}`)).json()) as { endpoint: string; headers?: Record<string, string> };
}

async function events(res: Response): Promise<Record<string, unknown>[]> {
  return (await res.text())
    .split('\n\n')
    .filter((f) => f !== '')
    .map((f) => JSON.parse(f) as Record<string, unknown>);
}

async function stdoutOf(execd: string, command: string): Promise<string[]> {
  const res = await fetch(`${execd}/command`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ command }) });
  return (await events(res)).filter((e) => e.type === 'stdout').map((e) => e.text as string);
}

/** Starts an emulator per describe block. */
function useEmulator(options: EmulatorOptions): () => EmulatorHandle {
  let emu: EmulatorHandle | undefined;
  beforeAll(async () => {
    emu = await startEmulator(options);
  }, 60_000);
  afterAll(async () => {
    await emu?.close();
  }, 60_000);
  return () => emu!;
}

describe('directory download: a body announced and never sent', () => {
  const emu = useEmulator({});
  const BIG = '9223372036854775807';

  it('500 through a bridge endpoint (execd self-proxy), 200 directly and through the server proxy; the connection is cut', async () => {
    const id = await sandboxId(emu());
    const bridge = (await endpointOf(emu(), id)).endpoint;
    expect(bridge).toMatch(/\/proxy\/44772$/);
    const direct = bridge.replace(/\/proxy\/44772$/, '');
    const proxied = (await endpointOf(emu(), id, 44772, '?use_server_proxy=true')).endpoint;
    for (const [base, status] of [
      [bridge, 500],
      [direct, 200],
      [proxied, 200],
    ] as const) {
      const res = await fetch(`http://${base}/files/download?path=/workspace`);
      expect(res.status, base).toBe(status);
      expect(res.headers.get('content-length')).toBe(BIG);
      await expect(res.arrayBuffer()).rejects.toThrow();
      // the sandbox still answers afterwards
      expect((await fetch(`http://${base}/ping`)).status).toBe(200);
    }
  });
});

describe('CORS: only for requests with an Origin', () => {
  const emu = useEmulator({ apiKey: 'k' });

  it('no Origin, no CORS headers; an Origin is echoed with credentials and the exposed header', async () => {
    const plain = await fetch(`${emu().url}/health`);
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    expect(plain.headers.get('access-control-allow-credentials')).toBeNull();
    const cors = await fetch(`${emu().url}/v1/sandboxes`, { headers: { origin: 'http://app.example', 'OPEN-SANDBOX-API-KEY': 'k' } });
    expect(cors.status).toBe(200);
    expect(cors.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect(cors.headers.get('access-control-allow-credentials')).toBe('true');
    expect(cors.headers.get('access-control-expose-headers')).toBe('OPEN-SANDBOX-ORIGIN');
  });

  it('a preflight is answered before auth; OPTIONS without one is no preflight', async () => {
    const preflight = await fetch(`${emu().url}/v1/sandboxes`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'open-sandbox-api-key' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('open-sandbox-api-key');
    const notPreflight = await fetch(`${emu().url}/v1/sandboxes`, { method: 'OPTIONS' });
    expect(notPreflight.status).not.toBe(200);
    expect(notPreflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe("execd's wording", () => {
  const emu = useEmulator({});
  let execd: string;
  beforeAll(async () => {
    execd = `http://${(await endpointOf(emu(), await sandboxId(emu()))).endpoint}`;
  });

  it('interrupt errors', async () => {
    const missing = await fetch(`${execd}/command`, { method: 'DELETE' });
    expect(await missing.json()).toEqual({ code: 'MISSING_QUERY', message: "missing query parameter 'id'" });
    const unknown = await fetch(`${execd}/command?id=nope`, { method: 'DELETE' });
    expect(unknown.status).toBe(500);
    expect(await unknown.json()).toEqual({ code: 'RUNTIME_ERROR', message: 'error interruptting code context. no such session' });
    const run = await fetch(`${execd}/command`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ command: 'true' }) });
    const id = (await events(run))[0]!.text as string;
    const finished = await fetch(`${execd}/command?id=${id}`, { method: 'DELETE' });
    expect(await finished.json()).toEqual({ code: 'RUNTIME_ERROR', message: `error interruptting code context. command session ${id} is not running` });
  });

  it('file errors: open …, source path not found …, destination exists', async () => {
    const download = await fetch(`${execd}/files/download?path=/workspace/none.txt`);
    expect(download.status).toBe(404);
    expect(await download.json()).toEqual({ code: 'FILE_NOT_FOUND', message: 'file not found. open /workspace/none.txt: no such file or directory' });
    const mv = await fetch(`${execd}/files/mv`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify([{ src: '/workspace/none.txt', dest: '/workspace/b.txt' }]) });
    expect(mv.status).toBe(404);
    expect(await mv.json()).toEqual({ code: 'FILE_NOT_FOUND', message: 'file not found. source path not found: /workspace/none.txt: stat /workspace/none.txt: no such file or directory' });
    const taken = await fetch(`${execd}/files/mv`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify([{ src: '/etc/hostname', dest: '/etc/hosts' }]) });
    expect(taken.status).toBe(500);
    expect(await taken.json()).toEqual({ code: 'RUNTIME_ERROR', message: 'error accessing file: destination path already exists: /etc/hosts' });
  });
});

describe("missingCwd: 'stream-error' keeps execd 1.0.x's shape", () => {
  const emu = useEmulator({ missingCwd: 'stream-error' });

  it('init, ping, then an error event whose evalue is the chdir error', async () => {
    const execd = `http://${(await endpointOf(emu(), await sandboxId(emu()))).endpoint}`;
    const res = await fetch(`${execd}/command`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ command: 'pwd', cwd: '/no/such/dir' }) });
    expect(res.status).toBe(200);
    const evs = await events(res);
    expect(evs.map((e) => e.type)).toEqual(['init', 'ping', 'error']);
    expect(evs[2]).toMatchObject({ error: { ename: 'CommandExecError', evalue: 'chdir /no/such/dir: no such file or directory' } });
  });
});

describe('networkPolicy', () => {
  const emu = useEmulator({});

  it("defaultAction 'deny' gives the sandbox its own network: no route out, not even to the host's loopback", async () => {
    const probe = `(echo > /dev/tcp/127.0.0.1/${emu().port}) 2>/dev/null && echo reachable || echo isolated`;
    const open = `http://${(await endpointOf(emu(), await sandboxId(emu()))).endpoint}`;
    expect(await stdoutOf(open, probe)).toEqual(['reachable']);
    for (const networkPolicy of [{ defaultAction: 'deny' }, {}, { defaultAction: 'deny', egress: [{ action: 'deny', target: 'example.com' }] }]) {
      const closed = `http://${(await endpointOf(emu(), await sandboxId(emu(), { networkPolicy }))).endpoint}`;
      expect(await stdoutOf(closed, probe), JSON.stringify(networkPolicy)).toEqual(['isolated']);
      expect(await stdoutOf(closed, "grep -c ':' /proc/net/dev")).toEqual(['1']); // lo only
    }
    const allowAll = `http://${(await endpointOf(emu(), await sandboxId(emu(), { networkPolicy: { defaultAction: 'allow' } }))).endpoint}`;
    expect(await stdoutOf(allowAll, probe)).toEqual(['reachable']);
  });

  it('rules the emulator cannot enforce are refused at create, never silently accepted', async () => {
    for (const [networkPolicy, text] of [
      [{ defaultAction: 'deny', egress: [{ action: 'allow', target: 'pypi.org' }] }, 'allow pypi.org'],
      [{ egress: [{ action: 'allow', target: '10.0.0.0/8' }] }, 'allow 10.0.0.0/8'],
      [{ defaultAction: 'allow', egress: [{ action: 'deny', target: 'example.com' }] }, 'deny example.com'],
    ] as const) {
      const res = await create(emu(), { networkPolicy });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { code: string; message: string };
      expect(body.code).toBe('SANDBOX::INVALID_PARAMETER');
      expect(body.message).toContain(text);
    }
  });

  it('the credential vault answers 501 with a clear message', async () => {
    const id = await sandboxId(emu(), { networkPolicy: { defaultAction: 'deny' }, credentialProxy: { enabled: true } });
    const egress = await endpointOf(emu(), id, 18080);
    for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
      const res = await fetch(`http://${egress.endpoint}/credential-vault`, { method, headers: { ...egress.headers, ...JSON_HEADERS }, ...(method === 'GET' ? {} : { body: '{}' }) });
      expect(res.status, method).toBe(501);
      expect(((await res.json()) as { message: string }).message).toContain('does not emulate the credential vault');
    }
  });
});

describe('unknown images', () => {
  const emu = useEmulator({});

  it('the pull failure names the known images and how to add one', async () => {
    const res = await create(emu(), { image: { uri: 'library/alpine:3' } });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe('DOCKER::SANDBOX_IMAGE_PULL_FAILED');
    expect(body.message).toBe(
      'Failed to pull image library/alpine:3: the kode OpenSandbox emulator has no such image (it pulls nothing). Known images: ubuntu, debian, python, kode/minimal. ' +
        "Add one as an alias of a known profile with the CLI option --image library/alpine:3=ubuntu, or the emulator's images option.",
    );
  });
});

describe("the 'real' timing profile", () => {
  const emu = useEmulator({ profile: 'real' });

  it('create takes a container start, and a command stream stays open ~1 s after its final event', async () => {
    const started = Date.now();
    const id = await sandboxId(emu());
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    const execd = `http://${(await endpointOf(emu(), id)).endpoint}`;
    const res = await fetch(`${execd}/command`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ command: 'true' }) });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let finalAt = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (finalAt === 0 && text.includes('"execution_complete"')) finalAt = Date.now();
    }
    expect(finalAt).toBeGreaterThan(0);
    expect(Date.now() - finalAt).toBeGreaterThanOrEqual(900);
    const deleting = Date.now();
    expect((await fetch(`${emu().url}/v1/sandboxes/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(Date.now() - deleting).toBeGreaterThanOrEqual(280);
  });
});
