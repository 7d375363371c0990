// Drives the emulator ONLY through the official client, @alibaba-group/opensandbox.
import {
  ConnectionConfig,
  Sandbox,
  SandboxApiException,
  SandboxManager,
  type ExecutionComplete,
  type ExecutionError,
  type ExecutionInit,
  type OutputMessage,
  type ServerStreamEvent,
} from '@alibaba-group/opensandbox';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../src/index';

const API_KEY = 'client-test-key';

describe('the official client against the emulator', () => {
  let emu: EmulatorHandle;
  let config: ConnectionConfig;
  let sbx: Sandbox;

  beforeAll(async () => {
    emu = await startEmulator({ apiKey: API_KEY });
    config = new ConnectionConfig({ domain: emu.domain, apiKey: API_KEY, disableMetrics: false });
    sbx = await Sandbox.create({
      image: 'ubuntu:24.04',
      connectionConfig: config,
      env: { CREATE_ENV: 'from-create' },
      metadata: { tag: 'client-test', team: 'kode' },
      timeoutSeconds: 600,
    });
  });

  afterAll(async () => {
    await sbx?.kill().catch(() => undefined);
    await sbx?.close();
    await emu?.close();
  });

  describe('lifecycle', () => {
    it('getInfo reports Running with entrypoint, metadata and dates', async () => {
      const info = await sbx.getInfo();
      expect(info.id).toBe(sbx.id);
      expect(info.status.state).toBe('Running');
      expect(info.entrypoint).toEqual(['tail', '-f', '/dev/null']);
      expect(info.metadata).toEqual({ tag: 'client-test', team: 'kode' });
      expect(info.createdAt).toBeInstanceOf(Date);
      expect(info.expiresAt).toBeInstanceOf(Date);
      expect(info.expiresAt!.getTime() - info.createdAt.getTime()).toBe(600_000);
      expect(await sbx.isHealthy()).toBe(true);
    });

    it('getEndpoint has no scheme; 44772 and 18080 both resolve', async () => {
      const execd = await sbx.getEndpoint(44772);
      expect(execd.endpoint).toMatch(/^127\.0\.0\.1:\d+\/proxy\/44772$/); // Docker bridge shape
      const egress = await sbx.getEndpoint(18080);
      expect(egress.endpoint).toMatch(/^127\.0\.0\.1:\d+\/proxy\/18080$/);
      expect(await sbx.getEndpointUrl(44772)).toBe(`http://${execd.endpoint}`);
    });

    it('getMetrics returns plausible numbers with a millisecond timestamp', async () => {
      const m = await sbx.getMetrics();
      expect(m.cpuCount).toBeGreaterThan(0);
      expect(m.cpuUsedPercentage).toBeGreaterThanOrEqual(0);
      expect(m.cpuUsedPercentage).toBeLessThanOrEqual(100);
      expect(m.memoryTotalMiB).toBeGreaterThan(0);
      expect(m.memoryUsedMiB).toBeLessThanOrEqual(m.memoryTotalMiB);
      expect(Math.abs(m.timestamp - Date.now())).toBeLessThan(120_000);
    });

    it('renew moves expiresAt', async () => {
      const renewed = await sbx.renew(1200);
      expect(renewed.expiresAt).toBeInstanceOf(Date);
      expect(renewed.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 1_100_000);
      const info = await sbx.getInfo();
      expect(info.expiresAt!.getTime()).toBe(renewed.expiresAt!.getTime());
    });

    it('sandbox.patchMetadata merges and deletes keys', async () => {
      const patched = await sbx.patchMetadata({ stage: 'dev', team: null });
      expect(patched.metadata).toEqual({ tag: 'client-test', stage: 'dev' });
      const restored = await sbx.patchMetadata({ team: 'kode', stage: null });
      expect(restored.metadata).toEqual({ tag: 'client-test', team: 'kode' });
      await expect(sbx.patchMetadata({ 'bad key!': 'x' })).rejects.toMatchObject({ statusCode: 400, error: { code: 'SANDBOX::INVALID_METADATA_LABEL' } });
    });

    it('without a networkPolicy there is no egress sidecar to ask', async () => {
      await expect(sbx.getEgressPolicy()).rejects.toThrow();
      expect((await sbx.getEndpoint(18080)).headers ?? {}).toEqual({});
    });

    it('Sandbox.connect reaches the same sandbox', async () => {
      const again = await Sandbox.connect({ sandboxId: sbx.id, connectionConfig: config });
      const run = await again.commands.run('echo connect-ok');
      expect(run.logs.stdout[0]?.text).toBe('connect-ok');
      await again.close();
    });

    it('a timeoutSeconds: null sandbox has no expiresAt and cannot be renewed', async () => {
      const manual = await Sandbox.create({ image: 'debian', connectionConfig: config, timeoutSeconds: null });
      try {
        expect((await manual.getInfo()).expiresAt).toBeNull();
        const err = await manual.renew(600).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SandboxApiException);
        expect((err as SandboxApiException).statusCode).toBe(409);
        expect((err as SandboxApiException).error.code).toBe('DOCKER::INVALID_EXPIRATION');
      } finally {
        await manual.kill();
        await manual.close();
      }
    });

    it('SandboxManager lists by state (OR) and metadata (AND), patches metadata, pauses and resumes', async () => {
      const manager = SandboxManager.create({ connectionConfig: config });
      const other = await Sandbox.create({ image: 'python:3.12', connectionConfig: config, metadata: { tag: 'client-test', team: 'other' } });
      try {
        const byTag = await manager.listSandboxInfos({ metadata: { tag: 'client-test' }, pageSize: 50 });
        expect(byTag.items.map((i) => i.id).sort()).toEqual([sbx.id, other.id].sort());
        expect(byTag.items[0]!.id).toBe(other.id); // newest first
        const byBoth = await manager.listSandboxInfos({ metadata: { tag: 'client-test', team: 'kode' } });
        expect(byBoth.items.map((i) => i.id)).toEqual([sbx.id]);

        const paged = await manager.listSandboxInfos({ metadata: { tag: 'client-test' }, page: 2, pageSize: 1 });
        expect(paged.items.map((i) => i.id)).toEqual([sbx.id]);
        expect(paged.pagination).toEqual({ page: 2, pageSize: 1, totalItems: 2, totalPages: 2, hasNextPage: false });

        await manager.pauseSandbox(other.id);
        expect((await manager.getSandboxInfo(other.id)).status.state).toBe('Paused');
        const paused = await manager.listSandboxInfos({ states: ['Paused'], metadata: { tag: 'client-test' } });
        expect(paused.items.map((i) => i.id)).toEqual([other.id]);
        const either = await manager.listSandboxInfos({ states: ['Running', 'Paused'], metadata: { tag: 'client-test' } });
        expect(either.items).toHaveLength(2);
        const running = await manager.listSandboxInfos({ states: ['Running'], metadata: { tag: 'client-test' } });
        expect(running.items.map((i) => i.id)).toEqual([sbx.id]);

        const patched = await manager.patchSandboxMetadata(other.id, { env: 'stage', team: null });
        expect(patched.metadata).toEqual({ tag: 'client-test', env: 'stage' });
        expect((await manager.getSandboxInfo(other.id)).metadata).toEqual({ tag: 'client-test', env: 'stage' });

        const resumed = await Sandbox.resume({ sandboxId: other.id, connectionConfig: config });
        expect((await resumed.commands.run('echo back')).logs.stdout[0]?.text).toBe('back');
        await resumed.close();
        await manager.renewSandbox(other.id, 900);
        await manager.killSandbox(other.id);
        await expect(manager.getSandboxInfo(other.id)).rejects.toMatchObject({ statusCode: 404, error: { code: 'DOCKER::SANDBOX_NOT_FOUND' } });
      } finally {
        await other.close();
        await manager.close();
      }
    });

    it('pause freezes processes and sandbox.resume returns a working sandbox', async () => {
      const other = await Sandbox.create({ image: 'ubuntu', connectionConfig: config });
      try {
        await other.commands.run('sh -c "while true; do date +%s%N >> /tmp/ticks; sleep 0.05; done" >/dev/null 2>&1 &');
        await vi.waitFor(async () => expect((await other.files.readFile('/tmp/ticks')).split('\n').length).toBeGreaterThan(2), { timeout: 5000 });
        await other.pause();
        expect((await other.getInfo()).status.state).toBe('Paused');
        const resumed = await other.resume();
        const before = (await resumed.files.readFile('/tmp/ticks')).split('\n').length;
        await vi.waitFor(async () => expect((await resumed.files.readFile('/tmp/ticks')).split('\n').length).toBeGreaterThan(before), { timeout: 5000 });
        expect((await resumed.getInfo()).status.state).toBe('Running');
      } finally {
        // resume() shares the connection config (and its transport) with `other`
        await other.kill();
        await other.close();
      }
    });

    it('Sandbox.connect to an unknown id rejects with the request id echoed', async () => {
      const requestId = `kode-e2e-${Date.now()}`;
      const err = await Sandbox.connect({
        sandboxId: '00000000-0000-4000-8000-000000000000',
        connectionConfig: new ConnectionConfig({ domain: emu.domain, apiKey: API_KEY, headers: { 'X-Request-ID': requestId } }),
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SandboxApiException);
      expect((err as SandboxApiException).requestId).toBe(requestId);
      expect((err as SandboxApiException).statusCode).toBe(404);
      expect((err as SandboxApiException).error.code).toBe('DOCKER::SANDBOX_NOT_FOUND');
    });

    it('get / pause / resume / kill / renew of an unknown id all reject', async () => {
      const manager = SandboxManager.create({ connectionConfig: config });
      const id = '00000000-0000-4000-8000-000000000001';
      for (const call of [
        () => manager.getSandboxInfo(id),
        () => manager.pauseSandbox(id),
        () => manager.resumeSandbox(id),
        () => manager.killSandbox(id),
        () => manager.renewSandbox(id, 600),
      ]) {
        await expect(call()).rejects.toMatchObject({ statusCode: 404 });
      }
      await manager.close();
    });

    it('a wrong API key is rejected with INVALID_API_KEY', async () => {
      const err = await Sandbox.create({ image: 'ubuntu', connectionConfig: { domain: emu.domain, apiKey: 'wrong' } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SandboxApiException);
      expect((err as SandboxApiException).statusCode).toBe(401);
      expect((err as SandboxApiException).error.code).toBe('INVALID_API_KEY');
    });

    it('an unknown image fails create with DOCKER::SANDBOX_IMAGE_PULL_FAILED', async () => {
      const err = await Sandbox.create({ image: 'no-such/image:1', connectionConfig: config }).catch((e: unknown) => e);
      expect((err as SandboxApiException).statusCode).toBe(500);
      expect((err as SandboxApiException).error.code).toBe('DOCKER::SANDBOX_IMAGE_PULL_FAILED');
    });
  });

  describe('commands', () => {
    it('run calls every handler in order and resolves exit code 0', async () => {
      const seen: string[] = [];
      const stdout: OutputMessage[] = [];
      const stderr: OutputMessage[] = [];
      let init: ExecutionInit | undefined;
      let complete: ExecutionComplete | undefined;
      const events: ServerStreamEvent[] = [];
      const run = await sbx.commands.run(
        'echo one; echo two >&2; echo; printf tail',
        { workingDirectory: '/tmp' },
        {
          onInit: (i) => {
            init = i;
            seen.push('init');
          },
          onStdout: (m) => {
            stdout.push(m);
            seen.push('stdout');
          },
          onStderr: (m) => {
            stderr.push(m);
            seen.push('stderr');
          },
          onResult: () => {
            seen.push('result');
          },
          onExecutionComplete: (c) => {
            complete = c;
            seen.push('complete');
          },
          onError: () => {
            seen.push('error');
          },
          onEvent: (ev) => {
            events.push(ev as ServerStreamEvent);
          },
        },
      );
      expect(init?.id).toMatch(/^[0-9a-f]{32}$/);
      expect(run.id).toBe(init?.id);
      expect(stdout.map((m) => m.text)).toEqual(['one', '\n', 'tail']);
      expect(stderr.map((m) => m.text)).toEqual(['two']);
      expect(stderr[0]?.isError).toBe(true);
      expect(seen[0]).toBe('init');
      expect(seen.at(-1)).toBe('complete');
      expect(seen).not.toContain('error');
      expect(seen).not.toContain('result');
      expect(complete?.executionTimeMs).toBeGreaterThanOrEqual(0);
      expect(run.exitCode).toBe(0);
      expect(run.error).toBeUndefined();
      expect(events.map((e) => e.type)).toContain('ping');
      expect(Math.abs((stdout[0]?.timestamp ?? 0) - Date.now())).toBeLessThan(60_000);
    });

    it('cwd, create-time env and per-run envs reach the command', async () => {
      const run = await sbx.commands.run('pwd; echo "$CREATE_ENV|$RUN_ENV"', { workingDirectory: '/tmp', envs: { RUN_ENV: 'per-run' } });
      expect(run.logs.stdout.map((m) => m.text)).toEqual(['/tmp', 'from-create|per-run']);
      const baseline = await sbx.commands.run('echo "[$RUN_ENV]"');
      expect(baseline.logs.stdout[0]?.text).toBe('[]');
    });

    it('a failing command resolves with CommandExecError and the exit code', async () => {
      const onComplete = vi.fn();
      const run = await sbx.commands.run('definitely-not-a-command-xyz', undefined, { onExecutionComplete: onComplete });
      expect(run.error?.name).toBe('CommandExecError');
      expect(run.error?.value).toBe('127');
      expect(run.exitCode).toBe(127);
      expect(run.complete).toBeUndefined();
      expect(run.logs.stderr.map((m) => m.text).join('\n')).toContain('definitely-not-a-command-xyz');
      expect(onComplete).not.toHaveBeenCalled();
    });

    it('a foreground timeout kills the command (evalue -1)', async () => {
      const started = Date.now();
      const run = await sbx.commands.run('sleep 20', { timeoutSeconds: 0.3 });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(run.error?.value).toBe('-1');
      expect(run.exitCode).toBe(-1);
    });

    it('background commands: status, logs by cursor, interrupt', async () => {
      const started = Date.now();
      const bg = await sbx.commands.run('echo log-line-1; echo log-line-2; sleep 30', { background: true });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(bg.exitCode).toBeUndefined();
      const id = bg.id!;
      const status = await sbx.commands.getCommandStatus(id);
      expect(status.id).toBe(id);
      expect(status.running).toBe(true);
      expect(status.content).toContain('log-line-1');
      expect(status.startedAt).toBeInstanceOf(Date);
      expect(status.finishedAt).toBeNull();

      let text = '';
      let cursor: number | undefined;
      await vi.waitFor(
        async () => {
          const logs = await sbx.commands.getBackgroundCommandLogs(id, cursor);
          text += logs.content;
          cursor = logs.cursor;
          expect(text).toBe('log-line-1\nlog-line-2\n');
        },
        { timeout: 5000 },
      );
      expect(cursor).toBe(Buffer.byteLength(text));
      const tail = await sbx.commands.getBackgroundCommandLogs(id, cursor);
      expect(tail.content).toBe('');
      expect(tail.cursor).toBe(cursor);

      await sbx.commands.interrupt(id);
      const after = await sbx.commands.getCommandStatus(id);
      expect(after.running).toBe(false);
      expect(after.finishedAt).toBeInstanceOf(Date);
      await expect(sbx.commands.interrupt(id)).rejects.toMatchObject({ statusCode: 500, error: { code: 'RUNTIME_ERROR' } });
    });

    it('interrupt stops a foreground command and its children', async () => {
      let id: string | undefined;
      const running = sbx.commands.run('sleep 60 & sleep 61; wait', undefined, {
        onInit: (i) => {
          id = i.id;
        },
      });
      await vi.waitFor(() => expect(id).toBeDefined(), { timeout: 5000 });
      await sbx.commands.interrupt(id!);
      const run = await running;
      expect(run.error?.name).toBe('CommandExecError');
      const ps = await sbx.commands.run('ps -eo args | grep -c "^sleep 6[01]" || true');
      expect(ps.logs.stdout[0]?.text).toBe('0');
    });

    it('sessions keep cwd and exported variables; errors carry the exit code', async () => {
      const session = await sbx.commands.createSession({ workingDirectory: '/tmp' });
      expect((await sbx.commands.runInSession(session, 'pwd')).logs.stdout[0]?.text).toBe('/tmp');
      await sbx.commands.runInSession(session, 'export SESSION_VAR=kept; cd /var');
      const state = await sbx.commands.runInSession(session, 'echo "$SESSION_VAR"; pwd; echo err >&2');
      expect(state.logs.stdout.map((m) => m.text)).toEqual(['kept', '/var', 'err']);
      const inRoot = await sbx.commands.runInSession(session, 'pwd', { workingDirectory: '/root' });
      expect(inRoot.logs.stdout[0]?.text).toBe('/root');
      const failed = await sbx.commands.runInSession(session, 'exit 7');
      expect(failed.error?.value).toBe('7');
      expect(failed.exitCode).toBe(7);
      expect(failed.complete).toBeUndefined();
      const other = await sbx.commands.createSession({ workingDirectory: '/var' });
      expect((await sbx.commands.runInSession(other, 'pwd; echo "[$SESSION_VAR]"')).logs.stdout.map((m) => m.text)).toEqual(['/var', '[]']);
      await sbx.commands.deleteSession(session);
      await sbx.commands.deleteSession(other);
      await expect(sbx.commands.deleteSession(session)).rejects.toMatchObject({ statusCode: 404, error: { code: 'CONTEXT_NOT_FOUND' } });
    });

    it('runStream yields the raw events', async () => {
      const types: string[] = [];
      for await (const ev of sbx.commands.runStream('echo streamed')) types.push(ev.type ?? '');
      expect(types[0]).toBe('init');
      expect(types[1]).toBe('ping');
      expect(types.filter((t) => t === 'stdout')).toHaveLength(1);
      expect(types.at(-1)).toBe('execution_complete');
    });

    it('onError is called for a non-zero exit', async () => {
      let error: ExecutionError | undefined;
      await sbx.commands.run('exit 3', undefined, {
        onError: (e) => {
          error = e;
        },
      });
      expect(error).toMatchObject({ name: 'CommandExecError', value: '3', traceback: ['exit status 3'] });
    });
  });

  describe('files', () => {
    const dir = '/workspace/fs_test';

    it('createDirectories applies modes; getFileInfo reports them', async () => {
      await sbx.files.createDirectories([
        { path: `${dir}/a`, mode: 755 },
        { path: `${dir}/b`, mode: 700 },
      ]);
      const info = await sbx.files.getFileInfo([`${dir}/a`, `${dir}/b`]);
      expect(info[`${dir}/a`]).toMatchObject({ path: `${dir}/a`, type: 'directory', mode: 755, owner: 'root', group: 'root' });
      expect(info[`${dir}/b`]?.mode).toBe(700);
      expect(info[`${dir}/a`]?.modifiedAt).toBeInstanceOf(Date);
      expect(info[`${dir}/a`]?.createdAt).toBeInstanceOf(Date);
      const ls = await sbx.commands.run(`ls -la ${dir} | grep -c '^d.* [ab]$'`);
      expect(ls.logs.stdout[0]?.text).toBe('2');
      // like execd, an existing directory keeps its mode and owner
      await sbx.files.createDirectories([{ path: `${dir}/a`, mode: 700, owner: 'nobody' }]);
      expect((await sbx.files.getFileInfo([`${dir}/a`]))[`${dir}/a`]).toMatchObject({ mode: 755, owner: 'root' });
      // owner/group go to every directory created
      await sbx.files.createDirectories([{ path: `${dir}/owned/deeper`, owner: 'nobody', group: 'nogroup' }]);
      const owned = await sbx.files.getFileInfo([`${dir}/owned`, `${dir}/owned/deeper`]);
      expect(Object.values(owned).map((i) => `${i.owner}:${i.group}`)).toEqual(['nobody:nogroup', 'nobody:nogroup']);
      await sbx.files.deleteDirectories([`${dir}/owned`]);
    });

    it('writeFiles accepts strings, bytes, blobs, streams and iterables, with mode and owner', async () => {
      const bytes = new Uint8Array(256).map((_, i) => i);
      async function* chunks(): AsyncIterable<Uint8Array> {
        for (const part of ['iter-', 'able']) yield await Promise.resolve(new TextEncoder().encode(part));
      }
      await sbx.files.writeFiles([
        { path: `${dir}/text.txt`, data: 'hello world\n', mode: 644 },
        { path: `${dir}/bin.dat`, data: bytes },
        { path: `${dir}/blob.txt`, data: new Blob(['blob data']) },
        { path: `${dir}/nested/deep/stream.txt`, data: new Blob(['streamed body']).stream() },
        { path: `${dir}/iter.txt`, data: chunks() },
        { path: `${dir}/owned.txt`, data: 'x', owner: 'nobody', group: 'nogroup', mode: 600 },
      ]);
      expect(await sbx.files.readFile(`${dir}/text.txt`)).toBe('hello world\n');
      expect(await sbx.files.readBytes(`${dir}/bin.dat`)).toEqual(bytes);
      expect(await sbx.files.readFile(`${dir}/blob.txt`)).toBe('blob data');
      expect(await sbx.files.readFile(`${dir}/nested/deep/stream.txt`)).toBe('streamed body');
      expect(await sbx.files.readFile(`${dir}/iter.txt`)).toBe('iter-able');
      const owned = (await sbx.files.getFileInfo([`${dir}/owned.txt`]))[`${dir}/owned.txt`];
      expect(owned).toMatchObject({ owner: 'nobody', group: 'nogroup', mode: 600, size: 1, type: 'file' });
    });

    it('reads ranges, bytes and streams', async () => {
      expect(await sbx.files.readFile(`${dir}/text.txt`, { range: 'bytes=0-4' })).toBe('hello');
      expect(await sbx.files.readFile(`${dir}/text.txt`, { range: 'bytes=6-' })).toBe('world\n');
      const parts: Uint8Array[] = [];
      for await (const part of sbx.files.readBytesStream(`${dir}/bin.dat`, { range: 'bytes=250-255' })) parts.push(part);
      expect(Buffer.concat(parts)).toEqual(Buffer.from([250, 251, 252, 253, 254, 255]));
      const lines = await sbx.files.readFile(`${dir}/text.txt`, { offset: 1, limit: 1 });
      expect(lines).toBe('hello world\n');
      await expect(sbx.files.readFile(`${dir}/missing.txt`)).rejects.toMatchObject({ statusCode: 404 });
    });

    it('search matches base names recursively; listDirectory honours depth', async () => {
      const found = await sbx.files.search({ path: dir, pattern: '*.txt' });
      expect(found.map((f) => f.path).sort()).toEqual(
        [`${dir}/blob.txt`, `${dir}/iter.txt`, `${dir}/nested/deep/stream.txt`, `${dir}/owned.txt`, `${dir}/text.txt`].sort(),
      );
      const all = await sbx.files.search({ path: dir, pattern: '*' });
      expect(all.every((f) => f.type === 'file')).toBe(true);
      expect(all).toHaveLength(6);
      const top = await sbx.files.listDirectory({ path: dir, depth: 1 });
      expect(top.map((f) => f.path)).toEqual(['a', 'b', 'bin.dat', 'blob.txt', 'iter.txt', 'nested', 'owned.txt', 'text.txt'].map((n) => `${dir}/${n}`));
      const deep = await sbx.files.listDirectory({ path: `${dir}/nested`, depth: 3 });
      expect(deep.map((f) => f.path)).toEqual([`${dir}/nested/deep`, `${dir}/nested/deep/stream.txt`]);
    });

    it('setPermissions, replaceContents(Detailed), moveFiles, deleteFiles, deleteDirectories', async () => {
      await sbx.files.setPermissions([{ path: `${dir}/text.txt`, mode: 600, owner: 'nobody', group: 'nogroup' }]);
      expect((await sbx.files.getFileInfo([`${dir}/text.txt`]))[`${dir}/text.txt`]).toMatchObject({ mode: 600, owner: 'nobody', group: 'nogroup' });

      await sbx.files.writeFiles([{ path: `${dir}/r.txt`, data: 'a-b-a-c-a' }]);
      const detailed = await sbx.files.replaceContentsDetailed([
        { path: `${dir}/r.txt`, oldContent: 'a', newContent: 'X' },
        { path: `${dir}/text.txt`, oldContent: 'absent', newContent: 'y' },
      ]);
      expect(detailed).toEqual([
        { path: `${dir}/r.txt`, replacedCount: 3 },
        { path: `${dir}/text.txt`, replacedCount: 0 },
      ]);
      await sbx.files.replaceContents([{ path: `${dir}/r.txt`, oldContent: 'X-b', newContent: 'Y' }]);
      expect(await sbx.files.readFile(`${dir}/r.txt`)).toBe('Y-X-c-X');

      await sbx.files.moveFiles([{ src: `${dir}/r.txt`, dest: `${dir}/moved/r2.txt` }]);
      expect(await sbx.files.readFile(`${dir}/moved/r2.txt`)).toBe('Y-X-c-X');
      await expect(sbx.files.readFile(`${dir}/r.txt`)).rejects.toMatchObject({ statusCode: 404 });

      await sbx.files.deleteFiles([`${dir}/moved/r2.txt`, `${dir}/never-existed`]);
      await expect(sbx.files.getFileInfo([`${dir}/moved/r2.txt`])).rejects.toMatchObject({ statusCode: 404, error: { code: 'FILE_NOT_FOUND' } });
      await sbx.files.deleteDirectories([dir]);
      await expect(sbx.files.listDirectory({ path: dir })).rejects.toMatchObject({ statusCode: 404 });
    });

    it('one request per file call (the request budget the backend relies on)', async () => {
      emu.stats.reset();
      await sbx.files.writeFiles([{ path: '/tmp/budget.txt', data: 'x' }]);
      await sbx.files.readFile('/tmp/budget.txt');
      await sbx.files.getFileInfo(['/tmp/budget.txt']);
      await sbx.commands.run('true');
      expect(emu.stats.snapshot({ api: 'execd' })).toEqual({
        'POST /files/upload': 1,
        'GET /files/download': 1,
        'GET /files/info': 1,
        'POST /command': 1,
      });
      expect(emu.stats.count('POST /command', { sandboxId: sbx.id })).toBe(1);
    });
  });
});
