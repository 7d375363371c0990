import { BackendError, InvalidArgumentError, RateLimitedError } from '@kode/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, NO_RETRY_POLICY, resolveRetryPolicy, retryDelayMs, withRetry } from './retry-policy';

const fast = { attempts: 4, initialDelayMs: 1, maxDelayMs: 5, totalMs: 1_000 };

describe('resolveRetryPolicy', () => {
  it('true/undefined give the defaults, false gives no retries, objects override fields', () => {
    expect(resolveRetryPolicy(undefined, 't')).toBe(DEFAULT_RETRY_POLICY);
    expect(resolveRetryPolicy(true, 't')).toBe(DEFAULT_RETRY_POLICY);
    expect(resolveRetryPolicy(false, 't')).toBe(NO_RETRY_POLICY);
    expect(resolveRetryPolicy({ attempts: 2 }, 't')).toEqual({ ...DEFAULT_RETRY_POLICY, attempts: 2 });
  });

  it.each([[{ attempts: 0 }], [{ attempts: 1.5 }], [{ totalMs: 3e9 }], [{ tries: 3 }], ['yes'], [[1]]])('rejects %j', (option) => {
    expect(() => resolveRetryPolicy(option as never, 't')).toThrow(InvalidArgumentError);
  });
});

describe('withRetry', () => {
  it('retries a retryable failure until it succeeds', async () => {
    let calls = 0;
    const value = await withRetry(() => {
      calls++;
      return calls < 3 ? Promise.reject(new BackendError('503', { status: 503, retryable: true })) : Promise.resolve('ok');
    }, { policy: fast });
    expect(value).toBe('ok');
    expect(calls).toBe(3);
  });

  it('does not retry a non-retryable failure, and stops after the attempts', async () => {
    let calls = 0;
    await expect(withRetry(() => Promise.reject(new BackendError('400', { status: 400 })).finally(() => calls++), { policy: fast })).rejects.toThrow('400');
    expect(calls).toBe(1);
    calls = 0;
    await expect(withRetry(() => Promise.reject(new BackendError('503', { retryable: true })).finally(() => calls++), { policy: fast })).rejects.toThrow('503');
    expect(calls).toBe(4);
  });

  it('never retries with NO_RETRY_POLICY', async () => {
    let calls = 0;
    await expect(withRetry(() => Promise.reject(new BackendError('503', { retryable: true })).finally(() => calls++), { policy: NO_RETRY_POLICY })).rejects.toThrow();
    expect(calls).toBe(1);
  });

  it('an abort stops the wait and rejects with the reason', async () => {
    const controller = new AbortController();
    const pending = withRetry(() => Promise.reject(new BackendError('503', { retryable: true })), {
      policy: { ...fast, initialDelayMs: 10_000, maxDelayMs: 10_000, totalMs: 60_000 },
      signal: controller.signal,
    });
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});

describe('retryDelayMs', () => {
  it('grows exponentially within the cap, with jitter in the upper half', () => {
    const policy = { attempts: 10, initialDelayMs: 100, maxDelayMs: 1_000, totalMs: 60_000 };
    for (let i = 0; i < 50; i++) {
      const first = retryDelayMs(policy, 1, new Error('x'));
      expect(first).toBeGreaterThanOrEqual(50);
      expect(first).toBeLessThanOrEqual(100);
      expect(retryDelayMs(policy, 8, new Error('x'))).toBeLessThanOrEqual(1_000);
    }
  });

  it('honours Retry-After up to maxDelayMs', () => {
    const policy = { attempts: 10, initialDelayMs: 10, maxDelayMs: 3_000, totalMs: 60_000 };
    expect(retryDelayMs(policy, 1, new RateLimitedError('429', { retryAfterMs: 2_000 }))).toBe(2_000);
    expect(retryDelayMs(policy, 1, new RateLimitedError('429', { retryAfterMs: 60_000 }))).toBe(3_000);
  });
});
