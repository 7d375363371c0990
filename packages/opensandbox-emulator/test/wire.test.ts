// Raw HTTP: the wire details the official client hides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../src/index';

const KEY = 'wire-key';
const CREATE = { image: { uri: 'ubuntu:22.04' }, entrypoint: ['tail', '-f', '/dev/null'], resourceLimits: { cpu: '1', memory: '1Gi' }, timeout: 300 };

async function createSandbox(emu: EmulatorHandle, headers: Record<string, string> = {}): Promise<{ id: string; body: Record<string, unknown> }> {
  const res = await fetch(`${emu.url}/v1/sandboxes`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(CREATE) });
  expect(res.status).toBe(202);
  const body = (await res.json()) as Record<string, unknown>;
  return { id: body.id as string, body };
}

async function endpoint(emu: EmulatorHandle, opts: { id: string; port: number; query?: string; headers?: Record<string, string> }) {
  const res = await fetch(`${emu.url}/v1/sandboxes/${opts.id}/endpoints/${opts.port}${opts.query ?? ''}`, { headers: opts.headers ?? {} });
  return { status: res.status, body: (await res.json()) as { endpoint: string; headers?: Record<string, string> } };
}

/** Reads a raw event stream and splits it into frames. */
async function rawEvents(res: Response): Promise<{ raw: string; events: Record<string, unknown>[] }> {
  const raw = await res.text();
  const frames = raw.split('\n\n');
  expect(frames.pop()).toBe('');
  return { raw, events: frames.map((f) => JSON.parse(f) as Record<string, unknown>) };
}

describe('wire format (direct routing, API key, 100 ms pings)', () => {
  let emu: EmulatorHandle;
  let id: string;
  let execd: string;
  const auth = { 'OPEN-SANDBOX-API-KEY': KEY };

  beforeAll(async () => {
    emu = await startEmulator({ apiKey: KEY, pingIntervalMs: 100 });
    ({ id } = await createSandbox(emu, auth));
    execd = `http://${(await endpoint(emu, { id, port: 44772, headers: auth })).body.endpoint}`;
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('create answers 202 with Running, uuid id, ISO dates, no Location header', async () => {
    const res = await fetch(`${emu.url}/sandboxes`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ ...CREATE, timeout: null }) });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBeNull();
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(body.status).toMatchObject({ state: 'Running', reason: 'CONTAINER_RUNNING' });
    expect(new Date(body.createdAt as string).toISOString()).toBe(body.createdAt);
    expect(body).not.toHaveProperty('expiresAt'); // null fields are omitted
    expect(body.entrypoint).toEqual(CREATE.entrypoint);
    const del = await fetch(`${emu.url}/sandboxes/${body.id as string}`, { method: 'DELETE', headers: auth });
    expect(del.status).toBe(204);
    expect(await del.text()).toBe('');
  });

  it('serves the lifecycle API under /v1 and /', async () => {
    for (const prefix of ['/v1', '']) {
      const res = await fetch(`${emu.url}${prefix}/sandboxes/${id}`, { headers: auth });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { id: string }).id).toBe(id);
    }
    const health = await fetch(`${emu.url}/health`);
    expect(await health.json()).toEqual({ status: 'healthy' });
  });

  it('401 bodies for a missing and a wrong key, with X-Request-ID echoed', async () => {
    const missing = await fetch(`${emu.url}/v1/sandboxes`, { headers: { 'X-Request-ID': 'req-401' } });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('x-request-id')).toBe('req-401');
    expect(await missing.json()).toEqual({
      code: 'MISSING_API_KEY',
      message: 'Authentication credentials are missing. Provide API key via OPEN-SANDBOX-API-KEY header.',
    });
    const wrong = await fetch(`${emu.url}/v1/sandboxes`, { headers: { 'OPEN-SANDBOX-API-KEY': 'nope' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ code: 'INVALID_API_KEY', message: 'Authentication credentials are invalid. Check your API key and try again.' });
    expect(wrong.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('404 bodies: unknown sandbox {code,message}; unknown route {detail}', async () => {
    const res = await fetch(`${emu.url}/v1/sandboxes/nope`, { headers: { ...auth, 'X-Request-ID': 'req-404' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('req-404');
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['code', 'message']);
    expect(body.code).toBe('DOCKER::SANDBOX_NOT_FOUND');
    const route = await fetch(`${emu.url}/v1/nothing-here`, { headers: auth });
    expect(route.status).toBe(404);
    expect((await fetch(`${emu.url}/v1/nothing-here`)).status).toBe(401); // auth runs before routing
    expect(await route.json()).toEqual({ detail: 'Not Found' });
    const method = await fetch(`${emu.url}/v1/sandboxes`, { method: 'PUT', headers: auth });
    expect(method.status).toBe(405);
  });

  it('422 bodies are FastAPI-shaped', async () => {
    const post = async (body: string) => {
      const res = await fetch(`${emu.url}/v1/sandboxes`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body });
      expect(res.status).toBe(422);
      return ((await res.json()) as { detail: { type: string; loc: unknown[]; msg: string }[] }).detail;
    };
    expect((await post(JSON.stringify({ ...CREATE, timeout: 30 })))[0]).toMatchObject({ type: 'greater_than_equal', loc: ['body', 'timeout'], msg: 'Input should be greater than or equal to 60', ctx: { ge: 60 } });
    expect((await post(JSON.stringify({ entrypoint: ['x'], resourceLimits: {} })))[0]).toMatchObject({ type: 'value_error', loc: ['body'], msg: 'Value error, Exactly one of image or snapshotId must be provided.' });
    expect((await post(JSON.stringify({ image: { uri: 'ubuntu' }, resourceLimits: {} })))[0]?.msg).toBe('Value error, Entrypoint is required when image is provided.');
    expect((await post(JSON.stringify({ image: { uri: 'ubuntu' }, entrypoint: ['x'] })))[0]?.msg).toBe('Value error, resourceLimits is required when poolRef is not provided.');
    expect((await post('{not json'))[0]).toMatchObject({ type: 'json_invalid', msg: 'JSON decode error' });
    expect((await post(JSON.stringify({ ...CREATE, entrypoint: [] })))[0]).toMatchObject({ type: 'too_short', loc: ['body', 'entrypoint'] });
    expect((await post(JSON.stringify({ ...CREATE, env: { A: 1 } })))[0]).toMatchObject({ type: 'string_type', loc: ['body', 'env', 'A'] });

    const page = await fetch(`${emu.url}/v1/sandboxes?pageSize=500`, { headers: auth });
    expect(page.status).toBe(422);
    expect(((await page.json()) as { detail: unknown[] }).detail[0]).toMatchObject({ type: 'less_than_equal', loc: ['query', 'pageSize'] });
    const port = await fetch(`${emu.url}/v1/sandboxes/${id}/endpoints/abc`, { headers: auth });
    expect(port.status).toBe(422);
    expect(((await port.json()) as { detail: unknown[] }).detail[0]).toMatchObject({ type: 'int_parsing', loc: ['path', 'port'] });
    const renew = await fetch(`${emu.url}/v1/sandboxes/${id}/renew-expiration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ expiresAt: new Date(Date.now() + 600_000).toISOString(), extra: 1 }),
    });
    expect(renew.status).toBe(422);
    expect(((await renew.json()) as { detail: unknown[] }).detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'extra'] });
  });

  it('400s: metadata filter format, reserved label, past expiry, out-of-range port', async () => {
    const filter = await fetch(`${emu.url}/v1/sandboxes?metadata=${encodeURIComponent('novalue')}`, { headers: auth });
    expect(filter.status).toBe(400);
    expect(((await filter.json()) as { code: string }).code).toBe('INVALID_METADATA_FORMAT');
    const reserved = await fetch(`${emu.url}/v1/sandboxes/${id}/metadata`, { method: 'PATCH', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ 'opensandbox.io/x': 'y' }) });
    expect(reserved.status).toBe(400);
    expect(((await reserved.json()) as { code: string }).code).toBe('INVALID_METADATA_LABEL');
    const past = await fetch(`${emu.url}/v1/sandboxes/${id}/renew-expiration`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ expiresAt: '2020-01-01T00:00:00Z' }) });
    expect(past.status).toBe(400);
    expect(await past.json()).toEqual({ code: 'DOCKER::INVALID_EXPIRATION', message: 'New expiration time must be in the future.' });
    expect((await endpoint(emu, { id, port: 70000, headers: auth })).body).toMatchObject({ code: 'DOCKER::INVALID_PORT' });
  });

  it('pause/resume answer 202 with an empty body and 409 in the wrong state', async () => {
    const resume = await fetch(`${emu.url}/v1/sandboxes/${id}/resume`, { method: 'POST', headers: auth });
    expect(resume.status).toBe(409);
    expect(((await resume.json()) as { code: string }).code).toBe('DOCKER::SANDBOX_NOT_PAUSED');
    const pause = await fetch(`${emu.url}/v1/sandboxes/${id}/pause`, { method: 'POST', headers: auth });
    expect(pause.status).toBe(202);
    expect(await pause.text()).toBe('');
    const again = await fetch(`${emu.url}/v1/sandboxes/${id}/pause`, { method: 'POST', headers: auth });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { code: string }).code).toBe('DOCKER::SANDBOX_NOT_RUNNING');
    expect((await fetch(`${emu.url}/v1/sandboxes/${id}/resume`, { method: 'POST', headers: auth })).status).toBe(202);
  });

  it('diagnostics (deprecated, plain text): logs, inspect, events, summary', async () => {
    const res = await fetch(`${emu.url}/v1/sandboxes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ ...CREATE, entrypoint: ['sh', '-c', 'echo booting; echo oops >&2; exec tail -f /dev/null'] }),
    });
    const { id: diagId } = (await res.json()) as { id: string };
    const get = async (kind: string, query = '') => {
      const r = await fetch(`${emu.url}/v1/sandboxes/${diagId}/diagnostics/${kind}${query}`, { headers: auth });
      return { status: r.status, deprecation: r.headers.get('deprecation'), text: await r.text() };
    };
    let logs = await get('logs');
    for (let i = 0; i < 100 && !logs.text.includes('oops'); i++) logs = await get('logs');
    expect(logs).toMatchObject({ status: 200, deprecation: 'true' });
    expect(logs.text).toContain('booting\n');
    expect((await get('logs', '?tail=1')).text).toBe('oops\n');
    expect((await get('inspect')).text).toContain(`id: ${diagId}`);
    await fetch(`${emu.url}/v1/sandboxes/${diagId}/pause`, { method: 'POST', headers: auth });
    expect((await get('events')).text).toMatch(/Running CONTAINER_RUNNING.*\n.*Paused CONTAINER_PAUSED/);
    expect((await get('summary')).text).toContain('== logs');
    expect((await get('logs', '?scope=container')).status).toBe(501);
    await fetch(`${emu.url}/v1/sandboxes/${diagId}`, { method: 'DELETE', headers: auth });
  });

  it('POST /v1/metrics/events is accepted', async () => {
    const res = await fetch(`${emu.url}/v1/metrics/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ eventType: 'sandbox.create', createDurationMs: 5, success: true }) });
    expect(res.status).toBeLessThan(300);
  });

  it('ping is 200 with an empty body', async () => {
    const res = await fetch(`${execd}/ping`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('command stream: bare JSON + blank line, init, immediate ping, one event per line', async () => {
    const res = await fetch(`${execd}/command`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ command: "printf 'a\\n\\nb\\r\\nc\\rd'; printf 'e\\n' >&2; exit 4" }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const { raw, events } = await rawEvents(res);
    expect(raw).not.toContain('data:');
    expect(events[0]).toMatchObject({ type: 'init' });
    expect(events[0]?.text).toMatch(/^[0-9a-f]{32}$/);
    expect(events[1]).toMatchObject({ type: 'ping', text: 'pong' });
    const out = events.filter((e) => e.type === 'stdout').map((e) => e.text);
    expect(out).toEqual(['a', '\n', 'b', 'c', 'd']);
    expect(events.filter((e) => e.type === 'stderr').map((e) => e.text)).toEqual(['e']);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { ename: 'CommandExecError', evalue: '4', traceback: ['exit status 4'] } });
    expect(events.every((e) => typeof e.timestamp === 'number' && Math.abs((e.timestamp) - Date.now()) < 60_000)).toBe(true);
  });

  it('pings repeat at the configured interval while a command runs', async () => {
    const res = await fetch(`${execd}/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: 'sleep 0.45' }) });
    const { events } = await rawEvents(res);
    const pings = events.filter((e) => e.type === 'ping').map((e) => e.timestamp as number);
    expect(pings.length).toBeGreaterThanOrEqual(4);
    expect(pings[0]! - (events[0]!.timestamp as number)).toBeLessThan(50);
    const gaps = pings.slice(1).map((t, i) => t - pings[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(80);
    expect(events.at(-1)).toMatchObject({ type: 'execution_complete' });
    expect(events.at(-1)!.execution_time as number).toBeGreaterThanOrEqual(400);
  });

  it('background stream is init + ping + execution_complete; logs carry EXECD-COMMANDS-TAIL-CURSOR', async () => {
    const res = await fetch(`${execd}/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: 'echo bg-out; echo bg-err >&2', background: true }) });
    const { events } = await rawEvents(res);
    expect(events.map((e) => e.type)).toEqual(['init', 'ping', 'execution_complete']);
    expect(events[1]).toMatchObject({ type: 'ping', text: 'pong' });
    // execd's omitempty: an execution_time of 0 ms is left out, never sent as 0
    expect(events[2]!.execution_time === undefined || (events[2]!.execution_time as number) > 0).toBe(true);
    const cmd = events[0]!.text as string;
    let logs = '';
    let cursor = '';
    for (let i = 0; i < 100 && !logs.includes('bg-err'); i++) {
      const l = await fetch(`${execd}/command/${cmd}/logs?cursor=0`);
      expect(l.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      cursor = l.headers.get('execd-commands-tail-cursor') ?? '';
      logs = await l.text();
    }
    expect(logs).toBe('bg-out\nbg-err\n');
    expect(cursor).toBe(String(Buffer.byteLength(logs)));
    const status = (await (await fetch(`${execd}/command/status/${cmd}`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ id: cmd, running: false, exit_code: 0 });
    expect(typeof status.finished_at).toBe('string');
  });

  it('execd error bodies', async () => {
    const status = await fetch(`${execd}/command/status/ffff`);
    expect(status.status).toBe(404);
    expect(await status.json()).toEqual({ code: 'INVALID_REQUEST_BODY', message: 'command not found: ffff' });
    const interrupt = await fetch(`${execd}/command`, { method: 'DELETE' });
    expect(interrupt.status).toBe(400);
    expect(((await interrupt.json()) as { code: string }).code).toBe('MISSING_QUERY');
    const unknown = await fetch(`${execd}/command?id=ffff`, { method: 'DELETE' });
    expect(unknown.status).toBe(500);
    expect(((await unknown.json()) as { code: string }).code).toBe('RUNTIME_ERROR');
    const missing = await fetch(`${execd}/files/info?path=/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('FILE_NOT_FOUND');
    const badBody = await fetch(`${execd}/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(badBody.status).toBe(400);
    expect(((await badBody.json()) as { code: string }).code).toBe('INVALID_REQUEST_BODY');
    const gid = await fetch(`${execd}/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: 'id', gid: 0 }) });
    expect(((await gid.json()) as { message: string }).message).toBe('invalid request, validation error uid is required when gid is provided');
    const notMultipart = await fetch(`${execd}/files/upload`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(notMultipart.status).toBe(400);
    expect(await notMultipart.json()).toEqual({ code: 'INVALID_FILE', message: 'multipart form is empty' });
    const empty = await fetch(`${execd}/files/upload`, { method: 'POST', body: new FormData() });
    expect(await empty.json()).toEqual({ code: 'INVALID_FILE_METADATA', message: 'metadata file is missing' });
    const onlyMeta = new FormData();
    onlyMeta.append('metadata', new Blob([JSON.stringify({ path: '/tmp/x' })]), 'metadata');
    expect(await (await fetch(`${execd}/files/upload`, { method: 'POST', body: onlyMeta })).json()).toEqual({ code: 'INVALID_FILE_CONTENT', message: 'file is missing' });
    const mismatch = new FormData();
    mismatch.append('metadata', new Blob([JSON.stringify({ path: '/tmp/x' })]), 'metadata');
    mismatch.append('metadata', new Blob([JSON.stringify({ path: '/tmp/y' })]), 'metadata');
    mismatch.append('file', new Blob(['x']), 'x');
    expect(await (await fetch(`${execd}/files/upload`, { method: 'POST', body: mismatch })).json()).toEqual({ code: 'INVALID_FILE', message: 'metadata and file count mismatch: 2 vs 1' });
    const noPath = new FormData();
    noPath.append('metadata', new Blob([JSON.stringify({ mode: 644 })]), 'metadata');
    noPath.append('file', new Blob(['x']), 'x');
    expect(await (await fetch(`${execd}/files/upload`, { method: 'POST', body: noPath })).json()).toEqual({ code: 'INVALID_FILE_METADATA', message: 'metadata path is empty' });
    // a new file without a mode gets 0777 minus the umask, like execd's os.ModePerm
    const plain = new FormData();
    plain.append('metadata', new Blob([JSON.stringify({ path: '/tmp/new-dir/plain.txt' })]), 'metadata');
    plain.append('file', new Blob(['x']), 'plain.txt');
    expect((await fetch(`${execd}/files/upload`, { method: 'POST', body: plain })).status).toBe(200);
    const info = (await (await fetch(`${execd}/files/info?path=/tmp/new-dir/plain.txt`)).json()) as Record<string, { mode: number }>;
    expect(info['/tmp/new-dir/plain.txt']?.mode).toBe(755);
  });

  it('download: attachment header, Range → 206 + Content-Range, unsatisfiable / malformed range → 416', async () => {
    const form = new FormData();
    form.append('metadata', new Blob([JSON.stringify({ path: '/tmp/dl.bin' })], { type: 'application/json' }), 'metadata');
    form.append('file', new Blob(['0123456789']), 'dl.bin');
    expect((await fetch(`${execd}/files/upload`, { method: 'POST', body: form })).status).toBe(200);
    const full = await fetch(`${execd}/files/download?path=/tmp/dl.bin`);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-disposition')).toBe('attachment; filename="dl.bin"');
    expect(full.headers.get('content-length')).toBe('10');
    expect(await full.text()).toBe('0123456789');
    const part = await fetch(`${execd}/files/download?path=/tmp/dl.bin`, { headers: { Range: 'bytes=2-4' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 2-4/10');
    expect(await part.text()).toBe('234');
    const suffix = await fetch(`${execd}/files/download?path=/tmp/dl.bin`, { headers: { Range: 'bytes=-3' } });
    expect(await suffix.text()).toBe('789');
    const beyond = await fetch(`${execd}/files/download?path=/tmp/dl.bin`, { headers: { Range: 'bytes=50-60' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe('bytes */10');
    expect(await beyond.text()).toBe('invalid range: failed to overlap\n');
    const malformed = await fetch(`${execd}/files/download?path=/tmp/dl.bin`, { headers: { Range: 'bytes=5-2' } });
    expect(malformed.status).toBe(416);
    expect(await malformed.json()).toEqual({ code: 'UNKNOWN' });
  });

  it('line-based download (offset + limit) returns the lines as they are', async () => {
    const form = new FormData();
    form.append('metadata', new Blob([JSON.stringify({ path: '/tmp/lines.txt' })], { type: 'application/json' }), 'metadata');
    form.append('file', new Blob(['one\ntwo\nthree']), 'lines.txt');
    await fetch(`${execd}/files/upload`, { method: 'POST', body: form });
    const get = async (query: string) => {
      const res = await fetch(`${execd}/files/download?path=/tmp/lines.txt&${query}`);
      return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
    };
    expect(await get('offset=2&limit=1')).toEqual({ status: 200, text: 'two\n', type: 'text/plain' });
    expect((await get('offset=2&limit=5')).text).toBe('two\nthree');
    expect((await get('offset=9&limit=1')).text).toBe('');
    expect((await get('offset=1')).status).toBe(400);
    expect((await get('offset=0&limit=1')).status).toBe(400);
    const accented = new FormData();
    accented.append('metadata', new Blob([JSON.stringify({ path: '/tmp/résumé.txt' })], { type: 'application/json' }), 'metadata');
    accented.append('file', new Blob(['x']), 'r.txt');
    await fetch(`${execd}/files/upload`, { method: 'POST', body: accented });
    const res = await fetch(`${execd}/files/download?path=${encodeURIComponent('/tmp/résumé.txt')}`);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="r%C3%A9sum%C3%A9.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt`);
  });

  it('FileInfo JSON is snake_case with octal-digit modes', async () => {
    const res = await fetch(`${execd}/files/info?path=/tmp/dl.bin&path=/tmp`);
    const body = (await res.json()) as Record<string, Record<string, unknown>>;
    expect(Object.keys(body).sort()).toEqual(['/tmp', '/tmp/dl.bin']);
    expect(body['/tmp']).toMatchObject({ path: '/tmp', type: 'directory', mode: 777 });
    expect(Object.keys(body['/tmp/dl.bin']!).sort()).toEqual(['created_at', 'group', 'mode', 'modified_at', 'owner', 'path', 'size', 'type']);
    expect(body['/tmp/dl.bin']!.modified_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  it('a foreground command returns when bash exits, even if a child keeps the output open', async () => {
    const started = Date.now();
    const res = await fetch(`${execd}/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: 'sleep 5 & echo started' }) });
    const { events } = await rawEvents(res);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(events.filter((e) => e.type === 'stdout').map((e) => e.text)).toEqual(['started']);
    expect(events.at(-1)?.type).toBe('execution_complete');
  });

  it('a missing cwd: 400 INVALID_REQUEST_BODY before any stream (foreground and background); sessions create theirs', async () => {
    for (const background of [false, true]) {
      const res = await fetch(`${execd}/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: 'pwd', cwd: '/no/such/dir', background }) });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({
        code: 'INVALID_REQUEST_BODY',
        message: 'invalid request, validation error working directory does not exist: /no/such/dir: stat /no/such/dir: no such file or directory',
      });
    }
    const file = await fetch(`${execd}/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: 'pwd', cwd: '/etc/hostname' }) });
    expect(await file.json()).toEqual({ code: 'INVALID_REQUEST_BODY', message: 'invalid request, validation error working directory path is not a directory: /etc/hostname' });
    // a session's cwd, on the other hand, is created (as execd does)
    const session = await fetch(`${execd}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cwd: '/tmp/new/session/dir' }) });
    expect(session.status).toBe(200);
    const { session_id: sessionId } = (await session.json()) as { session_id: string };
    const run = await fetch(`${execd}/session/${sessionId}/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: 'pwd' }) });
    expect((await rawEvents(run)).events.filter((e) => e.type === 'stdout').map((e) => e.text)).toEqual(['/tmp/new/session/dir']);
    const badRun = await fetch(`${execd}/session/${sessionId}/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: 'pwd', cwd: '/no/such/dir' }) });
    expect(badRun.status).toBe(400);
    expect(await badRun.json()).toEqual({ code: 'INVALID_REQUEST_BODY', message: 'invalid request. working directory does not exist: /no/such/dir: stat /no/such/dir: no such file or directory' });
  });

  it('uid runs the command as another user', async () => {
    const res = await fetch(`${execd}/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: 'id -u; id -g', uid: 65534, gid: 65534 }) });
    expect((await rawEvents(res)).events.filter((e) => e.type === 'stdout').map((e) => e.text)).toEqual(['65534', '65534']);
  });

  it('EXECD_API_GRACE_SHUTDOWN from the create env delays the end of the stream', async () => {
    const res = await fetch(`${emu.url}/v1/sandboxes`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ ...CREATE, env: { EXECD_API_GRACE_SHUTDOWN: '400ms' } }) });
    const { id: graceId } = (await res.json()) as { id: string };
    const ep = await endpoint(emu, { id: graceId, port: 44772, headers: auth });
    const run = await fetch(`http://${ep.body.endpoint}/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: 'true' }) });
    const { events } = await rawEvents(run);
    const ended = Date.now();
    expect(ended - (events.at(-1)!.timestamp as number)).toBeGreaterThanOrEqual(350);
    await fetch(`${emu.url}/v1/sandboxes/${graceId}`, { method: 'DELETE', headers: auth });
  });

  it('GET /metrics/watch streams one JSON object per line', async () => {
    const controller = new AbortController();
    const res = await fetch(`${execd}/metrics/watch`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const first = JSON.parse(text.split('\n')[0]!) as Record<string, number>;
    expect(Object.keys(first).sort()).toEqual(['cpu_count', 'cpu_used_pct', 'mem_total_mib', 'mem_used_mib', 'timestamp']);
  });

  it('other ports are reached through /proxy/{port} (execd forwards inside the sandbox)', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const server = `require('http').createServer((q, s) => s.end('hello from ' + q.url)).listen(${port}, '127.0.0.1')`;
    await fetch(`${execd}/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: `node -e "${server}"`, background: true }) }).then((r) => r.text());
    const ep = (await endpoint(emu, { id, port, headers: auth })).body.endpoint;
    expect(ep).toMatch(new RegExp(`/proxy/${port}$`));
    let body = '';
    for (let i = 0; i < 200 && body === ''; i++) {
      const r = await fetch(`http://${ep}/some/path?q=1`);
      if (r.status === 200) body = await r.text();
      else await r.text();
    }
    expect(body).toBe('hello from /some/path?q=1');
    const proxied = (await endpoint(emu, { id, port, query: '?use_server_proxy=true', headers: auth })).body.endpoint;
    expect(await (await fetch(`http://${proxied}/x`)).text()).toBe('hello from /x');
  });

  it('egress sidecar: 401 without its token, policy JSON with it', async () => {
    const created = await fetch(`${emu.url}/v1/sandboxes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ ...CREATE, networkPolicy: { defaultAction: 'allow' } }),
    });
    const { id: withPolicy } = (await created.json()) as { id: string };
    const ep = (await endpoint(emu, { id: withPolicy, port: 18080, headers: auth })).body;
    const token = ep.headers?.['OPENSANDBOX-EGRESS-AUTH'] ?? '';
    expect((await fetch(`http://${ep.endpoint}/policy`)).status).toBe(401);
    const ok = await fetch(`http://${ep.endpoint}/policy`, { headers: { 'OPENSANDBOX-EGRESS-AUTH': token } });
    expect(await ok.json()).toMatchObject({ status: 'ok', mode: 'allow_all', enforcementMode: 'none', policy: { defaultAction: 'allow', egress: [] } });
    const bad = await fetch(`http://${ep.endpoint}/policy`, { method: 'PATCH', headers: { 'OPENSANDBOX-EGRESS-AUTH': token }, body: JSON.stringify([{ action: 'maybe' }]) });
    expect(bad.status).toBe(400);
    await fetch(`${emu.url}/v1/sandboxes/${withPolicy}`, { method: 'DELETE', headers: auth });
  });

  it('endpoint formats in direct mode (Docker bridge shape by default), and use_server_proxy=true', async () => {
    const direct = await endpoint(emu, { id, port: 44772, headers: auth });
    expect(direct.body.endpoint).toMatch(/^127\.0\.0\.1:\d+\/proxy\/44772$/);
    expect(direct.body.headers).toBeUndefined();
    expect((await endpoint(emu, { id, port: 18080, headers: auth })).body.endpoint).toBe(direct.body.endpoint.replace(/44772$/, '18080'));
    const proxied = await endpoint(emu, { id, port: 44772, query: '?use_server_proxy=true', headers: auth });
    expect(proxied.body.endpoint).toBe(`${emu.domain}/v1/sandboxes/${id}/proxy/44772`);
    // the proxy route needs no API key and streams execd through
    const ping = await fetch(`http://${proxied.body.endpoint}/ping`);
    expect(ping.status).toBe(200);
    const run = await fetch(`http://${proxied.body.endpoint}/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: 'echo via-proxy' }) });
    expect((await rawEvents(run)).events.find((e) => e.type === 'stdout')?.text).toBe('via-proxy');
    expect((await endpoint(emu, { id, port: 44772, query: '?expires=123', headers: auth })).body).toMatchObject({ code: 'SANDBOX::API_NOT_SUPPORTED' });
  });
});

describe('endpoint formats in the server-proxy and gateway modes', () => {
  let proxyEmu: EmulatorHandle;
  let gatewayEmu: EmulatorHandle;

  beforeAll(async () => {
    [proxyEmu, gatewayEmu] = await Promise.all([startEmulator({ routing: 'server-proxy' }), startEmulator({ routing: 'gateway' })]);
  });
  afterAll(async () => {
    await Promise.all([proxyEmu?.close(), gatewayEmu?.close()]);
  });

  it('server-proxy: every endpoint is {server}/v1/sandboxes/{id}/proxy/{port}', async () => {
    const { id } = await createSandbox(proxyEmu);
    for (const port of [44772, 18080]) {
      const { body } = await endpoint(proxyEmu, { id, port });
      expect(body).toEqual({ endpoint: `${proxyEmu.domain}/v1/sandboxes/${id}/proxy/${port}` });
    }
    const res = await fetch(`${proxyEmu.url}/sandboxes/${id}/proxy/44772/files/info?path=/workspace`);
    expect(res.status).toBe(200);
    // /v1 prefixed proxy route works too
    expect((await fetch(`${proxyEmu.url}/v1/sandboxes/${id}/proxy/44772/ping`)).status).toBe(200);
    const gone = await fetch(`${proxyEmu.url}/sandboxes/unknown/proxy/44772/ping`);
    expect(gone.status).toBe(404);
  });

  it('gateway: one address plus the OpenSandbox-Ingress-To header', async () => {
    const { id } = await createSandbox(gatewayEmu);
    const { body } = await endpoint(gatewayEmu, { id, port: 44772 });
    expect(body).toEqual({ endpoint: gatewayEmu.domain, headers: { 'OpenSandbox-Ingress-To': `${id}-44772` } });
    const res = await fetch(`http://${body.endpoint}/command`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...body.headers },
      body: JSON.stringify({ command: 'echo via-gateway' }),
    });
    expect((await rawEvents(res)).events.find((e) => e.type === 'stdout')?.text).toBe('via-gateway');
    const egress = await endpoint(gatewayEmu, { id, port: 18080 });
    expect(egress.body.headers).toEqual({ 'OpenSandbox-Ingress-To': `${id}-18080` });
    const proxied = await endpoint(gatewayEmu, { id, port: 44772, query: '?use_server_proxy=1' });
    expect(proxied.body.endpoint).toBe(`${gatewayEmu.domain}/v1/sandboxes/${id}/proxy/44772`);
  });
});
