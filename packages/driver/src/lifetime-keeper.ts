import { clampTimerMs } from '@kode/core';

/** Options of {@link LifetimeKeeper}. */
export interface LifetimeKeeperOptions {
  /** The lifetime in ms that a renew grants. */
  lifetimeMs: number;
  /** Sends one renew request for `lifetimeMs`. Failures are passed to `onError`. */
  renew: (timeoutMs: number) => Promise<void>;
  /** Told about a failed automatic renew (the next activity tries again). */
  onError: (error: unknown) => void;
}

/**
 * Keeps a sandbox with a lifetime alive while it is used, and only then (docs/contract.md, rule 16):
 *
 * - `touch()` on every call: renews when at least half the lifetime passed since the last renew,
 *   so an agent that keeps working is never cut off, at most one request per half lifetime.
 * - `begin()`/`end()` around work in progress (a running `exec`, a `wait`, an open watch): while
 *   any is open a timer renews every half lifetime, so a 20-minute command finishes on a sandbox
 *   with a 10-minute lifetime.
 * - Idle (nothing open, no calls) → no timer, no request: an abandoned sandbox still expires.
 */
export class LifetimeKeeper {
  private lastRenewAt = Date.now();
  private busy = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private renewing: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: LifetimeKeeperOptions) {}

  /** Half the lifetime, the renew period, in ms (clamped to what a timer can wait). */
  get periodMs(): number {
    return clampTimerMs(Math.max(1_000, this.options.lifetimeMs / 2));
  }

  /** Marks the start of the lifetime (after create/connect, or after an explicit renew). */
  renewed(): void {
    this.lastRenewAt = Date.now();
  }

  /** Activity: renews when half the lifetime has passed since the last renew. */
  touch(): void {
    if (this.stopped) return;
    if (Date.now() - this.lastRenewAt >= this.periodMs) this.renewNow();
  }

  /** Work in progress starts; pair with {@link LifetimeKeeper.end}. */
  begin(): void {
    this.touch();
    this.busy++;
    if (this.timer === undefined && !this.stopped) {
      this.timer = setInterval(() => this.touch(), Math.max(250, Math.floor(this.periodMs / 4)));
      this.timer.unref?.();
    }
  }

  /** Work in progress ends. */
  end(): void {
    this.busy = Math.max(0, this.busy - 1);
    if (this.busy === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Stops for good (dispose). Idempotent. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private renewNow(): void {
    if (this.renewing) return;
    this.lastRenewAt = Date.now();
    this.renewing = this.options
      .renew(this.options.lifetimeMs)
      .catch((error: unknown) => {
        this.lastRenewAt = 0; // try again at the next activity
        this.options.onError(error);
      })
      .finally(() => {
        this.renewing = undefined;
      });
  }
}
