/**
 * The seed document's snippets (`shared/seed/000_939185b93d117bc5.txt`), verbatim apart from the
 * import (`@kode/opensandbox` in place of `@shareai-lab/kode-sdk`). The environment variables the
 * quick start reads point at an emulator; snippets 3 and 4 hard-code `http://127.0.0.1:8080`, so
 * they run against an emulator on that port (skipped, with the reason, when the port is taken).
 * `Agent.create` belongs to the agent SDK, not to this package: the snippet's `sandbox` config goes
 * to `SandboxFactory.createAsync`, which is what `Agent.create` does with it.
 */
import { startEmulator, type EmulatorHandle } from '@kode/opensandbox-emulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OpenSandbox, SandboxFactory } from '@kode/opensandbox';

let emulator: EmulatorHandle;
let on8080: EmulatorHandle | undefined;
let port8080Problem: string | undefined;
const created: OpenSandbox[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  try {
    on8080 = await startEmulator({ port: 8080 });
  } catch (error) {
    port8080Problem = `127.0.0.1:8080 is not available for the seed's hard-coded endpoint (${(error as Error).message})`;
  }
}, 60_000);

afterAll(async () => {
  for (const sandbox of created) await sandbox.dispose().catch(() => undefined);
  await on8080?.close();
  await emulator?.close();
}, 60_000);

function useSeedEnvironment(): void {
  vi.stubEnv('OPEN_SANDBOX_ENDPOINT', emulator.url);
  vi.stubEnv('OPEN_SANDBOX_API_KEY', '');
  vi.stubEnv('OPEN_SANDBOX_IMAGE', 'ubuntu');
}

describe('seed snippets, verbatim', () => {
  it('quick start', async () => {
    useSeedEnvironment();
    const log = vi.spyOn(console, 'log');
    // --- seed: quick start (verbatim) ---
    const sandbox = new OpenSandbox({
      kind: 'opensandbox',
      apiKey: process.env.OPEN_SANDBOX_API_KEY,
      endpoint: process.env.OPEN_SANDBOX_ENDPOINT,
      image: process.env.OPEN_SANDBOX_IMAGE || 'ubuntu',
      timeoutMs: 600_000,
      execTimeoutMs: 120_000,
      useServerProxy: false,
      watch: { mode: 'polling', pollIntervalMs: 1000 },
      lifecycle: { disposeAction: 'kill' },
    });
    await sandbox.init();
    console.log('sandboxId:', sandbox.getSandboxId());
    const result = await sandbox.exec('echo "hello opensandbox"');
    console.log(result.code, result.stdout.trim());
    await sandbox.fs.write('demo.txt', 'hello from opensandbox');
    const content = await sandbox.fs.read('demo.txt');
    console.log(content.trim());
    await sandbox.dispose();
    // --- end of snippet ---
    const id = (log.mock.calls[0] ?? [])[1] as string;
    expect(log.mock.calls).toEqual([
      ['sandboxId:', id],
      [0, 'hello opensandbox'],
      ['hello from opensandbox'],
    ]);
    expect(emulator.sandboxIds()).not.toContain(id);
  });

  it('config passed to Agent.create: SandboxFactory.createAsync initialises it', async () => {
    useSeedEnvironment();
    // --- seed: the `sandbox` field of Agent.create (verbatim) ---
    const sandboxConfig = {
      kind: 'opensandbox',
      endpoint: process.env.OPEN_SANDBOX_ENDPOINT,
      apiKey: process.env.OPEN_SANDBOX_API_KEY,
      image: 'debian:latest',
      lifecycle: { disposeAction: 'kill' },
    };
    // --- end of snippet ---
    const sandbox = await SandboxFactory.createAsync<OpenSandbox>(sandboxConfig);
    expect(sandbox).toBeInstanceOf(OpenSandbox);
    const id = sandbox.getSandboxId();
    expect((await sandbox.exec('echo ready')).stdout).toBe('ready\n');
    await sandbox.dispose();
    expect(emulator.sandboxIds()).not.toContain(id);
  });

  it('instance passed after init()', async (context) => {
    if (port8080Problem) context.skip(port8080Problem);
    // --- seed: instance (verbatim) ---
    const sandbox = new OpenSandbox({ kind: 'opensandbox', endpoint: 'http://127.0.0.1:8080' });
    await sandbox.init();
    // --- end of snippet (then: Agent.create({ templateId: 'coder', sandbox }, deps)) ---
    created.push(sandbox);
    expect(on8080?.sandboxIds()).toContain(sandbox.getSandboxId());
    expect((await sandbox.exec('pwd')).stdout).toBe('/workspace\n');
  });

  it('restore by getSandboxId()', async (context) => {
    if (port8080Problem) context.skip(port8080Problem);
    // --- seed: restore (verbatim) ---
    const sandbox = new OpenSandbox({ kind: 'opensandbox', endpoint: 'http://127.0.0.1:8080' });
    await sandbox.init();
    const id = sandbox.getSandboxId();
    const restored = new OpenSandbox({
      kind: 'opensandbox',
      endpoint: 'http://127.0.0.1:8080',
      sandboxId: id,
    });
    await restored.init();
    // --- end of snippet ---
    created.push(restored, sandbox);
    expect(restored.getSandboxId()).toBe(id);
    await sandbox.fs.write('restore-check.txt', 'same sandbox');
    expect(await restored.fs.read('restore-check.txt')).toBe('same sandbox');
  });
});
