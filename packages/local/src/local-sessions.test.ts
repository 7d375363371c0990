import { createServer } from 'node:http';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DisposedError, FileNotFoundError, InvalidArgumentError, PathOutsideSandboxError, UnsupportedCapabilityError } from '@kode/core';
import { describe, expect, it } from 'vitest';
import { openSandbox } from '../test/local-fixtures';

describe('LocalSandbox sessions', () => {
  it('keep cd and export, stdout and stderr apart, exact exit codes', async () => {
    const sandbox = await openSandbox();
    const session = await sandbox.sessions.create({ env: { START: "it's $HOME" } });
    const first = await session.exec('mkdir -p "a b" && cd "a b" && export NEXT=2; echo out; echo err >&2; exit 4');
    expect(first).toMatchObject({ code: 4, stdout: 'out\n', stderr: 'err\n', timedOut: false });
    const second = await session.exec('echo "$(pwd)|$START|$NEXT"');
    expect(second.stdout).toBe(`${sandbox.workDir}/a b|it's $HOME|2\n`);
  });

  it('exec env applies to one command and restores an earlier value', async () => {
    const sandbox = await openSandbox();
    const session = await sandbox.sessions.create({ env: { V: 'session' } });
    expect((await session.exec('echo $V', { env: { V: 'once', W: 'w' } })).stdout).toBe('once\n');
    expect((await session.exec('echo "$V|${W-unset}"')).stdout).toBe('session|unset\n');
  });

  it('a timeout kills only the command; the session keeps its state', async () => {
    const sandbox = await openSandbox();
    const session = await sandbox.sessions.create();
    await session.exec('export KEEP=yes');
    expect(await session.exec('sleep 30', { timeoutMs: 200 })).toMatchObject({ code: 124, timedOut: true });
    expect((await session.exec('echo $KEEP')).stdout).toBe('yes\n');
  });

  it('streams output through onStdout and caps it like exec', async () => {
    const sandbox = await openSandbox();
    const session = await sandbox.sessions.create();
    const chunks: string[] = [];
    const result = await session.exec('printf "%s" 0123456789', { onStdout: (chunk) => chunks.push(chunk), maxOutputBytes: 4 });
    expect(chunks.join('')).toBe('0123456789');
    expect(result).toMatchObject({ stdout: '0123', truncated: true });
  });

  it('checks cwd: confined, existing, a directory', async () => {
    const sandbox = await openSandbox();
    await mkdir(join(sandbox.workDir, 'dir'));
    await sandbox.fs.write('file.txt', 'x');
    await expect(sandbox.sessions.create({ cwd: '/' })).rejects.toBeInstanceOf(PathOutsideSandboxError);
    await expect(sandbox.sessions.create({ cwd: 'missing' })).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(sandbox.sessions.create({ cwd: 'file.txt' })).rejects.toBeInstanceOf(FileNotFoundError);
    const session = await sandbox.sessions.create({ cwd: 'dir' });
    expect((await session.exec('pwd')).stdout).toBe(`${sandbox.workDir}/dir\n`);
    await expect(session.exec('pwd', { cwd: 'missing' })).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(sandbox.sessions.create({ nope: true } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('dispose closes every session and removes its state', async () => {
    const sandbox = await openSandbox();
    const session = await sandbox.sessions.create();
    await session.exec('true');
    const tempRoot = (await sandbox.fs.temp()).replace(/\/files\/[^/]+$/, '');
    expect(await readdir(join(tempRoot, 'sessions'))).toHaveLength(1);
    await sandbox.dispose();
    await expect(session.exec('true')).rejects.toSatisfy((error) => DisposedError.isInstance(error));
    await session.close();
    await expect(sandbox.sessions.create()).rejects.toBeInstanceOf(DisposedError);
  });
});

describe('LocalSandbox endpoints and pause', () => {
  it('endpoints.get(port) is http://127.0.0.1:<port> and reaches a server on the host', async () => {
    const sandbox = await openSandbox();
    const server = createServer((_request, response) => response.end('local-endpoint'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const endpoint = await sandbox.endpoints.get(port);
      expect(endpoint).toEqual({ url: `http://127.0.0.1:${port}`, headers: {} });
      expect(await (await fetch(endpoint.url, { headers: endpoint.headers })).text()).toBe('local-endpoint');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('pause and resume are declared absent', async () => {
    const sandbox = await openSandbox();
    expect(sandbox.capabilities.lifecycle.pause).toBe(false);
    await expect(sandbox.pause()).rejects.toBeInstanceOf(UnsupportedCapabilityError);
    await expect(sandbox.resume()).rejects.toBeInstanceOf(UnsupportedCapabilityError);
  });
});
