/** Options of {@link waitUntil}. */
export interface WaitUntilOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** Milliseconds between checks. Default 25. */
  intervalMs?: number;
  /** What is being waited for, for the timeout message. */
  what: string;
}

/**
 * Calls `check` until it returns a value other than `undefined`/`false`, then resolves with it.
 * Bounded: rejects with a descriptive error after `timeoutMs`. Errors thrown by `check` propagate.
 * @throws Error when the time runs out
 */
export async function waitUntil<T>(check: () => T | undefined | false | Promise<T | undefined | false>, options: WaitUntilOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 25;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) throw new Error(`Timed out after ${options.timeoutMs} ms waiting for ${options.what}.`);
    await delay(interval);
  }
}

/** Resolves after `ms` milliseconds (used only for pacing polls and for bounded quiet windows). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Settles like `promise`, or rejects with a descriptive error after `ms` milliseconds.
 * @throws Error when the time runs out
 */
export async function withTimeout<T>(promise: Promise<T>, options: { ms: number; what: string }): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${options.ms} ms: ${options.what}.`)), options.ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
