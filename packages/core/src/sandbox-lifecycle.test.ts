import { describe, expect, it } from 'vitest';
import { DisposedError, NotInitializedError } from './errors/error-classes';
import { SandboxLifecycle } from './sandbox-lifecycle';

describe('SandboxLifecycle', () => {
  it('runs init once for concurrent and repeated calls', async () => {
    const lifecycle = new SandboxLifecycle('test');
    let starts = 0;
    const start = async () => {
      starts++;
      await Promise.resolve();
    };
    await Promise.all([lifecycle.init(start), lifecycle.init(start)]);
    await lifecycle.init(start);
    expect(starts).toBe(1);
    expect(lifecycle.state).toBe('ready');
    expect(() => lifecycle.assertReady()).not.toThrow();
  });

  it('raises NotInitializedError with a hint before init', () => {
    const lifecycle = new SandboxLifecycle('test');
    try {
      lifecycle.assertReady();
      expect.unreachable();
    } catch (error) {
      expect(NotInitializedError.isInstance(error)).toBe(true);
      expect((error as NotInitializedError).hint).toMatch(/init\(\)/);
    }
  });

  it('lets a failed init be retried', async () => {
    const lifecycle = new SandboxLifecycle('test');
    await expect(lifecycle.init(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(lifecycle.state).toBe('new');
    await lifecycle.init(() => Promise.resolve());
    expect(lifecycle.state).toBe('ready');
  });

  it('disposes once, and everything after raises DisposedError', async () => {
    const lifecycle = new SandboxLifecycle('test');
    await lifecycle.init(() => Promise.resolve());
    const seen: boolean[] = [];
    const stop = (wasReady: boolean) => {
      seen.push(wasReady);
      return Promise.resolve();
    };
    await Promise.all([lifecycle.dispose(stop), lifecycle.dispose(stop)]);
    await lifecycle.dispose(stop);
    expect(seen).toEqual([true]);
    expect(() => lifecycle.assertReady()).toThrow(DisposedError);
    await expect(lifecycle.init(() => Promise.resolve())).rejects.toSatisfy((e) => DisposedError.isInstance(e));
  });

  it('dispose waits for a pending init', async () => {
    const lifecycle = new SandboxLifecycle('test');
    let release!: () => void;
    const init = lifecycle.init(() => new Promise<void>((resolve) => (release = resolve)));
    const order: string[] = [];
    const disposed = lifecycle.dispose(() => {
      order.push('stop');
      return Promise.resolve();
    });
    order.push('before-release');
    release();
    await init;
    await disposed;
    expect(order).toEqual(['before-release', 'stop']);
    expect(lifecycle.state).toBe('disposed');
  });
});
