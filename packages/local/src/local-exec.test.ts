import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DisposedError, FileNotFoundError, InvalidArgumentError, PathOutsideSandboxError } from '@kode/core';
import { describe, expect, it } from 'vitest';
import { openSandbox, pidAlive, tempDir } from '../test/local-fixtures';

describe('LocalSandbox.exec', () => {
  it('returns exit codes as data, keeps stdout and stderr apart and reports duration', async () => {
    const sandbox = await openSandbox();
    const ok = await sandbox.exec('echo out; echo err >&2');
    expect(ok).toMatchObject({ code: 0, stdout: 'out\n', stderr: 'err\n', timedOut: false, truncated: false });
    expect(ok.durationMs).toBeGreaterThanOrEqual(0);
    expect((await sandbox.exec('exit 3')).code).toBe(3);
    const missing = await sandbox.exec('definitely-not-a-command-kode');
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('not found');
  });

  it('runs bash (bash syntax works) in workDir by default and in a confined cwd', async () => {
    const sandbox = await openSandbox();
    await mkdir(join(sandbox.workDir, 'sub dir'));
    expect((await sandbox.exec('[[ 1 == 1 ]] && pwd')).stdout).toBe(`${sandbox.workDir}\n`);
    expect((await sandbox.exec('pwd', { cwd: 'sub dir' })).stdout).toBe(`${sandbox.workDir}/sub dir\n`);
  });

  it('merges process.env, config env and call env (call wins)', async () => {
    const sandbox = await openSandbox({ env: { KODE_A: 'config', KODE_B: 'config' } });
    const result = await sandbox.exec('echo "$KODE_A $KODE_B ${PATH:+has-path}"', { env: { KODE_B: 'call' } });
    expect(result.stdout).toBe('config call has-path\n');
  });

  it('rejects a missing cwd with FileNotFoundError, an escaping cwd with PathOutsideSandboxError', async () => {
    const sandbox = await openSandbox();
    await expect(sandbox.exec('true', { cwd: 'nope' })).rejects.toSatisfy((e) => FileNotFoundError.isInstance(e));
    await expect(sandbox.exec('true', { cwd: '..' })).rejects.toSatisfy((e) => PathOutsideSandboxError.isInstance(e));
    const outside = await tempDir();
    await symlink(outside, join(sandbox.workDir, 'link-out'));
    await expect(sandbox.exec('true', { cwd: 'link-out' })).rejects.toSatisfy((e) => PathOutsideSandboxError.isInstance(e));
  });

  it('validates options with InvalidArgumentError', async () => {
    const sandbox = await openSandbox();
    await expect(sandbox.exec('true', { timeoutMs: -1 })).rejects.toSatisfy((e) => InvalidArgumentError.isInstance(e));
    await expect(sandbox.exec('true', { maxOutputBytes: 1.5 })).rejects.toSatisfy((e) => InvalidArgumentError.isInstance(e));
    await expect(sandbox.exec('true', { env: { 'A=B': 'x' } })).rejects.toSatisfy((e) => InvalidArgumentError.isInstance(e));
    await expect(sandbox.exec(42 as unknown as string)).rejects.toSatisfy((e) => InvalidArgumentError.isInstance(e));
  });

  it('follows the front\'s argument rules (issue 11): empty command, POSIX env names, integer ms, unknown keys', async () => {
    const sandbox = await openSandbox();
    const isInvalid = (e: unknown): boolean => InvalidArgumentError.isInstance(e);
    // Before the front, `exec('')` resolved `{ code: 0 }` and these options were accepted or ignored.
    await expect(sandbox.exec('')).rejects.toSatisfy(isInvalid);
    await expect(sandbox.exec('   ')).rejects.toSatisfy(isInvalid);
    await expect(sandbox.exec('true', { env: { 'has space': 'x' } })).rejects.toSatisfy(isInvalid);
    await expect(sandbox.exec('true', { env: { '1A': 'x' } })).rejects.toSatisfy(isInvalid);
    await expect(sandbox.exec('true', { timeoutMs: 1.5 })).rejects.toSatisfy(isInvalid);
    await expect(sandbox.exec('true', { timeout: 5 } as never)).rejects.toSatisfy(isInvalid);
    await expect(sandbox.processes.start('true', { env: { 'A=B': 'x' } })).rejects.toSatisfy(isInvalid);
    await expect(sandbox.processes.start('')).rejects.toSatisfy(isInvalid);
    expect((await sandbox.exec('echo "$_OK_1"', { env: { _OK_1: 'yes' } })).stdout).toBe('yes\n');
  });

  it('on timeout kills the whole process group, grandchild included, and returns 124', async () => {
    const sandbox = await openSandbox();
    const result = await sandbox.exec('sleep 30 & echo $!; wait', { timeoutMs: 300 });
    expect(result).toMatchObject({ code: 124, timedOut: true });
    const pid = Number(result.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    expect(pidAlive(pid)).toBe(false);
  });

  it('escalates to SIGKILL when the command ignores SIGTERM', async () => {
    const sandbox = await openSandbox();
    const result = await sandbox.exec("trap '' TERM; sleep 30 & echo $!; wait; wait", { timeoutMs: 200 });
    expect(result.code).toBe(124);
    expect(pidAlive(Number(result.stdout.trim()))).toBe(false);
  });

  it('uses the config execTimeoutMs by default; timeoutMs 0 means no limit', async () => {
    const sandbox = await openSandbox({ execTimeoutMs: 200 });
    expect((await sandbox.exec('sleep 5')).timedOut).toBe(true);
    expect(await sandbox.exec('sleep 0.3; echo done', { timeoutMs: 0 })).toMatchObject({ code: 0, stdout: 'done\n' });
  });

  it('on abort kills the tree and rejects with signal.reason', async () => {
    const sandbox = await openSandbox();
    const controller = new AbortController();
    const reason = new Error('stop it');
    let pid = 0;
    const run = sandbox.exec('sleep 30 & echo $!; wait', {
      signal: controller.signal,
      onStdout: (chunk) => {
        pid = Number(chunk.trim());
        controller.abort(reason);
      },
    });
    await expect(run).rejects.toBe(reason);
    expect(pid).toBeGreaterThan(0);
    expect(pidAlive(pid)).toBe(false);
  });

  it('rejects at once for an already-aborted signal, without running the command', async () => {
    const sandbox = await openSandbox();
    const reason = new Error('early');
    await expect(sandbox.exec('touch ran', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(await sandbox.fs.exists('ran')).toBe(false);
  });

  it('streams stdout and stderr chunks while the command runs', async () => {
    const sandbox = await openSandbox();
    const seen: string[] = [];
    const errs: string[] = [];
    const result = await sandbox.exec('echo first; echo second; echo bad >&2', {
      onStdout: (chunk) => seen.push(chunk),
      onStderr: (chunk) => errs.push(chunk),
    });
    expect(seen.join('')).toBe('first\nsecond\n');
    expect(errs.join('')).toBe('bad\n');
    expect(result.stdout).toBe('first\nsecond\n');
  });

  it('never splits a multi-byte character in streamed chunks', async () => {
    const sandbox = await openSandbox();
    const chunks: string[] = [];
    // "é" is c3 a9; write the two bytes in separate writes.
    const result = await sandbox.exec("printf '\\xc3'; sleep 0.05; printf '\\xa9\\n'", { onStdout: (c) => chunks.push(c) });
    expect(chunks.join('')).toBe('é\n');
    expect(chunks.every((c) => !c.includes('\ufffd'))).toBe(true);
    expect(result.stdout).toBe('é\n');
  });

  it('a throwing callback breaks neither the command nor its result (the front swallows it)', async () => {
    const sandbox = await openSandbox();
    let calls = 0;
    const result = await sandbox.exec('echo x; sleep 0.05; echo y', {
      onStdout: () => {
        calls++;
        throw new Error('listener failed');
      },
    });
    expect(result).toMatchObject({ code: 0, stdout: 'x\ny\n', timedOut: false });
    expect(calls).toBeGreaterThanOrEqual(2);
  });

  it('caps each stream at maxOutputBytes and sets truncated', async () => {
    const sandbox = await openSandbox();
    const result = await sandbox.exec('head -c 5000 /dev/zero | tr "\\0" a; echo -n ok >&2', { maxOutputBytes: 1000 });
    expect(result.stdout).toBe('a'.repeat(1000));
    expect(result.stderr).toBe('ok');
    expect(result.truncated).toBe(true);
  });

  it('keeps 5 MiB of output byte-exact under the default cap', async () => {
    const sandbox = await openSandbox();
    const result = await sandbox.exec('head -c 5242880 /dev/zero | tr "\\0" x');
    expect(result.stdout.length).toBe(5 * 1024 * 1024);
    expect(result.truncated).toBe(false);
  });

  it('reports death by signal n as 128 + n', async () => {
    const sandbox = await openSandbox();
    expect((await sandbox.exec('kill -KILL $$')).code).toBe(137);
    expect((await sandbox.exec('kill -TERM $$')).code).toBe(143);
  });

  it('returns soon after the shell exits even when a background child keeps the pipes open', async () => {
    const sandbox = await openSandbox();
    const result = await sandbox.exec('sleep 30 & echo $!');
    expect(result.code).toBe(0);
    expect(result.durationMs).toBeLessThan(10_000);
    const pid = Number(result.stdout.trim());
    expect(pidAlive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
  });

  it('keeps 20 concurrent commands apart', async () => {
    const sandbox = await openSandbox();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => sandbox.exec(`echo ${i}; echo e${i} >&2`)));
    results.forEach((r, i) => expect([r.stdout, r.stderr]).toEqual([`${i}\n`, `e${i}\n`]));
  });

  it('dispose aborts a running command with DisposedError and kills it', async () => {
    const sandbox = await openSandbox();
    let pid = 0;
    let started: () => void = () => undefined;
    const ready = new Promise<void>((r) => (started = r));
    const run = sandbox.exec('sleep 30 & echo $!; wait', {
      onStdout: (c) => {
        pid = Number(c.trim());
        started();
      },
    });
    const outcome = run.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await ready;
    await sandbox.dispose();
    expect(DisposedError.isInstance(await outcome)).toBe(true);
    expect(pidAlive(pid)).toBe(false);
  });
});
