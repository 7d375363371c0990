import type { ConnectionConfig } from '@alibaba-group/opensandbox';

/** How long a seen `Retry-After` is attributed to the failure being mapped (ms). */
const ATTRIBUTION_WINDOW_MS = 2_000;
/** Longest `Retry-After` taken at its word (ms). */
const MAX_RETRY_AFTER_MS = 60_000;

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; `undefined` when absent or malformed. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

/**
 * Remembers the `Retry-After` of the latest 429/503 response of one client, so the error mapped
 * for that failure can carry `retryAfterMs` (the SDK's exceptions drop response headers). Wraps
 * the connection config's `fetch` and `sseFetch`; responses pass through untouched.
 */
export class RetryAfterTracker {
  #last: { ms: number; at: number } | undefined;

  /** Wraps the transports of `config` (once). */
  attach(config: ConnectionConfig): void {
    for (const name of ['fetch', 'sseFetch'] as const) {
      const original = config[name];
      const wrapped: typeof fetch = async (input, init) => {
        const response = await original(input, init);
        if (response.status === 429 || response.status === 503) {
          const ms = parseRetryAfter(response.headers.get('retry-after'));
          this.#last = ms === undefined ? undefined : { ms, at: Date.now() };
        }
        return response;
      };
      Object.defineProperty(config, name, { value: wrapped, configurable: true });
    }
  }

  /** The `Retry-After` of a 429/503 seen in the last moments, in ms. */
  recent(): number | undefined {
    const last = this.#last;
    return last !== undefined && Date.now() - last.at <= ATTRIBUTION_WINDOW_MS ? last.ms : undefined;
  }
}
