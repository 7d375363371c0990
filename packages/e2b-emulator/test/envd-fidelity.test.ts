/**
 * The envd answers that real envd gives and a naive emulator would not (one `describe` per row of
 * the envd-fidelity table in the README): symlink entries, ENOTDIR as 500, end events that wait for
 * the output pipes, a cwd that is a file, retained exits, unsupported signals, the upload's watch
 * events, `E2B_SANDBOX`, and the omitted zero exit code. Driven through the stock `e2b` client
 * (and, where the client hides the wire, through its own Connect client or a raw request).
 */
import { CommandExitError, FileNotFoundError, FilesystemEventType, InvalidArgumentError, Sandbox, type FilesystemEvent } from 'e2b';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startE2BEmulator, type E2BEmulator } from '../src/index';

let emulator: E2BEmulator;
let sandbox: Sandbox;

beforeAll(async () => {
  emulator = await startE2BEmulator();
  sandbox = await Sandbox.create('base', { apiKey: emulator.apiKey, apiUrl: emulator.apiUrl, sandboxUrl: emulator.sandboxUrl, timeoutMs: 120_000 });
  await sandbox.commands.run('mkdir -p /tmp/ln/dir && echo hi > /tmp/ln/file.txt && ln -s file.txt /tmp/ln/to-file && ln -s dir /tmp/ln/to-dir && ln -s nowhere /tmp/ln/dangling');
});
afterAll(async () => {
  await emulator?.close();
});

function statusOf(method: string, path: string): number | undefined {
  return [...emulator.requests].reverse().find((r) => r.method === method && r.path === path)?.status;
}

type RawEntry = { name: string; path: string; type: number; permissions: string };
function filesystemRpc(): { listDir(request: { path: string; depth: number }): Promise<{ entries: RawEntry[] }> } {
  return (sandbox.files as unknown as { rpc: ReturnType<typeof filesystemRpc> }).rpc;
}

describe('symlink entries (envd GetEntryInfo: the target type, lstat permissions)', () => {
  it('reports a link to a file as a file with permissions Lrwxrwxrwx and the resolved target', async () => {
    const info = await sandbox.files.getInfo('/tmp/ln/to-file');
    expect(info).toMatchObject({ type: 'file', permissions: 'Lrwxrwxrwx', symlinkTarget: '/tmp/ln/file.txt', mode: 0o644, name: 'to-file', path: '/tmp/ln/to-file' });
  });

  it('reports a link to a directory as a directory', async () => {
    expect(await sandbox.files.getInfo('/tmp/ln/to-dir')).toMatchObject({ type: 'dir', permissions: 'Lrwxrwxrwx', symlinkTarget: '/tmp/ln/dir', mode: 0o755 });
  });

  it('reports a dangling link with no type, mode 0 and its own path as target; the client list drops it', async () => {
    const info = await sandbox.files.getInfo('/tmp/ln/dangling');
    expect(info).toMatchObject({ type: undefined, mode: 0, permissions: 'Lrwxrwxrwx', symlinkTarget: '/tmp/ln/dangling' });
    expect((await sandbox.files.list('/tmp/ln')).map((e) => e.name)).toEqual(['dir', 'file.txt', 'to-dir', 'to-file']);
    const raw = await filesystemRpc().listDir({ path: '/tmp/ln', depth: 1 });
    expect(raw.entries.map((e) => [e.name, e.type, e.permissions])).toEqual([
      ['dangling', 0, 'Lrwxrwxrwx'],
      ['dir', 2, 'drwxr-xr-x'],
      ['file.txt', 1, '-rw-r--r--'],
      ['to-dir', 2, 'Lrwxrwxrwx'],
      ['to-file', 1, 'Lrwxrwxrwx'],
    ]);
  });

  it('lists a directory reached through a link under the requested path, without entering links', async () => {
    await sandbox.files.write('/tmp/ln/dir/inner.txt', 'x');
    expect((await sandbox.files.list('/tmp/ln/to-dir')).map((e) => e.path)).toEqual(['/tmp/ln/to-dir/inner.txt']);
    const deep = await sandbox.files.list('/tmp/ln', { depth: 3 });
    expect(deep.map((e) => e.path)).not.toContain('/tmp/ln/to-dir/inner.txt');
  });
});

describe('paths under a regular file (ENOTDIR is not "not found" on envd)', () => {
  it('answers Stat with 500 internal, so exists() throws instead of returning false', async () => {
    const error = await sandbox.files.getInfo('/tmp/ln/file.txt/x').catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(FileNotFoundError);
    expect(String(error)).toMatch(/\[internal\] error getting file info: lstat \/tmp\/ln\/file\.txt\/x: not a directory/);
    expect(statusOf('POST', '/filesystem.Filesystem/Stat')).toBe(500);
    await expect(sandbox.files.exists('/tmp/ln/file.txt/x')).rejects.toThrow(/not a directory/);
  });

  it('answers GET /files with 500', async () => {
    const error = await sandbox.files.read('/tmp/ln/file.txt/x').catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(FileNotFoundError);
    expect(String(error)).toMatch(/stat \/tmp\/ln\/file\.txt\/x: not a directory/);
    expect(statusOf('GET', '/files')).toBe(500);
  });

  it('answers ListDir with 500 internal', async () => {
    await expect(sandbox.files.list('/tmp/ln/file.txt/x')).rejects.toThrow(/\[internal\] error resolving symlink: not a directory/);
    expect(statusOf('POST', '/filesystem.Filesystem/ListDir')).toBe(500);
  });
});

describe('process end events', () => {
  it('waits for EOF on both output pipes: a background child holding stdout holds the end event back', async () => {
    const out: string[] = [];
    const handle = await sandbox.commands.run('sleep 300 & echo "child $!"; exit 3', { background: true, onStdout: (d) => void out.push(d) });
    await vi.waitFor(() => expect(out.join('')).toMatch(/^child \d+\n$/), { timeout: 5_000 });
    const child = Number(/child (\d+)/.exec(out.join(''))![1]);
    await vi.waitFor(async () => expect((await sandbox.commands.run(`test -e /proc/${handle.pid} || echo gone`)).stdout).toBe('gone\n'), { timeout: 5_000 });
    expect(handle.exitCode).toBeUndefined();
    expect((await sandbox.commands.list()).map((p) => p.pid)).toContain(handle.pid);
    await sandbox.commands.run(`kill ${child}`);
    const ended = await handle.wait().catch((e: unknown) => e);
    expect(ended).toBeInstanceOf(CommandExitError);
    expect(ended).toMatchObject({ exitCode: 3, stdout: `child ${child}\n` });
  });

  it('omits exitCode in the end event of a zero exit (proto3 JSON), and sets it otherwise', async () => {
    const events = async (cmd: string): Promise<Array<Record<string, unknown>>> => {
      const body = Buffer.from(JSON.stringify({ process: { cmd: '/bin/bash', args: ['-l', '-c', cmd] }, stdin: false }));
      const head = Buffer.alloc(5);
      head.writeUInt32BE(body.length, 1);
      const response = await fetch(`${emulator.sandboxUrl}/process.Process/Start`, {
        method: 'POST',
        headers: { 'content-type': 'application/connect+json', 'e2b-sandbox-id': sandbox.sandboxId, 'e2b-sandbox-port': '49983' },
        body: Buffer.concat([head, body]),
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      const out: Array<Record<string, unknown>> = [];
      for (let offset = 0; offset < bytes.length; ) {
        const length = bytes.readUInt32BE(offset + 1);
        out.push(JSON.parse(bytes.subarray(offset + 5, offset + 5 + length).toString('utf8')) as Record<string, unknown>);
        offset += 5 + length;
      }
      return out;
    };
    const endOf = (list: Array<Record<string, unknown>>) => list.map((m) => (m.event as { end?: unknown } | undefined)?.end).find((e) => e !== undefined);
    expect(endOf(await events('true'))).toEqual({ exited: true, status: 'exit status 0' });
    expect(endOf(await events('exit 4'))).toEqual({ exitCode: 4, exited: true, status: 'exit status 4', error: 'exit status 4' });
  });

  it('keeps the end event of an exited process for a late Connect (envd retains exits 30 s)', async () => {
    const handle = await sandbox.commands.run('exit 5', { background: true });
    await expect(handle.wait()).rejects.toMatchObject({ exitCode: 5 });
    const late = await sandbox.commands.connect(handle.pid);
    await expect(late.wait()).rejects.toMatchObject({ exitCode: 5, error: 'exit status 5' });
    expect((await sandbox.commands.list()).map((p) => p.pid)).not.toContain(handle.pid);
  });

  it('refuses a cwd that is a regular file with the fork error, not "does not exist"', async () => {
    const error = await sandbox.commands.run('true', { cwd: '/tmp/ln/file.txt' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(String(error)).toMatch(/error starting process '\/bin\/bash -l -c true': fork\/exec \/bin\/sh: not a directory/);
    await expect(sandbox.commands.run('true', { cwd: '/tmp/ln/missing' })).rejects.toThrow(/cwd '\/tmp\/ln\/missing' does not exist/);
  });

  it('answers a signal other than SIGKILL and SIGTERM with 501 unimplemented', async () => {
    const handle = await sandbox.commands.run('sleep 60', { background: true });
    const rpc = (sandbox.commands as unknown as { rpc: { sendSignal(request: { process: { selector: { case: 'pid'; value: number } }; signal: number }): Promise<unknown> } }).rpc;
    const error = await rpc.sendSignal({ process: { selector: { case: 'pid', value: handle.pid } }, signal: 2 }).catch((e: unknown) => e);
    // Code.Unimplemented of the client's Connect library.
    expect(error).toMatchObject({ code: 12, message: expect.stringMatching(/invalid signal: 2/) as unknown });
    expect(statusOf('POST', '/process.Process/SendSignal')).toBe(501);
    await handle.kill();
  });

  it('runs every process with E2B_SANDBOX=true', async () => {
    expect((await sandbox.commands.run('echo "$E2B_SANDBOX"')).stdout).toBe('true\n');
  });
});

describe('watch events of an upload (fsnotify on envd: the chown is a CHMOD, each write a WRITE)', () => {
  it('sends CREATE, CHMOD, then WRITE for a new file and CHMOD, then WRITE when replacing it', async () => {
    await sandbox.files.makeDir('/tmp/wup');
    const events: FilesystemEvent[] = [];
    const handle = await sandbox.files.watchDir('/tmp/wup', (e) => void events.push(e), { timeoutMs: 0 });
    await sandbox.files.write('/tmp/wup/a.txt', 'x'.repeat(10_000));
    // Consecutive writes may reach the watcher as one WRITE: inotify merges identical unread events.
    await vi.waitFor(() => expect(events.map((e) => e.type)).toContain(FilesystemEventType.WRITE), { timeout: 5_000 });
    const created = events.map((e) => e.type);
    expect(created.slice(0, 3)).toEqual([FilesystemEventType.CREATE, FilesystemEventType.CHMOD, FilesystemEventType.WRITE]);
    events.length = 0;
    await sandbox.files.write('/tmp/wup/a.txt', 'short');
    // A late WRITE of the first upload may still arrive first: the replacement is a CHMOD, then a WRITE.
    const types = (): FilesystemEventType[] => events.map((e) => e.type);
    const chmodThenWrite = (): boolean => {
      const at = types().indexOf(FilesystemEventType.CHMOD);
      return at >= 0 && types().slice(at + 1).includes(FilesystemEventType.WRITE);
    };
    await vi.waitFor(() => expect(chmodThenWrite()).toBe(true), { timeout: 5_000 });
    expect(types().find((type) => type !== FilesystemEventType.WRITE)).toBe(FilesystemEventType.CHMOD);
    expect(events.map((e) => e.type)).not.toContain(FilesystemEventType.CREATE);
    await handle.stop();
  });
});
