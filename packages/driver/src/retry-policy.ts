import { assertTimeMs, clampTimerMs, InvalidArgumentError, SandboxError } from '@kode/core';

/** How idempotent calls are retried. Every field is optional; see {@link DEFAULT_RETRY_POLICY}. */
export interface RetryOptions {
  /** Attempts in total, the first included (1 = no retry). Default 4. */
  attempts?: number;
  /** Delay before the first retry in ms; doubles each time, with full jitter. Default 250. */
  initialDelayMs?: number;
  /** Upper bound of one delay in ms (also caps `Retry-After`). Default 5 000. */
  maxDelayMs?: number;
  /** No retry starts later than this many ms after the first attempt. Default 30 000. */
  totalMs?: number;
}

/** A complete retry policy. */
export type RetryPolicy = Required<RetryOptions>;

/** The policy used unless a sandbox's `retry` option says otherwise. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ attempts: 4, initialDelayMs: 250, maxDelayMs: 5_000, totalMs: 30_000 });

/** No retries at all (`retry: false`). */
export const NO_RETRY_POLICY: RetryPolicy = Object.freeze({ attempts: 1, initialDelayMs: 0, maxDelayMs: 0, totalMs: 0 });

/**
 * Resolves a `retry` option: `undefined`/`true` → defaults, `false` → no retries, an object →
 * defaults overridden field by field.
 * @throws InvalidArgumentError naming the bad field
 */
export function resolveRetryPolicy(option: RetryOptions | boolean | undefined, backend: string): RetryPolicy {
  if (option === undefined || option === true) return DEFAULT_RETRY_POLICY;
  if (option === false) return NO_RETRY_POLICY;
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new InvalidArgumentError('retry must be true, false or an object { attempts?, initialDelayMs?, maxDelayMs?, totalMs? }.', { backend });
  }
  const known = new Set(['attempts', 'initialDelayMs', 'maxDelayMs', 'totalMs']);
  for (const key of Object.keys(option)) {
    if (!known.has(key)) throw new InvalidArgumentError(`retry.${key} is not an option; use attempts, initialDelayMs, maxDelayMs or totalMs.`, { backend });
  }
  const { attempts } = option;
  if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < 1 || attempts > 20)) {
    throw new InvalidArgumentError(`retry.attempts must be an integer from 1 to 20, got ${String(attempts)}.`, { backend });
  }
  assertTimeMs(option.initialDelayMs, { name: 'retry.initialDelayMs', backend });
  assertTimeMs(option.maxDelayMs, { name: 'retry.maxDelayMs', backend });
  assertTimeMs(option.totalMs, { name: 'retry.totalMs', backend });
  return Object.freeze({ ...DEFAULT_RETRY_POLICY, ...option });
}

/** Whether `error` may go away if the same idempotent call is sent again. */
export function isRetryable(error: unknown): boolean {
  return SandboxError.isInstance(error) && error.retryable;
}

/** The delay before retry number `retry` (1-based): exponential with full jitter, `Retry-After` honoured. */
export function retryDelayMs(policy: RetryPolicy, retry: number, error: unknown): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retry - 1));
  const jittered = ceiling / 2 + Math.random() * (ceiling / 2);
  const asked = SandboxError.isInstance(error) ? error.retryAfterMs : undefined;
  return clampTimerMs(asked !== undefined ? Math.min(Math.max(asked, jittered), policy.maxDelayMs) : jittered);
}

/** Options of {@link withRetry}. */
export interface WithRetryOptions {
  policy: RetryPolicy;
  /** Stops retrying (and rejects with its reason) when aborted. */
  signal?: AbortSignal | undefined;
  /** Called before each retry, e.g. for a debug log. */
  onRetry?: ((info: { attempt: number; delayMs: number; error: unknown }) => void) | undefined;
}

/**
 * Runs `call` and, while it fails with a retryable error, runs it again after a back-off, within
 * the policy's attempts and total time. Only for idempotent calls: the caller decides that.
 * Rejects with the last error.
 */
export async function withRetry<T>(call: () => Promise<T>, options: WithRetryOptions): Promise<T> {
  const { policy, signal } = options;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= policy.attempts || !isRetryable(error)) throw error;
      const delayMs = retryDelayMs(policy, attempt, error);
      if (Date.now() - started + delayMs > policy.totalMs) throw error;
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
