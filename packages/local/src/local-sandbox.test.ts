import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DisposedError,
  FileNotFoundError,
  InvalidArgumentError,
  NotInitializedError,
  SandboxFactory,
  SandboxNotFoundError,
} from '@kode/core';
import { describe, expect, it, vi } from 'vitest';
import { LOCAL_CAPABILITIES, LocalSandbox, localSandboxId, type LocalSandboxConfig, NATIVE_WATCH_AVAILABLE } from './index';
import { openSandbox, tempDir, track } from '../test/local-fixtures';

const isInvalid = (e: unknown): boolean => InvalidArgumentError.isInstance(e);

function construct(config: unknown): () => LocalSandbox {
  return () => new LocalSandbox(config as LocalSandboxConfig);
}

describe('LocalSandbox config', () => {
  it('validates every option up front with InvalidArgumentError, without I/O', () => {
    const bad: unknown[] = [
      null,
      { kind: 'e2b' },
      { kind: 'local', workDir: '' },
      { kind: 'local', workDir: 'a\0b' },
      { kind: 'local', allowPaths: 'x' },
      { kind: 'local', allowPaths: [''] },
      { kind: 'local', env: { A: 1 } },
      { kind: 'local', env: { 'A=B': 'x' } },
      { kind: 'local', execTimeoutMs: -5 },
      { kind: 'local', execTimeoutMs: Number.NaN },
      // The front's rules (issue 11): POSIX env names, integer milliseconds within the timer limit.
      { kind: 'local', env: { 'has space': 'x' } },
      { kind: 'local', env: { '9LIVES': 'x' } },
      { kind: 'local', execTimeoutMs: 1.5 },
      { kind: 'local', execTimeoutMs: 2 ** 31 },
      { kind: 'local', watch: { pollIntervalMs: 150.5 } },
      { kind: 'local', watch: { mode: 'inotify' } },
      { kind: 'local', watch: { pollIntervalMs: 10 } },
      { kind: 'local', watch: { interval: 100 } },
      { kind: 'local', sandboxId: 7 },
      { kind: 'local', enforceBoundary: false },
    ];
    for (const config of bad) expect(construct(config), JSON.stringify(config)).toThrow(expect.toSatisfy(isInvalid));
    // No I/O: a workDir that does not exist is accepted until init().
    expect(() => new LocalSandbox({ kind: 'local', workDir: '/definitely/not/here' })).not.toThrow();
  });

  it('never puts env values in messages', () => {
    const error = (() => {
      try {
        new LocalSandbox({ kind: 'local', env: { TOKEN: 'sk-secret-value\0' } });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error?.message).toContain('TOKEN');
    expect(error?.message).not.toContain('sk-secret-value');
  });

  it('defaults workDir to process.cwd() and resolves relative allowPaths against workDir', () => {
    const sandbox = new LocalSandbox({ kind: 'local', allowPaths: ['shared'] });
    expect(sandbox.workDir).toBe(process.cwd());
    expect(sandbox.toConfig()).toEqual({ kind: 'local', workDir: process.cwd(), allowPaths: [resolve(process.cwd(), 'shared')], execTimeoutMs: 120_000 });
  });

  it('defaults the watch mode to native where inotifywait is available, else polling', async () => {
    const sandbox = await openSandbox();
    const events: string[] = [];
    await sandbox.watchFiles(['.'], (e) => events.push(`${e.via}:${e.type}:${e.path}`));
    await writeFile(join(sandbox.workDir, 'f.txt'), 'x');
    const via = NATIVE_WATCH_AVAILABLE ? 'native' : 'polling';
    await vi.waitFor(() => expect(events).toContain(`${via}:create:${sandbox.workDir}/f.txt`), { timeout: 10_000, interval: 20 });
  });

  it('is what SandboxFactory.create builds for kind local', () => {
    const sandbox = SandboxFactory.create({ kind: 'local', workDir: tmpdir() });
    expect(sandbox).toBeInstanceOf(LocalSandbox);
    expect(SandboxFactory.kinds()).toContain('local');
  });
});

describe('LocalSandbox lifecycle', () => {
  it('declares frozen capabilities', () => {
    expect(Object.isFrozen(LOCAL_CAPABILITIES)).toBe(true);
    expect(LOCAL_CAPABILITIES).toMatchObject({
      exec: { exactOutput: true, streaming: true, sessions: true },
      fs: { binary: true, confined: true, symlinks: true, streaming: true },
      processes: { background: true, reconnect: false },
      watch: { polling: true },
      lifecycle: { restore: true, renew: false, pause: false },
      endpoints: true,
    });
  });

  it('raises NotInitializedError before init and DisposedError after dispose', async () => {
    const sandbox = track(new LocalSandbox({ kind: 'local', workDir: await tempDir() }));
    const notInit = (e: unknown): boolean => NotInitializedError.isInstance(e);
    expect(() => sandbox.getSandboxId()).toThrow(expect.toSatisfy(notInit));
    await expect(sandbox.exec('true')).rejects.toSatisfy(notInit);
    await expect(sandbox.fs.read('x')).rejects.toSatisfy(notInit);
    await expect(sandbox.fs.temp()).rejects.toSatisfy(notInit);
    await expect(sandbox.processes.list()).rejects.toSatisfy(notInit);
    await sandbox.init();
    await sandbox.dispose();
    const disposed = (e: unknown): boolean => DisposedError.isInstance(e);
    await expect(sandbox.exec('true')).rejects.toSatisfy(disposed);
    await expect(sandbox.fs.write('x', 'y')).rejects.toSatisfy(disposed);
    await expect(sandbox.fs.glob('*')).rejects.toSatisfy(disposed);
    // resolve is pure (no I/O, no state): it answers in any state (the front's contract).
    expect(sandbox.fs.resolve('x')).toBe(`${sandbox.workDir}/x`);
    await expect(sandbox.processes.start('true')).rejects.toSatisfy(disposed);
    await expect(sandbox.watchFiles(['.'], () => undefined)).rejects.toSatisfy(disposed);
    // dispose closed every watch, so unwatching afterwards is a no-op that resolves (the front's contract).
    await expect(sandbox.unwatchFiles('x')).resolves.toBeUndefined();
    await expect(sandbox.init()).rejects.toSatisfy(disposed);
  });

  it('init is idempotent and concurrent-safe; dispose is idempotent and removes the temp dir', async () => {
    const sandbox = track(new LocalSandbox({ kind: 'local', workDir: await tempDir() }));
    await Promise.all([sandbox.init(), sandbox.init()]);
    await sandbox.init();
    const temp = await sandbox.fs.temp();
    const tempRoot = join(temp, '..', '..');
    expect((await stat(tempRoot)).isDirectory()).toBe(true);
    await Promise.all([sandbox.dispose(), sandbox.dispose()]);
    await sandbox.dispose();
    await expect(stat(tempRoot)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('init fails with FileNotFoundError for a missing workDir and InvalidArgumentError for a file; a retry works', async () => {
    const base = await tempDir();
    const missing = track(new LocalSandbox({ kind: 'local', workDir: join(base, 'later') }));
    await expect(missing.init()).rejects.toSatisfy((e) => FileNotFoundError.isInstance(e));
    await mkdir(join(base, 'later'));
    await missing.init();
    expect(missing.workDir).toBe(join(base, 'later'));
    await writeFile(join(base, 'file'), '');
    const file = track(new LocalSandbox({ kind: 'local', workDir: join(base, 'file') }));
    await expect(file.init()).rejects.toSatisfy(isInvalid);
    await expect(SandboxFactory.createAsync({ kind: 'local', workDir: join(base, 'nope') })).rejects.toSatisfy((e) => FileNotFoundError.isInstance(e));
  });

  it('derives a stable id from the real workDir', async () => {
    const sandbox = await openSandbox();
    expect(sandbox.getSandboxId()).toBe(localSandboxId(sandbox.workDir));
    expect(sandbox.getSandboxId()).toMatch(/^local-[0-9a-f]{16}$/);
    const twin = await openSandbox({ workDir: sandbox.workDir });
    expect(twin.getSandboxId()).toBe(sandbox.getSandboxId());
    const other = await openSandbox();
    expect(other.getSandboxId()).not.toBe(sandbox.getSandboxId());
  });

  it('toConfig is JSON-safe, restores the same sandbox and omits env unless secrets are asked for', async () => {
    const extra = await tempDir();
    const sandbox = await openSandbox({ allowPaths: [extra], env: { API_TOKEN: 'sk-123456' }, execTimeoutMs: 5000, watch: { mode: 'polling', pollIntervalMs: 250 } });
    const config = sandbox.toConfig();
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
    expect(config).toEqual({
      kind: 'local',
      workDir: sandbox.workDir,
      allowPaths: [extra],
      execTimeoutMs: 5000,
      watch: { mode: 'polling', pollIntervalMs: 250 },
      sandboxId: sandbox.getSandboxId(),
    });
    expect(JSON.stringify(config)).not.toContain('sk-123456');
    expect(sandbox.toConfig({ includeSecrets: true }).env).toEqual({ API_TOKEN: 'sk-123456' });
    await sandbox.fs.write('kept.txt', 'still here');
    const restored = track(await SandboxFactory.createAsync<LocalSandbox>(config));
    expect(restored.getSandboxId()).toBe(sandbox.getSandboxId());
    expect(await restored.fs.read('kept.txt')).toBe('still here');
    await restored.fs.write(`${extra}/via-allow.txt`, 'ok');
  });

  it('init refuses a sandboxId that does not belong to the workDir', async () => {
    const sandbox = track(new LocalSandbox({ kind: 'local', workDir: await tempDir(), sandboxId: 'local-0000000000000000' }));
    await expect(sandbox.init()).rejects.toSatisfy((e) => SandboxNotFoundError.isInstance(e));
  });

  it('supports await using', async () => {
    const dir = await tempDir();
    let tempPath = '';
    {
      await using sandbox = new LocalSandbox({ kind: 'local', workDir: dir });
      await sandbox.init();
      tempPath = await sandbox.fs.temp();
    }
    await expect(stat(join(tempPath, '..'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(dir)).toEqual([]);
  });
});
