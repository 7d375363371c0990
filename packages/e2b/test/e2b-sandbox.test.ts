/**
 * E2B-specific behaviour of `E2BSandbox` on the emulator: the requests the real E2B API and envd
 * expect, request budgets, lifecycle options, error mapping with hints and redaction, native watch
 * fallback and debug mode.
 */
import {
  AuthenticationFailedError,
  BackendError,
  ConnectionFailedError,
  FileNotFoundError,
  ImagePullFailedError,
  InvalidArgumentError,
  RateLimitedError,
  SandboxFactory,
  SandboxNotFoundError,
  type WatchEvent,
} from '@kode/core';
import { createServer } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { useE2BEmulator } from './support/emulator-harness';
import { E2BSandbox } from '../src/index';
import { createE2BWatchPort } from '../src/e2b-watch';

const e2b = useE2BEmulator();
const { config, started, requestsSince } = e2b;

describe('lifecycle requests', () => {
  it('creates from the template with lifetime in seconds, envs and metadata, then makes workDir', async () => {
    const mark = e2b.emulator.requests.length;
    const sandbox = await started({ timeoutMs: 90_500, envs: { TOKEN: 'secret-value' }, metadata: { owner: 'kit' }, workDir: '/home/user/project' });
    const [create, ...rest] = requestsSince(mark);
    expect(create).toMatchObject({ plane: 'api', method: 'POST', path: '/v2/sandboxes', status: 201 });
    expect(create!.headers['x-api-key']).toBe(e2b.emulator.apiKey);
    expect(create!.body).toMatchObject({ templateID: 'base', timeout: 91, envVars: { TOKEN: 'secret-value' }, metadata: { owner: 'kit' } });
    expect(rest.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /filesystem.Filesystem/MakeDir']);
    expect(rest[0]!.body).toEqual({ path: '/home/user/project' });
    expect((await sandbox.exec('pwd; echo $TOKEN')).stdout).toBe('/home/user/project\nsecret-value\n');
  });

  it('restores by sandboxId through connect (extending the lifetime), and fails clearly for an unknown id', async () => {
    const first = await started({ lifecycle: { disposeAction: 'close' } });
    const id = first.getSandboxId();
    await first.fs.write('kept.txt', 'still here');
    await first.dispose();
    const mark = e2b.emulator.requests.length;
    const restored = await started({ sandboxId: id, timeoutMs: 120_000 });
    expect(requestsSince(mark, (r) => r.plane === 'api').map((r) => [r.path, r.body])).toEqual([[`/v2/sandboxes/${id}/connect`, { timeout: 120 }]]);
    expect(await restored.fs.read('kept.txt')).toBe('still here');

    const missing = new E2BSandbox(config({ sandboxId: 'i0000000000000000dead' }));
    const error = await missing.init().catch((e: unknown) => e);
    expect(SandboxNotFoundError.isInstance(error)).toBe(true);
    expect((error as SandboxNotFoundError).hint).toMatch(/timeoutMs/);
  });

  it('sets the lifetime with setTimeout (seconds on the wire) and reports it in toConfig()', async () => {
    const sandbox = await started();
    const mark = e2b.emulator.requests.length;
    await sandbox.setTimeout(600_000);
    expect(requestsSince(mark).map((r) => [r.method, r.path, r.body])).toEqual([['POST', `/sandboxes/${sandbox.getSandboxId()}/timeout`, { timeout: 600 }]]);
    expect(sandbox.toConfig().timeoutMs).toBe(600_000);
    await expect(sandbox.setTimeout(10)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("disposes with 'kill' (DELETE) by default and leaves the sandbox running with 'close'", async () => {
    const killed = await started();
    const killedId = killed.getSandboxId();
    const mark = e2b.emulator.requests.length;
    await killed.dispose();
    await killed.dispose();
    expect(requestsSince(mark, (r) => r.plane === 'api').map((r) => `${r.method} ${r.path}`)).toEqual([`DELETE /sandboxes/${killedId}`]);
    expect(e2b.emulator.sandboxes().some((s) => s.sandboxId === killedId)).toBe(false);

    const closed = await started({ lifecycle: { disposeAction: 'close' } });
    const closedId = closed.getSandboxId();
    const mark2 = e2b.emulator.requests.length;
    await closed.dispose();
    expect(requestsSince(mark2, (r) => r.plane === 'api')).toEqual([]);
    expect(e2b.emulator.sandboxes().some((s) => s.sandboxId === closedId)).toBe(true);
    await e2b.emulator.killSandbox(closedId);
  });

  it('is registered as kind e2b and builds through the factory without I/O', async () => {
    expect(SandboxFactory.kinds()).toContain('e2b');
    const mark = e2b.emulator.requests.length;
    const sandbox = SandboxFactory.create(config());
    expect(sandbox).toBeInstanceOf(E2BSandbox);
    expect(e2b.emulator.requests.length).toBe(mark);
    const ready = await SandboxFactory.createAsync<E2BSandbox>(config());
    e2b.track(ready);
    expect(ready.getSandboxId()).toMatch(/^i/);
  });

  it('never puts the API key (or envs) in toConfig() unless asked', async () => {
    const sandbox = await started({ envs: { TOKEN: 'secret-value' } });
    const plain = JSON.stringify(sandbox.toConfig());
    expect(plain).not.toContain(e2b.emulator.apiKey);
    expect(plain).not.toContain('secret-value');
    expect(sandbox.toConfig()).toMatchObject({ kind: 'e2b', sandboxId: sandbox.getSandboxId(), template: 'base', workDir: '/home/user', timeoutMs: 300_000, execTimeoutMs: 120_000 });
    expect(sandbox.toConfig({ includeSecrets: true })).toMatchObject({ apiKey: e2b.emulator.apiKey, envs: { TOKEN: 'secret-value' } });
  });
});

describe('request budgets', () => {
  it('exec is one Start stream; a timeout adds only the kill', async () => {
    const sandbox = await started();
    let mark = e2b.emulator.requests.length;
    const result = await sandbox.exec('echo one; exit 3');
    expect(result).toMatchObject({ code: 3, stdout: 'one\n', timedOut: false });
    expect(requestsSince(mark).map((r) => r.path)).toEqual(['/process.Process/Start']);
    const start = requestsSince(mark)[0]!;
    expect(start.headers['connect-timeout-ms']).toBeUndefined();

    mark = e2b.emulator.requests.length;
    const timedOut = await sandbox.exec('sleep 30', { timeoutMs: 200 });
    expect(timedOut).toMatchObject({ code: 124, timedOut: true });
    expect(requestsSince(mark).map((r) => r.path)).toEqual(['/process.Process/Start', '/process.Process/Start', '/process.Process/SendSignal']);
  });

  it('glob is one ListDir whatever the tree', async () => {
    const sandbox = await started();
    await sandbox.exec('mkdir -p g/a/b g/.hidden && touch g/x.ts g/a/y.ts g/a/b/z.ts g/.hidden/h.ts g/a/n.js');
    const mark = e2b.emulator.requests.length;
    expect(await sandbox.fs.glob('**/*.ts', { cwd: 'g' })).toEqual(['a/b/z.ts', 'a/y.ts', 'x.ts']);
    expect(requestsSince(mark).map((r) => r.path)).toEqual(['/filesystem.Filesystem/ListDir']);
  });

  it('a polling snapshot of several paths is one command', async () => {
    const sandbox = await started();
    await sandbox.exec('mkdir -p snap/d/e && echo 1 > snap/f && echo 22 > snap/d/e/g && ln -s d snap/l');
    const port = createE2BWatchPort({ workDir: sandbox.workDir, client: () => sandbox.getClient(), fail: (e) => { throw e; }, failIdempotent: (e) => { throw e; } });
    const mark = e2b.emulator.requests.length;
    const entries = await port.snapshot({ paths: ['/home/user/snap/d', '/home/user/snap/f', '/home/user/snap/l', '/home/user/missing'], recursive: true });
    expect(requestsSince(mark).map((r) => r.path)).toEqual(['/process.Process/Start']);
    const byPath = Object.fromEntries(entries.map((e) => [e.path, e]));
    expect(Object.keys(byPath).sort()).toEqual(['/home/user/snap/d', '/home/user/snap/d/e', '/home/user/snap/d/e/g', '/home/user/snap/f', '/home/user/snap/l']);
    expect(byPath['/home/user/snap/d/e/g']).toMatchObject({ type: 'file', size: 3 });
    expect(byPath['/home/user/snap/l']!.type).toBe('symlink');
    expect(byPath['/home/user/snap/f']!.mtimeMs).toBe((await sandbox.fs.stat('snap/f')).mtimeMs);
  });
});

describe('native watch (files.watchDir)', () => {
  it('opens a recursive watchDir stream with entries and no deadline', async () => {
    const sandbox = await started({ watch: { mode: 'native' } });
    await sandbox.fs.mkdir('w');
    const mark = e2b.emulator.requests.length;
    const events: WatchEvent[] = [];
    const id = await sandbox.watchFiles(['w'], (e) => events.push(e));
    const watch = requestsSince(mark, (r) => r.path === '/filesystem.Filesystem/WatchDir');
    expect(watch).toHaveLength(1);
    expect(watch[0]!.headers['connect-timeout-ms']).toBeUndefined();
    expect(watch[0]!.headers['keepalive-ping-interval']).toBe('50');
    await sandbox.fs.write('w/sub/file.txt', 'x');
    await vi.waitFor(() => expect(events.some((e) => e.path === '/home/user/w/sub/file.txt' && e.via === 'native')).toBe(true), { timeout: 5_000 });
    // Events carry the file's real mtime (never the wall clock): the create event may show the
    // empty file's mtime, so wait for the one that matches the finished write.
    const { mtimeMs } = await sandbox.fs.stat('w/sub/file.txt');
    await vi.waitFor(() => expect(events.filter((e) => e.path === '/home/user/w/sub/file.txt').map((e) => e.mtimeMs)).toContain(mtimeMs), { timeout: 5_000 });
    await sandbox.unwatchFiles(id);
  });

  it('falls back to polling, announced once, when the watchDir stream dies', async () => {
    const sandbox = await started({ watch: { mode: 'native', pollIntervalMs: 100 } });
    await sandbox.fs.mkdir('fb');
    const reasons: string[] = [];
    const events: WatchEvent[] = [];
    await sandbox.watchFiles(['fb'], (e) => events.push(e), { onFallback: (reason) => reasons.push(reason) });
    await sandbox.exec('pkill -x inotifywait');
    await vi.waitFor(() => expect(reasons).toHaveLength(1), { timeout: 5_000 });
    expect(reasons[0]).toMatch(/watchDir stream for \/home\/user\/fb ended/);
    await sandbox.fs.write('fb/after.txt', 'polled');
    await vi.waitFor(() => expect(events.some((e) => e.path === '/home/user/fb/after.txt' && e.via === 'polling')).toBe(true), { timeout: 5_000 });
  });
});

describe('errors', () => {
  it('maps a rejected key to AuthenticationFailedError with a hint, never echoing the key', async () => {
    const secret = 'e2b_this_key_is_wrong_123';
    const sandbox = new E2BSandbox(config({ apiKey: secret }));
    const error = await sandbox.init().catch((e: unknown) => e);
    expect(AuthenticationFailedError.isInstance(error)).toBe(true);
    expect((error as AuthenticationFailedError).hint).toMatch(/E2B_API_KEY/);
    expect(JSON.stringify((error as AuthenticationFailedError).toJSON())).not.toContain(secret);
  });

  it('fails init without any API key before making a request', async () => {
    const previous = process.env.E2B_API_KEY;
    delete process.env.E2B_API_KEY;
    try {
      const mark = e2b.emulator.requests.length;
      const error = await new E2BSandbox({ kind: 'e2b', apiUrl: e2b.emulator.apiUrl, sandboxUrl: e2b.emulator.sandboxUrl }).init().catch((e: unknown) => e);
      expect(AuthenticationFailedError.isInstance(error)).toBe(true);
      expect(e2b.emulator.requests.length).toBe(mark);
    } finally {
      if (previous !== undefined) process.env.E2B_API_KEY = previous;
    }
  });

  it('reads the key from E2B_API_KEY', async () => {
    const previous = process.env.E2B_API_KEY;
    process.env.E2B_API_KEY = e2b.emulator.apiKey;
    try {
      const sandbox = new E2BSandbox({ kind: 'e2b', apiUrl: e2b.emulator.apiUrl, sandboxUrl: e2b.emulator.sandboxUrl });
      e2b.track(sandbox);
      await sandbox.init();
      expect(sandbox.getSandboxId()).toMatch(/^i/);
    } finally {
      if (previous === undefined) delete process.env.E2B_API_KEY;
      else process.env.E2B_API_KEY = previous;
    }
  });

  it('maps an unknown template to ImagePullFailedError, 429 to RateLimitedError and 503 to a retryable BackendError', async () => {
    const template = await new E2BSandbox(config({ template: 'nope' })).init().catch((e: unknown) => e);
    expect(ImagePullFailedError.isInstance(template)).toBe(true);
    expect((template as ImagePullFailedError).hint).toMatch(/'nope'/);

    e2b.emulator.injectFault({ plane: 'api', match: /^POST \/v2\/sandboxes$/, status: 429, body: { code: 429, message: 'concurrency limit' } });
    const limited = await new E2BSandbox(config()).init().catch((e: unknown) => e);
    expect(RateLimitedError.isInstance(limited)).toBe(true);
    expect((limited as RateLimitedError).retryable).toBe(true);

    e2b.emulator.injectFault({ plane: 'api', match: /^POST \/v2\/sandboxes$/, status: 503, body: { code: 503, message: 'no capacity' } });
    const busy = await new E2BSandbox(config()).init().catch((e: unknown) => e);
    expect(BackendError.isInstance(busy)).toBe(true);
    expect(busy).toMatchObject({ retryable: true, status: 503 });
  });

  it('maps an unreachable API to ConnectionFailedError', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await new E2BSandbox(config({ apiUrl: `http://127.0.0.1:${port}` })).init().catch((e: unknown) => e);
    expect(ConnectionFailedError.isInstance(error)).toBe(true);
  });

  it('raises SandboxNotFoundError (not a fake exit code) once the sandbox is gone', async () => {
    const sandbox = await started();
    await e2b.emulator.killSandbox(sandbox.getSandboxId());
    const exec = await sandbox.exec('true').catch((e: unknown) => e);
    expect(SandboxNotFoundError.isInstance(exec)).toBe(true);
    const read = await sandbox.fs.read('x').catch((e: unknown) => e);
    expect(SandboxNotFoundError.isInstance(read)).toBe(true);
    await sandbox.dispose();
  });

  it('raises FileNotFoundError for a missing exec or process cwd', async () => {
    const sandbox = await started();
    const exec = await sandbox.exec('true', { cwd: 'no/such/dir' }).catch((e: unknown) => e);
    expect(FileNotFoundError.isInstance(exec)).toBe(true);
    expect((exec as FileNotFoundError).path).toBe('/home/user/no/such/dir');
    const start = await sandbox.processes.start('true', { cwd: '/no/such/dir' }).catch((e: unknown) => e);
    expect(FileNotFoundError.isInstance(start)).toBe(true);
  });

  it('validates options up front, naming the option', () => {
    expect(() => new E2BSandbox(config({ timeoutMs: 10 }))).toThrow(/timeoutMs/);
    expect(() => new E2BSandbox(config({ workDir: 'relative' }))).toThrow(/workDir/);
    expect(() => new E2BSandbox(config({ lifecycle: { disposeAction: 'pause' as 'kill' } }))).toThrow(/disposeAction/);
    expect(() => new E2BSandbox(config({ sandboxUrl: 'ftp://x' }))).toThrow(/sandboxUrl/);
    expect(() => new E2BSandbox(config({ envs: { A: 1 as unknown as string } }))).toThrow(/envs/);
  });
});

describe('debug mode', () => {
  it('works against a single envd with no control plane and no key', async () => {
    await e2b.emulator.startSandbox({ sandboxId: 'debug_sandbox_id' });
    const apiCalls = e2b.emulator.requests.filter((r) => r.plane === 'api').length;
    const sandbox = new E2BSandbox({ kind: 'e2b', debug: true, sandboxUrl: e2b.emulator.sandboxUrl });
    await sandbox.init();
    expect(sandbox.getSandboxId()).toBe('debug_sandbox_id');
    expect((await sandbox.exec('echo debug')).stdout).toBe('debug\n');
    await sandbox.dispose();
    expect(e2b.emulator.requests.filter((r) => r.plane === 'api').length).toBe(apiCalls);
    expect(e2b.emulator.sandboxes().some((s) => s.sandboxId === 'debug_sandbox_id')).toBe(true);
    await e2b.emulator.killSandbox('debug_sandbox_id');
  });
});

describe('streamed files and shell sessions', () => {
  it('writeStream is one streamed multipart POST /files to the upload URL; readStream one GET /files', async () => {
    const sandbox = await started();
    const chunks = [new Uint8Array([1, 2, 3]), new Uint8Array(64 * 1024).fill(9)];
    const mark = e2b.emulator.requests.length;
    expect(await sandbox.fs.writeStream('/tmp/streamed.bin', chunks)).toEqual({ bytes: 3 + 64 * 1024 });
    const uploads = requestsSince(mark, (r) => r.method === 'POST' && r.path === '/files');
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=kode_/);
    expect(uploads[0]!.query.path).toMatch(/^\/tmp\/\.streamed\.bin\.kode-[0-9a-f]{12}\.tmp$/);
    // The upload does not stall waiting for envd to open the file: the part header goes out with
    // the first chunk (busboy holds a header's final CRLF back until more bytes come, so a header
    // sent alone left the file unopened and every write polled Stat for the full 5 s).
    const polls = requestsSince(mark, (r) => r.path === '/filesystem.Filesystem/Stat').length;
    expect(polls, 'Stat requests of one streamed write').toBeLessThan(20);
    const readMark = e2b.emulator.requests.length;
    const reader = (await sandbox.fs.readStream('/tmp/streamed.bin')).getReader();
    let bytes = 0;
    for (let r = await reader.read(); !r.done; r = await reader.read()) bytes += r.value.byteLength;
    expect(bytes).toBe(3 + 64 * 1024);
    expect(requestsSince(readMark, (r) => r.path === '/files').map((r) => r.method)).toEqual(['GET']);
    await expect(sandbox.fs.readStream('/tmp')).rejects.toBeInstanceOf(InvalidArgumentError);
    expect((await sandbox.fs.list('/tmp')).map((e) => e.name).filter((n) => n.includes('.kode-'))).toEqual([]);
  });

  it('a session keeps its state in a private directory under /tmp/.kode-sessions, removed by close and by dispose', async () => {
    const sandbox = await started({ lifecycle: { disposeAction: 'close' } });
    // A second handle on the same sandbox, to look after the first one is disposed.
    const probe = await started({ sandboxId: sandbox.getSandboxId(), lifecycle: { disposeAction: 'kill' } });
    const session = await sandbox.sessions.create({ env: { START: 'yes' } });
    const dir = `/tmp/.kode-sessions/${session.id}`;
    expect((await probe.exec(`stat -c %a ${dir}`)).stdout).toBe('700\n');
    expect((await session.exec('export NEXT=1; echo out; echo err >&2')).stderr).toBe('err\n');
    expect((await session.exec('echo "$START$NEXT"')).stdout).toBe('yes1\n');
    await session.close();
    expect(await probe.fs.exists(dir)).toBe(false);
    const other = await sandbox.sessions.create();
    expect(await probe.fs.exists(`/tmp/.kode-sessions/${other.id}`)).toBe(true);
    await sandbox.dispose();
    expect(await probe.fs.exists(`/tmp/.kode-sessions/${other.id}`)).toBe(false);
  });
});
