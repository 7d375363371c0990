import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileNotFoundError, InvalidArgumentError, OpenSandbox, SandboxError } from '../src/index';
import { useEmulator } from './emulator-harness';

/** exec details the conformance kit does not pin for every backend. */
const fixture = useEmulator();
let sandbox: OpenSandbox;

beforeAll(async () => {
  sandbox = new OpenSandbox(fixture.options());
  await sandbox.init();
}, 60_000);

afterAll(async () => {
  await sandbox?.dispose();
});

async function rejection(call: () => Promise<unknown>): Promise<SandboxError> {
  try {
    await call();
  } catch (error) {
    expect(SandboxError.isInstance(error), String(error)).toBe(true);
    return error as SandboxError;
  }
  throw new Error('expected a rejection');
}

describe('exec', () => {
  it('a missing cwd raises FileNotFoundError instead of inventing an exit code', async () => {
    const error = await rejection(() => sandbox.exec('pwd', { cwd: '/no/such/dir' }));
    expect(FileNotFoundError.isInstance(error)).toBe(true);
    expect((error as FileNotFoundError).path).toBe('/no/such/dir');
  });

  it('rejects bad arguments before any request', async () => {
    fixture.emulator.stats.reset();
    for (const call of [
      () => sandbox.exec(''),
      () => sandbox.exec('true', { timeoutMs: -1 }),
      () => sandbox.exec('true', { maxOutputBytes: 1.5 }),
      () => sandbox.exec('true', { env: { 'A=B': 'x' } }),
      () => sandbox.exec('true', { env: { A: 1 as unknown as string } }),
      () => sandbox.exec('true', { cwd: 'a\0b' }),
    ]) {
      expect(InvalidArgumentError.isInstance(await rejection(call))).toBe(true);
    }
    expect(fixture.emulator.stats.total({ sandboxId: sandbox.getSandboxId() })).toBe(0);
  });

  it('timeoutMs 0 means no limit (no timeout sent)', async () => {
    const result = await sandbox.exec('sleep 0.3; echo done', { timeoutMs: 0 });
    expect(result).toMatchObject({ code: 0, stdout: 'done\n', timedOut: false });
  });

  it('blank lines and a missing final newline come back line by line', async () => {
    const result = await sandbox.exec("printf 'a\\n\\nb'");
    expect(result.stdout).toBe('a\n\nb\n');
  });

  it('a throwing onStdout callback does not break the command', async () => {
    const result = await sandbox.exec('echo one; echo two', {
      onStdout: () => {
        throw new Error('listener bug');
      },
    });
    expect(result).toMatchObject({ code: 0, stdout: 'one\ntwo\n' });
  });

  it('a signal abort that arrives before the command id still stops the command in the sandbox', async () => {
    const stamp = String(Date.now());
    const controller = new AbortController();
    const call = sandbox.exec(`sleep 30; echo abort-early-${stamp}`, { signal: controller.signal });
    controller.abort(new Error('right away'));
    await expect(call).rejects.toThrow('right away');
    // The rejection comes after the interrupt: no process may still carry the command line.
    // (The probe builds the needle at run time so its own command line does not match.)
    const probe = `n="abort-early-"; n="$n${stamp}"; for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < "$f" 2>/dev/null; echo; done | grep -- "echo $n" | grep -v grep || true`;
    expect((await sandbox.exec(probe)).stdout).toBe('');
  });
});
