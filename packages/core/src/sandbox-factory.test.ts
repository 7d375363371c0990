import { afterEach, describe, expect, it } from 'vitest';
import { defineCapabilities } from './capabilities';
import { InvalidArgumentError } from './errors/error-classes';
import type { Sandbox } from './sandbox';
import { SandboxFactory } from './sandbox-factory';
import { SandboxLifecycle } from './sandbox-lifecycle';

/** A minimal real backend: just enough of the contract to observe the factory's behaviour. */
class RecordingSandbox implements Partial<Sandbox> {
  readonly kind = 'recording';
  readonly workDir = '/w';
  readonly lifecycle = new SandboxLifecycle('recording');
  readonly capabilities = defineCapabilities({
    exec: { exactOutput: true, streaming: false, sessions: false },
    fs: { binary: false, confined: false, symlinks: false, streaming: false },
    processes: { background: false, reconnect: false },
    watch: { native: false, polling: false },
    lifecycle: { restore: false, renew: false, pause: false },
    endpoints: false,
  });
  disposed = 0;
  constructor(readonly config: { kind: string; failInit?: boolean }) {}
  init(): Promise<void> {
    return this.lifecycle.init(() => (this.config.failInit ? Promise.reject(new Error('init failed')) : Promise.resolve()));
  }
  dispose(): Promise<void> {
    return this.lifecycle.dispose(() => {
      this.disposed++;
      return Promise.resolve();
    });
  }
}

const registry = (): Map<string, unknown> =>
  (globalThis as unknown as Record<symbol, Map<string, unknown>>)[Symbol.for('@kode/core/sandbox-factory-registry')] as Map<string, unknown>;

describe('SandboxFactory', () => {
  afterEach(() => {
    registry()?.delete('recording');
  });

  const register = () =>
    SandboxFactory.register({
      kind: 'recording',
      packageName: 'recording-backend',
      create: (config) => new RecordingSandbox(config) as unknown as Sandbox,
    });

  it('creates registered kinds without calling init', () => {
    register();
    const sandbox = SandboxFactory.create({ kind: 'recording' }) as unknown as RecordingSandbox;
    expect(sandbox.lifecycle.state).toBe('new');
    expect(SandboxFactory.has('recording')).toBe(true);
    expect(SandboxFactory.kinds()).toContain('recording');
  });

  it('createAsync initialises', async () => {
    register();
    const sandbox = (await SandboxFactory.createAsync({ kind: 'recording' })) as unknown as RecordingSandbox;
    expect(sandbox.lifecycle.state).toBe('ready');
  });

  it('createAsync disposes the sandbox when init fails, then rethrows', async () => {
    const created: RecordingSandbox[] = [];
    SandboxFactory.register({
      kind: 'recording',
      packageName: 'recording-backend',
      create: (config) => {
        const sandbox = new RecordingSandbox({ ...config, failInit: true });
        created.push(sandbox);
        return sandbox as unknown as Sandbox;
      },
    });
    await expect(SandboxFactory.createAsync({ kind: 'recording' })).rejects.toThrow('init failed');
    expect(created[0]?.disposed).toBe(1);
  });

  it('names the known kinds and their packages for an unknown kind', () => {
    register();
    try {
      SandboxFactory.create({ kind: 'nope' });
      expect.unreachable();
    } catch (error) {
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      const message = (error as Error).message;
      expect(message).toContain("'opensandbox' (@kode/opensandbox");
      expect(message).toContain("'local' (@kode/local");
      expect(message).toContain("'recording' (recording-backend)");
    }
  });

  it('hints at the package for a built-in kind that was not imported, and creates it once registered', () => {
    // The registry is per process: another test file may have imported @kode/e2b. Take e2b out
    // for this test (and put back whatever was there) so both cases are asserted every time.
    SandboxFactory.kinds(); // makes sure the registry exists
    const map = registry();
    const original = map.get('e2b');
    map.delete('e2b');
    try {
      expect(SandboxFactory.has('e2b')).toBe(false);
      expect(() => SandboxFactory.create({ kind: 'e2b' })).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', hint: expect.stringContaining('Install and import @kode/e2b') }),
      );
      SandboxFactory.register({ kind: 'e2b', packageName: '@kode/e2b', create: (config) => new RecordingSandbox(config) as unknown as Sandbox });
      const sandbox = SandboxFactory.create({ kind: 'e2b' }) as unknown as RecordingSandbox;
      expect(sandbox).toBeInstanceOf(RecordingSandbox);
      expect(sandbox.config).toEqual({ kind: 'e2b' });
    } finally {
      if (original === undefined) map.delete('e2b');
      else map.set('e2b', original);
    }
  });

  it('rejects configs without a kind', () => {
    expect(() => SandboxFactory.create(null as never)).toThrow(InvalidArgumentError);
    expect(() => SandboxFactory.create({} as never)).toThrow(/kind/);
  });
});
