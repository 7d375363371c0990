/** Common selection fields of a fault rule. */
interface FaultSelection {
  /**
   * How many times the rule fires before it is used up; default unlimited.
   * Only calls the rule actually affects count (see `after` and `rate`).
   */
  times?: number;
  /** Only for this sandbox (route faults and `cut-stream`); default any sandbox. */
  sandboxId?: string;
}

/** Route selection: a route name as counted by the stats (`'POST /command'`) or `'*'` for every route. */
interface RouteSelection extends FaultSelection {
  route: string;
  /** Let the first N matching calls through untouched; default 0. */
  after?: number;
}

/** Adds `ms` milliseconds before the request is handled. */
export interface LatencyFault extends RouteSelection {
  kind: 'latency';
  ms: number;
}

/**
 * Answers matching calls with an error status instead of handling them. With `rate` (0..1) only
 * that share of calls fails, deterministically (rate 0.5 fails every second call).
 */
export interface ErrorFault extends RouteSelection {
  kind: 'error';
  /** HTTP status, 400..599. */
  status: number;
  /** Error `code`; default `GENERAL::UNKNOWN_ERROR` (lifecycle) or `RUNTIME_ERROR` (execd). */
  code?: string;
  /** Error `message`; default `injected fault`. */
  message?: string;
  rate?: number;
  /** A `Retry-After` header value sent with the error (delta-seconds or an HTTP date). */
  retryAfter?: string;
}

/** Cuts an event stream (`POST /command`, session runs, metrics watch) after `afterEvents` events. */
export interface CutStreamFault extends Omit<RouteSelection, 'route'> {
  kind: 'cut-stream';
  /** Default `'POST /command'`. */
  route?: string;
  afterEvents: number;
}

/** Sandboxes created while active get an execd that never answers (the client's ready timeout). */
export interface ExecdNeverReadyFault extends FaultSelection {
  kind: 'execd-never-ready';
}

/** Create fails with 503 `DOCKER::SANDBOX_EXECD_START_FAILED`. */
export interface ExecdStartFailureFault extends FaultSelection {
  kind: 'execd-start-failure';
  message?: string;
}

/** Create fails with 500 `DOCKER::SANDBOX_IMAGE_PULL_FAILED` (for `image`, or any image). */
export interface ImagePullFailureFault extends FaultSelection {
  kind: 'image-pull-failure';
  /** Exact image URI to refuse; default every image. */
  image?: string;
}

/** Every fault the emulator can inject. */
export type FaultRule = LatencyFault | ErrorFault | CutStreamFault | ExecdNeverReadyFault | ExecdStartFailureFault | ImagePullFailureFault;

/** A registered fault with its hit counter. */
export interface ActiveFault {
  readonly id: string;
  readonly rule: FaultRule;
  /** How many times it fired. */
  readonly hits: number;
  /** True once `times` is reached (it no longer fires). */
  readonly exhausted: boolean;
}

/**
 * Controls injected faults. Rules are checked in the order they were added; a used-up rule stays
 * listed (with `exhausted: true`) until removed or cleared.
 */
export interface FaultController {
  /** Validates and registers a rule; returns its id. @throws TypeError on an invalid rule. */
  add(rule: FaultRule): string;
  /** Removes one rule; false when the id is unknown. */
  remove(id: string): boolean;
  /** Removes every rule. */
  clear(): void;
  /** The registered rules. */
  list(): ActiveFault[];
}

interface Entry {
  id: string;
  rule: FaultRule;
  hits: number;
  seen: number;
  credit: number;
}

/** Which faults a request is subject to. */
export interface RequestFaultQuery {
  route: string;
  sandboxId?: string;
}

let nextId = 1;

/** The emulator's {@link FaultController}, plus the lookups the server uses. */
export class FaultInjector implements FaultController {
  private entries: Entry[] = [];

  add(rule: FaultRule): string {
    validateFault(rule);
    const id = `fault-${nextId++}`;
    this.entries.push({ id, rule: { ...rule }, hits: 0, seen: 0, credit: 0 });
    return id;
  }

  remove(id: string): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.id !== id);
    return this.entries.length !== before;
  }

  clear(): void {
    this.entries = [];
  }

  list(): ActiveFault[] {
    return this.entries.map((e) => ({ id: e.id, rule: { ...e.rule }, hits: e.hits, exhausted: isExhausted(e) }));
  }

  /** Total latency to add for this request (ms). */
  latencyFor(query: RequestFaultQuery): number {
    let ms = 0;
    for (const e of this.matching('latency', query)) {
      if (this.fires(e)) ms += (e.rule as LatencyFault).ms;
    }
    return ms;
  }

  /** The error to answer this request with, if any. */
  errorFor(query: RequestFaultQuery): ErrorFault | undefined {
    for (const e of this.matching('error', query)) {
      if (this.fires(e)) return e.rule as ErrorFault;
    }
    return undefined;
  }

  /** After how many events to cut this request's stream, if at all. */
  cutFor(query: RequestFaultQuery): number | undefined {
    for (const e of this.entries) {
      if (e.rule.kind !== 'cut-stream' || isExhausted(e)) continue;
      const rule = e.rule;
      if ((rule.route ?? 'POST /command') !== query.route && rule.route !== '*') continue;
      if (rule.sandboxId !== undefined && rule.sandboxId !== query.sandboxId) continue;
      if (this.fires(e)) return rule.afterEvents;
    }
    return undefined;
  }

  /** Consumes a create-time fault of `kind` (for `image-pull-failure`, one matching `image`). */
  takeCreateFault<K extends 'execd-never-ready' | 'execd-start-failure' | 'image-pull-failure'>(
    kind: K,
    image?: string,
  ): Extract<FaultRule, { kind: K }> | undefined {
    for (const e of this.entries) {
      if (e.rule.kind !== kind || isExhausted(e)) continue;
      if (e.rule.kind === 'image-pull-failure' && e.rule.image !== undefined && e.rule.image !== image) continue;
      e.hits++;
      return e.rule as Extract<FaultRule, { kind: K }>;
    }
    return undefined;
  }

  private *matching(kind: 'latency' | 'error', query: RequestFaultQuery): Generator<Entry> {
    for (const e of this.entries) {
      if (e.rule.kind !== kind || isExhausted(e)) continue;
      const rule = e.rule;
      if (rule.route !== '*' && rule.route !== query.route) continue;
      if (rule.sandboxId !== undefined && rule.sandboxId !== query.sandboxId) continue;
      yield e;
    }
  }

  /** Applies `after` and `rate`; counts a hit when the rule fires. */
  private fires(e: Entry): boolean {
    e.seen++;
    const rule = e.rule as Partial<ErrorFault>;
    if (rule.after !== undefined && e.seen <= rule.after) return false;
    if (rule.rate !== undefined) {
      e.credit += rule.rate;
      if (e.credit < 1 - 1e-9) return false;
      e.credit -= 1;
    }
    e.hits++;
    return true;
  }
}

function isExhausted(e: Entry): boolean {
  return e.rule.times !== undefined && e.hits >= e.rule.times;
}

const KINDS = new Set(['latency', 'error', 'cut-stream', 'execd-never-ready', 'execd-start-failure', 'image-pull-failure']);

function checkCount(value: unknown, field: string, min = 0): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < min)) {
    throw new TypeError(`fault ${field} must be an integer ≥ ${min}`);
  }
}

/**
 * Checks a fault rule's shape.
 * @throws TypeError describing the first problem.
 */
export function validateFault(rule: unknown): asserts rule is FaultRule {
  if (typeof rule !== 'object' || rule === null) throw new TypeError('a fault must be an object');
  const r = rule as Record<string, unknown>;
  if (typeof r.kind !== 'string' || !KINDS.has(r.kind)) throw new TypeError(`unknown fault kind: ${String(r.kind)} (one of ${[...KINDS].join(', ')})`);
  checkCount(r.times, 'times', 1);
  checkCount(r.after, 'after');
  if (r.sandboxId !== undefined && typeof r.sandboxId !== 'string') throw new TypeError('fault sandboxId must be a string');
  switch (r.kind) {
    case 'latency':
      if (typeof r.route !== 'string' || r.route === '') throw new TypeError('a latency fault needs a route (e.g. "POST /command" or "*")');
      checkCount(r.ms, 'ms');
      if (r.ms === undefined) throw new TypeError('a latency fault needs ms');
      break;
    case 'error':
      if (typeof r.route !== 'string' || r.route === '') throw new TypeError('an error fault needs a route (e.g. "POST /command" or "*")');
      if (typeof r.status !== 'number' || !Number.isInteger(r.status) || r.status < 400 || r.status > 599) throw new TypeError('an error fault needs a status between 400 and 599');
      if (r.rate !== undefined && (typeof r.rate !== 'number' || !(r.rate > 0 && r.rate <= 1))) throw new TypeError('fault rate must be in (0, 1]');
      if (r.code !== undefined && typeof r.code !== 'string') throw new TypeError('fault code must be a string');
      if (r.message !== undefined && typeof r.message !== 'string') throw new TypeError('fault message must be a string');
      if (r.retryAfter !== undefined && typeof r.retryAfter !== 'string') throw new TypeError('fault retryAfter must be a string');
      break;
    case 'cut-stream':
      if (r.route !== undefined && typeof r.route !== 'string') throw new TypeError('fault route must be a string');
      checkCount(r.afterEvents, 'afterEvents');
      if (r.afterEvents === undefined) throw new TypeError('a cut-stream fault needs afterEvents');
      break;
    case 'image-pull-failure':
      if (r.image !== undefined && typeof r.image !== 'string') throw new TypeError('fault image must be a string');
      break;
    default:
      break;
  }
}

/**
 * Parses a fault given on the command line: JSON (`{"kind":"latency",…}`) or the short form
 * `kind:key=value,key=value` (numbers are converted), e.g. `latency:route=POST /command,ms=200`.
 * @throws TypeError on a malformed or invalid rule.
 */
export function parseFaultSpec(spec: string): FaultRule {
  const text = spec.trim();
  let rule: unknown;
  if (text.startsWith('{')) {
    try {
      rule = JSON.parse(text);
    } catch (err) {
      throw new TypeError(`invalid fault JSON: ${(err as Error).message}`);
    }
  } else {
    const colon = text.indexOf(':');
    const kind = colon < 0 ? text : text.slice(0, colon);
    const out: Record<string, unknown> = { kind };
    if (colon >= 0) {
      for (const part of text.slice(colon + 1).split(',')) {
        if (part.trim() === '') continue;
        const eq = part.indexOf('=');
        if (eq < 0) throw new TypeError(`invalid fault option "${part}" (expected key=value)`);
        const key = part.slice(0, eq).trim();
        const value = part.slice(eq + 1).trim();
        out[key] = /^-?\d+(\.\d+)?$/.test(value) && key !== 'sandboxId' && key !== 'image' ? Number(value) : value;
      }
    }
    rule = out;
  }
  validateFault(rule);
  return rule;
}
