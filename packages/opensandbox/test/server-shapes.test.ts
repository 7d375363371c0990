// The backend against every wire shape of a real server that changes what it sees: execd's 400
// for a missing cwd (newer execd) and its stream error (execd 1.0.x); directory downloads that
// announce a body and cut the connection (500 through a bridge endpoint's self-proxy, 200 direct
// and through the server proxy); bridge, port and server-proxy endpoints; and the `real` timing
// profile (1 s stream grace, create and delete latency).
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '@kode/opensandbox-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileNotFoundError, InvalidArgumentError, OpenSandbox, SandboxError } from '../src/index';

const shapes: { name: string; emulator: EmulatorOptions; useServerProxy?: boolean }[] = [
  { name: 'defaults (bridge endpoints, missing cwd 400)', emulator: {} },
  { name: 'old shapes (port endpoints, missing cwd as a stream error, no /v1 in proxy endpoints)', emulator: { directEndpoint: 'port', missingCwd: 'stream-error', serverProxyPath: 'root' } },
  { name: 'server proxy', emulator: { routing: 'server-proxy' } },
  { name: 'useServerProxy on a direct server', emulator: {}, useServerProxy: true },
  { name: "the 'real' timing profile", emulator: { profile: 'real' } },
];

async function rejection(call: () => Promise<unknown>): Promise<SandboxError> {
  try {
    await call();
  } catch (error) {
    expect(SandboxError.isInstance(error), String(error)).toBe(true);
    return error as SandboxError;
  }
  throw new Error('expected a rejection');
}

describe.each(shapes)('$name', ({ emulator: options, useServerProxy }) => {
  let emulator: EmulatorHandle | undefined;
  let sandbox: OpenSandbox | undefined;

  beforeAll(async () => {
    emulator = await startEmulator(options);
    sandbox = new OpenSandbox({ kind: 'opensandbox', endpoint: emulator.url, ...(useServerProxy ? { useServerProxy } : {}) });
    await sandbox.init();
  }, 60_000);
  afterAll(async () => {
    await sandbox?.dispose();
    await emulator?.close();
  }, 60_000);

  it('exec returns output and exit codes', async () => {
    const box = sandbox!;
    expect(await box.exec('echo hi; echo err >&2')).toMatchObject({ code: 0, stdout: 'hi\n', stderr: 'err\n' });
    expect((await box.exec('exit 3')).code).toBe(3);
  });

  it('exec and processes.start in a missing cwd raise FileNotFoundError naming it', async () => {
    const box = sandbox!;
    const error = await rejection(() => box.exec('pwd', { cwd: '/no/such/dir' }));
    expect(FileNotFoundError.isInstance(error), error.message).toBe(true);
    expect((error as FileNotFoundError).path).toBe('/no/such/dir');
    const started = await rejection(() => box.processes.start('pwd', { cwd: '/no/such/dir' }));
    // execd 1.0.x starts background commands and reports nothing useful; newer execd refuses with 400
    if (options.missingCwd !== 'stream-error') {
      expect(FileNotFoundError.isInstance(started), started.message).toBe(true);
      expect((started as FileNotFoundError).path).toBe('/no/such/dir');
    }
  });

  it('reading a directory raises InvalidArgumentError (not a retryable connection failure)', async () => {
    const box = sandbox!;
    await box.fs.mkdir('a-dir');
    for (const read of [() => box.fs.read('a-dir'), () => box.fs.readBytes('a-dir')]) {
      const error = await rejection(read);
      expect(InvalidArgumentError.isInstance(error), `${error.code}: ${error.message}`).toBe(true);
      expect(error.retryable).toBe(false);
      expect(error.message).toContain('is a directory');
    }
    // the connection cut left the client usable
    await box.fs.write('a-dir/f.txt', 'x');
    expect(await box.fs.read('a-dir/f.txt')).toBe('x');
  });

  it('a background process runs and its output is read', async () => {
    const box = sandbox!;
    const { id } = await box.processes.start('echo from-bg');
    const status = await box.processes.wait(id, { timeoutMs: 20_000 });
    expect(status.code).toBe(0);
    expect((await box.processes.output(id)).data).toBe('from-bg\n');
  });
});
