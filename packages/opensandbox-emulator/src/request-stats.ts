/** Which API a counted request belongs to (`egress`: the emulated egress sidecar's `/policy`). */
export type RequestApi = 'lifecycle' | 'execd' | 'egress';

/** One counted request. */
export interface RequestRecord {
  /** Route name: method + template, e.g. `POST /command`, `GET /sandboxes/{sandboxId}`. */
  readonly route: string;
  readonly api: RequestApi;
  /** The sandbox addressed, when there is one. */
  readonly sandboxId?: string;
  /** Milliseconds since the epoch at arrival. */
  readonly at: number;
}

/** Filter of {@link RequestStats.count} and {@link RequestStats.total}. */
export interface RequestFilter {
  sandboxId?: string;
  api?: RequestApi;
}

/**
 * Counts the requests the emulator received, per route, across the lifecycle API and every
 * sandbox's execd API (whatever the routing mode). Tests assert request budgets with it.
 * Counting happens when a request arrives, before faults and auth, so failed calls count too.
 */
export interface RequestStats {
  /** Requests on `route` (e.g. `'POST /command'`) since the last reset. */
  count(route: string, filter?: RequestFilter): number;
  /** All requests (optionally filtered) since the last reset. */
  total(filter?: RequestFilter): number;
  /** Counts per route name since the last reset. */
  snapshot(filter?: RequestFilter): Record<string, number>;
  /** The most recent records (at most the last 10 000), oldest first. */
  records(): readonly RequestRecord[];
  /** Forgets everything counted so far. */
  reset(): void;
}

const MAX_RECORDS = 10_000;

/** The emulator's {@link RequestStats} implementation. */
export class RequestCounter implements RequestStats {
  private log: RequestRecord[] = [];
  private readonly counts = new Map<string, number>();

  /** Counts one request. */
  record(entry: Omit<RequestRecord, 'at'>): void {
    this.counts.set(entry.route, (this.counts.get(entry.route) ?? 0) + 1);
    this.log.push({ ...entry, at: Date.now() });
    if (this.log.length > MAX_RECORDS * 1.5) this.log = this.log.slice(-MAX_RECORDS);
  }

  count(route: string, filter?: RequestFilter): number {
    if (!filter || (filter.sandboxId === undefined && filter.api === undefined)) return this.counts.get(route) ?? 0;
    return this.filtered(filter).filter((r) => r.route === route).length;
  }

  total(filter?: RequestFilter): number {
    if (!filter) {
      let sum = 0;
      for (const n of this.counts.values()) sum += n;
      return sum;
    }
    return this.filtered(filter).length;
  }

  snapshot(filter?: RequestFilter): Record<string, number> {
    if (!filter) return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
    const out: Record<string, number> = {};
    for (const r of this.filtered(filter)) out[r.route] = (out[r.route] ?? 0) + 1;
    return out;
  }

  records(): readonly RequestRecord[] {
    return this.log.slice(-MAX_RECORDS);
  }

  reset(): void {
    this.log = [];
    this.counts.clear();
  }

  private filtered(filter: RequestFilter): RequestRecord[] {
    return this.log.filter(
      (r) => (filter.sandboxId === undefined || r.sandboxId === filter.sandboxId) && (filter.api === undefined || r.api === filter.api),
    );
  }
}
