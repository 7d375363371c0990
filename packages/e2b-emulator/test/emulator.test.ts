/**
 * The envd emulator and fake control plane, checked ONLY through the stock `e2b` client: if the
 * real client accepts every answer here, the emulator speaks the protocol the backend relies on.
 */
import {
  AuthenticationError,
  CommandExitError,
  FileNotFoundError,
  FilesystemEventType,
  InvalidArgumentError,
  RateLimitError,
  Sandbox,
  SandboxNotFoundError,
  TimeoutError,
  type FilesystemEvent,
} from 'e2b';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ENVD_PORT, startE2BEmulator, type E2BEmulator, type RecordedRequest } from '../src/index';

let emulator: E2BEmulator;
let sandbox: Sandbox;
const opts = () => ({ apiKey: emulator.apiKey, apiUrl: emulator.apiUrl, sandboxUrl: emulator.sandboxUrl });

function lastRequest(match: (r: RecordedRequest) => boolean): RecordedRequest {
  const found = [...emulator.requests].reverse().find(match);
  if (!found) throw new Error('no matching request recorded');
  return found;
}

beforeAll(async () => {
  emulator = await startE2BEmulator();
  sandbox = await Sandbox.create('base', { ...opts(), timeoutMs: 120_000, envs: { SANDBOX_WIDE: 'yes' }, metadata: { suite: 'emulator' } });
});
afterAll(async () => {
  await emulator?.close();
});

describe('control plane', () => {
  it('creates a sandbox with the request body and headers the real API expects', () => {
    const create = lastRequest((r) => r.plane === 'api' && r.method === 'POST' && r.path === '/v2/sandboxes');
    expect(create.headers['x-api-key']).toBe(emulator.apiKey);
    expect(create.body).toMatchObject({ templateID: 'base', timeout: 120, envVars: { SANDBOX_WIDE: 'yes' }, metadata: { suite: 'emulator' } });
    expect(create.status).toBe(201);
    expect(sandbox.sandboxId).toMatch(/^i[0-9a-f]{20}$/);
  });

  it('rejects a wrong API key with 401 (AuthenticationError)', async () => {
    await expect(Sandbox.create({ ...opts(), apiKey: 'e2b_wrong' })).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('rejects an unknown template with 404', async () => {
    const error = await Sandbox.create('no-such-template', opts()).catch((e: unknown) => e);
    expect((error as { statusCode?: number }).statusCode).toBe(404);
    expect(String(error)).toContain("template 'no-such-template' not found");
  });

  it('lists, connects to, extends and kills sandboxes', async () => {
    const other = await Sandbox.create({ ...opts(), metadata: { purpose: 'list' } });
    const listed = await Sandbox.list(opts()).nextItems();
    expect(listed.map((s) => s.sandboxId)).toEqual(expect.arrayContaining([sandbox.sandboxId, other.sandboxId]));
    expect(listed.find((s) => s.sandboxId === other.sandboxId)?.metadata).toEqual({ purpose: 'list' });

    const connected = await Sandbox.connect(other.sandboxId, { ...opts(), timeoutMs: 90_000 });
    expect(lastRequest((r) => r.path === `/v2/sandboxes/${other.sandboxId}/connect`).body).toEqual({ timeout: 90 });
    expect((await connected.commands.run('echo via-connect')).stdout).toBe('via-connect\n');

    const before = (await Sandbox.getInfo(other.sandboxId, opts())).endAt.getTime();
    await connected.setTimeout(600_000);
    expect(lastRequest((r) => r.path === `/sandboxes/${other.sandboxId}/timeout`).body).toEqual({ timeout: 600 });
    expect((await Sandbox.getInfo(other.sandboxId, opts())).endAt.getTime()).toBeGreaterThan(before);

    expect(await connected.kill()).toBe(true);
    expect(lastRequest((r) => r.method === 'DELETE').path).toBe(`/sandboxes/${other.sandboxId}`);
    expect(await Sandbox.kill(other.sandboxId, opts())).toBe(false);
    expect(await connected.isRunning()).toBe(false);
    await expect(Sandbox.connect(other.sandboxId, opts())).rejects.toBeInstanceOf(SandboxNotFoundError);
  });

  it('filters the list by metadata (encoded by the client as the real API reads it) and by state', async () => {
    const tag = `meta${Date.now().toString(36)}`;
    const odd = 'a b&c=d/é+%';
    const match = await emulator.startSandbox({ metadata: { tag, note: odd } });
    const near = await emulator.startSandbox({ metadata: { tag, note: 'other' } });
    const ids = async (query: Parameters<typeof Sandbox.list>[0]): Promise<string[]> => (await Sandbox.list({ ...opts(), ...query }).nextItems()).map((s) => s.sandboxId).sort();

    expect(await ids({ query: { metadata: { tag, note: odd } } })).toEqual([match.sandboxId]);
    expect(lastRequest((r) => r.method === 'GET' && r.path === '/v2/sandboxes').query.metadata).toBe(new URLSearchParams({ tag, note: encodeURIComponent(odd) }).toString());
    expect(await ids({ query: { metadata: { tag } } })).toEqual([match.sandboxId, near.sandboxId].sort());
    expect(await ids({ query: { metadata: { tag, note: 'none' } } })).toEqual([]);
    expect(await ids({ query: { metadata: { tag }, state: ['running'] } })).toEqual([match.sandboxId, near.sandboxId].sort());
    expect(await ids({ query: { metadata: { tag }, state: ['running', 'paused'] } })).toEqual([match.sandboxId, near.sandboxId].sort());
    expect(lastRequest((r) => r.method === 'GET' && r.path === '/v2/sandboxes').query.state).toBe('running,paused');
    expect(await ids({ query: { metadata: { tag }, state: ['paused'] } })).toEqual([]);

    const bad = await fetch(`${emulator.apiUrl}/v2/sandboxes?state=stopped`, { headers: { 'X-API-KEY': emulator.apiKey } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('state');
    await emulator.killSandbox(match.sandboxId);
    await emulator.killSandbox(near.sandboxId);
  });

  it('pages the list with limit and the x-next-token cursor, newest first', async () => {
    const tag = `page${Date.now().toString(36)}`;
    const started: string[] = [];
    for (let i = 0; i < 3; i++) started.push((await emulator.startSandbox({ metadata: { tag } })).sandboxId);
    const paginator = Sandbox.list({ ...opts(), limit: 2, query: { metadata: { tag } } });
    const first = await paginator.nextItems();
    expect(first).toHaveLength(2);
    expect(paginator.hasNext).toBe(true);
    const token = paginator.nextToken;
    const second = await paginator.nextItems();
    expect(lastRequest((r) => r.method === 'GET' && r.path === '/v2/sandboxes').query).toMatchObject({ limit: '2', nextToken: token });
    expect(second).toHaveLength(1);
    expect(paginator.hasNext).toBe(false);
    const seen = [...first, ...second];
    expect(seen.map((s) => s.sandboxId).sort()).toEqual([...started].sort());
    const times = seen.map((s) => s.startedAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const headers = { 'X-API-KEY': emulator.apiKey };
    for (const query of ['limit=0', 'limit=101', 'limit=x', 'nextToken=not-a-token']) {
      const response = await fetch(`${emulator.apiUrl}/v2/sandboxes?${query}`, { headers });
      expect(response.status, query).toBe(400);
    }
    const all = await fetch(`${emulator.apiUrl}/v2/sandboxes?limit=100`, { headers });
    expect(all.headers.get('x-next-token')).toBeNull();
    for (const id of started) await emulator.killSandbox(id);
  });

  it('ends a sandbox when its lifetime runs out', async () => {
    const short = await Sandbox.create({ ...opts(), timeoutMs: 1_000 });
    expect(await short.isRunning()).toBe(true);
    await vi.waitFor(async () => expect(await short.isRunning()).toBe(false), { timeout: 10_000, interval: 100 });
    await expect(short.commands.run('true')).rejects.toBeInstanceOf(SandboxNotFoundError);
    await expect(short.files.read('/home/user/x')).rejects.toBeInstanceOf(TimeoutError);
  });

  it('serves injected faults (rate limit)', async () => {
    emulator.injectFault({ plane: 'api', match: /^POST \/v2\/sandboxes$/, status: 429, body: { code: 429, message: 'too many sandboxes' } });
    await expect(Sandbox.create(opts())).rejects.toBeInstanceOf(RateLimitError);
  });
});

describe('process.Process', () => {
  it('runs /bin/bash -l -c with separate stdout and stderr, sandbox-wide and per-command envs, cwd', async () => {
    const result = await sandbox.commands.run('echo "$SANDBOX_WIDE $ONE"; echo oops >&2; pwd', { envs: { ONE: '1' }, cwd: '/tmp' });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'yes 1\n/tmp\n', stderr: 'oops\n' });
    const start = lastRequest((r) => r.path === '/process.Process/Start');
    expect(start.headers['content-type']).toBe('application/connect+json');
    expect(start.headers['e2b-sandbox-id']).toBe(sandbox.sandboxId);
    expect(start.headers['keepalive-ping-interval']).toBe('50');
  });

  it('reports a non-zero exit in the end event (CommandExitError)', async () => {
    const error = await sandbox.commands.run('echo partial; exit 7').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandExitError);
    expect(error).toMatchObject({ exitCode: 7, stdout: 'partial\n', error: 'exit status 7' });
  });

  it('rejects a missing cwd with invalid_argument', async () => {
    await expect(sandbox.commands.run('true', { cwd: '/nope' })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('kills a command past its Connect-Timeout-Ms deadline', async () => {
    await expect(sandbox.commands.run('sleep 30', { timeoutMs: 300 })).rejects.toBeInstanceOf(TimeoutError);
    expect(lastRequest((r) => r.path === '/process.Process/Start').headers['connect-timeout-ms']).toBe('300');
    await vi.waitFor(async () => expect((await sandbox.commands.list()).some((p) => p.args.includes('sleep 30'))).toBe(false), { timeout: 5_000 });
  });

  it('lists, feeds stdin, reconnects to and kills background commands', async () => {
    const handle = await sandbox.commands.run('cat', { background: true, stdin: true });
    const listed = await sandbox.commands.list();
    expect(listed.find((p) => p.pid === handle.pid)).toMatchObject({ cmd: '/bin/bash', args: ['-l', '-c', 'cat'] });

    const seen: string[] = [];
    const follower = await sandbox.commands.connect(handle.pid, { onStdout: (d) => void seen.push(d) });
    await sandbox.commands.sendStdin(handle.pid, 'hello stdin\n');
    await vi.waitFor(() => expect(seen.join('')).toBe('hello stdin\n'), { timeout: 5_000 });
    await sandbox.commands.closeStdin(handle.pid);
    expect((await handle.wait()).stdout).toBe('hello stdin\n');
    await follower.disconnect();

    const sleeper = await sandbox.commands.run('sleep 60', { background: true });
    expect(await sandbox.commands.kill(sleeper.pid)).toBe(true);
    const killed = await sleeper.wait().catch((e: unknown) => e);
    expect(killed).toMatchObject({ exitCode: -1, error: 'signal: killed' });
    expect(lastRequest((r) => r.path === '/process.Process/SendSignal').body).toEqual({ process: { pid: sleeper.pid }, signal: 'SIGNAL_SIGKILL' });
    expect(await sandbox.commands.kill(sleeper.pid)).toBe(false);
    // envd keeps an exit for 30 s: a late Connect gets the start and the retained end event.
    const late = await sandbox.commands.connect(sleeper.pid);
    await expect(late.wait()).rejects.toMatchObject({ exitCode: -1, error: 'signal: killed' });
    await expect(sandbox.commands.connect(999_999)).rejects.toThrow(/not found/);
  });

  it('answers Update (PTY resize) and PTY starts with clear errors', async () => {
    const handle = await sandbox.commands.run('sleep 30', { background: true });
    await expect(sandbox.pty.resize(handle.pid, { cols: 80, rows: 24 })).rejects.toThrow(/tty not assigned/);
    await handle.kill();
    await expect(sandbox.pty.create({ cols: 80, rows: 24, onData: () => undefined })).rejects.toThrow(/PTY/);
  });
});

describe('filesystem.Filesystem and /files', () => {
  it('writes and reads text and every byte value (multipart upload, raw download)', async () => {
    await sandbox.files.write('/home/user/docs/note.txt', 'héllo\n');
    expect(await sandbox.files.read('docs/note.txt')).toBe('héllo\n');
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    await sandbox.files.write('/tmp/bytes.bin', bytes.buffer);
    expect(Array.from(await sandbox.files.read('/tmp/bytes.bin', { format: 'bytes' }))).toEqual(Array.from(bytes));
    const upload = lastRequest((r) => r.method === 'POST' && r.path === '/files');
    expect(upload.query).toEqual({ path: '/tmp/bytes.bin' });
    expect(upload.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const written = await sandbox.files.write([
      { path: '/tmp/many/a.txt', data: 'a' },
      { path: '/tmp/many/b.txt', data: 'b' },
    ]);
    expect(written.map((w) => w.path)).toEqual(['/tmp/many/a.txt', '/tmp/many/b.txt']);
    await sandbox.files.write('/tmp/octet.txt', 'octet', { useOctetStream: true });
    expect(await sandbox.files.read('/tmp/octet.txt')).toBe('octet');
  });

  it('POST /files writes a streamed body as it arrives (octet-stream and multipart), never holding it whole', async () => {
    const MIB = 1024 * 1024;
    /** A body of `head` bytes, then a pause until `release()`, then a 1-byte tail. */
    const heldBody = (head: Uint8Array, tail: Uint8Array) => {
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      let step = 0;
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          step++;
          if (step === 1) controller.enqueue(head);
          else if (step === 2) {
            await held;
            controller.enqueue(tail);
          } else controller.close();
        },
      });
      return { stream, release };
    };
    const sizeOf = (path: string) => sandbox.files.getInfo(path).then((i) => i.size, () => -1);

    const octet = heldBody(new Uint8Array(MIB).fill(7), new Uint8Array([9]));
    const uploading = sandbox.files.write('/tmp/streamed/octet.bin', octet.stream);
    await vi.waitFor(async () => expect(await sizeOf('/tmp/streamed/octet.bin')).toBeGreaterThan(0), { timeout: 10_000 });
    octet.release();
    await uploading;
    expect(lastRequest((r) => r.method === 'POST' && r.path === '/files').headers['content-type']).toBe('application/octet-stream');
    expect(await sizeOf('/tmp/streamed/octet.bin')).toBe(MIB + 1);

    const boundary = 'kode-boundary-1';
    const head = Buffer.concat([
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="/tmp/streamed/multi.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`),
      Buffer.alloc(MIB, 5),
    ]);
    const multi = heldBody(head, Buffer.from(`x\r\n--${boundary}--\r\n`));
    const posting = fetch(`${emulator.sandboxUrl}/files`, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'e2b-sandbox-id': sandbox.sandboxId, 'e2b-sandbox-port': String(ENVD_PORT) },
      body: multi.stream,
      duplex: 'half',
    });
    await vi.waitFor(async () => expect(await sizeOf('/tmp/streamed/multi.bin')).toBeGreaterThan(0), { timeout: 10_000 });
    multi.release();
    const response = await posting;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([{ name: 'multi.bin', type: 'file', path: '/tmp/streamed/multi.bin' }]);
    expect(await sizeOf('/tmp/streamed/multi.bin')).toBe(MIB + 1);
  });

  it('maps missing paths, directories and non-directories to the client errors', async () => {
    await expect(sandbox.files.read('/home/user/missing.txt')).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(sandbox.files.read('/home/user')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(sandbox.files.list('/home/user/docs/note.txt')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(sandbox.files.getInfo('/nope')).rejects.toBeInstanceOf(FileNotFoundError);
    expect(await sandbox.files.exists('/nope')).toBe(false);
  });

  it('stats entries (a link as its target with lstat permissions, see envd-fidelity), lists by depth', async () => {
    await sandbox.commands.run('mkdir -p /tmp/tree/sub && echo x > /tmp/tree/sub/f && ln -s sub /tmp/tree/link');
    const link = await sandbox.files.getInfo('/tmp/tree/link');
    expect(link).toMatchObject({ type: 'dir', permissions: 'Lrwxrwxrwx', symlinkTarget: '/tmp/tree/sub', name: 'link' });
    const file = await sandbox.files.getInfo('/tmp/tree/sub/f');
    expect(file).toMatchObject({ type: 'file', size: 2, mode: 0o644, permissions: '-rw-r--r--' });
    expect(file.modifiedTime).toBeInstanceOf(Date);
    expect((await sandbox.files.list('/tmp/tree')).map((e) => e.path)).toEqual(['/tmp/tree/link', '/tmp/tree/sub']);
    expect((await sandbox.files.list('/tmp/tree', { depth: 2 })).map((e) => e.path)).toEqual(['/tmp/tree/link', '/tmp/tree/sub', '/tmp/tree/sub/f']);
    expect(lastRequest((r) => r.path === '/filesystem.Filesystem/ListDir').body).toEqual({ path: '/tmp/tree', depth: 2 });
  });

  it('makes directories (false when they exist), moves and removes', async () => {
    expect(await sandbox.files.makeDir('/tmp/made/deep')).toBe(true);
    expect(await sandbox.files.makeDir('/tmp/made/deep')).toBe(false);
    await sandbox.files.write('/tmp/made/from.txt', 'move me');
    const moved = await sandbox.files.rename('/tmp/made/from.txt', '/tmp/elsewhere/to.txt');
    expect(moved).toMatchObject({ path: '/tmp/elsewhere/to.txt', type: 'file' });
    await expect(sandbox.files.rename('/tmp/made/from.txt', '/tmp/x')).rejects.toBeInstanceOf(FileNotFoundError);
    await sandbox.files.remove('/tmp/made');
    expect(await sandbox.files.exists('/tmp/made/deep')).toBe(false);
  });

  it('streams WatchDir events (start first, names relative, recursive) until stopped', async () => {
    await sandbox.files.makeDir('/tmp/watched/inner');
    const events: FilesystemEvent[] = [];
    const handle = await sandbox.files.watchDir('/tmp/watched', (e) => void events.push(e), { recursive: true, includeEntry: true, timeoutMs: 0 });
    await sandbox.files.write('/tmp/watched/inner/new.txt', 'data');
    await sandbox.files.remove('/tmp/watched/inner/new.txt');
    await vi.waitFor(
      () => {
        expect(events.map((e) => `${e.type} ${e.name}`)).toEqual(
          expect.arrayContaining([`${FilesystemEventType.CREATE} inner/new.txt`, `${FilesystemEventType.WRITE} inner/new.txt`, `${FilesystemEventType.REMOVE} inner/new.txt`]),
        );
      },
      { timeout: 5_000 },
    );
    expect(events.find((e) => e.type === FilesystemEventType.CREATE)?.entry?.path).toBe('/tmp/watched/inner/new.txt');
    await handle.stop();
    const count = events.length;
    await sandbox.commands.run('echo late > /tmp/watched/late.txt');
    expect(events.length).toBe(count);
    await expect(sandbox.files.watchDir('/tmp/missing-dir', () => undefined)).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(sandbox.files.watchDir('/tmp/bytes.bin', () => undefined)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('serves the non-streaming watcher (CreateWatcher, GetWatcherEvents, RemoveWatcher)', async () => {
    // The JS SDK does not wrap these three RPCs; its own Connect client for the service does.
    type WatcherEvents = { events: Array<{ name: string }> };
    const rpc = (sandbox.files as unknown as { rpc: Record<string, (req: unknown) => Promise<{ watcherId: string } & WatcherEvents>> }).rpc;
    await sandbox.files.makeDir('/tmp/polled');
    const { watcherId } = await rpc.createWatcher!({ path: '/tmp/polled', recursive: false });
    expect(typeof watcherId).toBe('string');
    await sandbox.files.write('/tmp/polled/p.txt', 'p');
    await vi.waitFor(
      async () => {
        const { events } = await rpc.getWatcherEvents!({ watcherId });
        expect(events.map((e) => e.name)).toContain('p.txt');
      },
      { timeout: 5_000 },
    );
    await rpc.removeWatcher!({ watcherId });
    await expect(rpc.getWatcherEvents!({ watcherId })).rejects.toThrow(/not found/);
  });
});

describe('isolation and debug mode', () => {
  it('isolates sandboxes: own files, read-only /usr, own pid namespace', async () => {
    const other = await Sandbox.create(opts());
    await sandbox.files.write('/home/user/private.txt', 'mine');
    expect(await other.files.exists('/home/user/private.txt')).toBe(false);
    const usr = await other.commands.run('touch /usr/kode-test').catch((e: unknown) => e);
    expect((usr as CommandExitError).exitCode).not.toBe(0);
    const pids = await other.commands.run('ls /proc | grep -c "^[0-9]"');
    expect(Number(pids.stdout.trim())).toBeLessThan(20);
    expect((await sandbox.commands.run('echo ok', { requestTimeoutMs: 10_000 })).stdout).toBe('ok\n');
    await other.kill();
  });

  it('serves the client in debug mode (no control-plane call, id debug_sandbox_id)', async () => {
    await emulator.startSandbox({ sandboxId: 'debug_sandbox_id' });
    const apiCalls = emulator.requests.filter((r) => r.plane === 'api').length;
    const debug = await Sandbox.create({ debug: true, sandboxUrl: emulator.sandboxUrl });
    expect(debug.sandboxId).toBe('debug_sandbox_id');
    expect((await debug.commands.run('echo debug')).stdout).toBe('debug\n');
    expect(await debug.kill()).toBe(true);
    expect(emulator.requests.filter((r) => r.plane === 'api').length).toBe(apiCalls);
    expect(await debug.isRunning()).toBe(true);
    await emulator.killSandbox('debug_sandbox_id');
  });
});
