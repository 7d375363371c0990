import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector } from './faults';
import { delay, readBody, sendJson } from './http-util';
import type { RequestCounter } from './request-stats';

/** The egress sidecar's port inside a sandbox. */
export const EGRESS_PORT = 18080;

/** One egress rule (`NetworkRule`). */
interface NetworkRule {
  action: 'allow' | 'deny';
  target: string;
}

/** The egress policy (`NetworkPolicy`) a sandbox was created with, as updated since. */
export interface EgressPolicy {
  defaultAction: 'allow' | 'deny';
  egress: NetworkRule[];
}

/** A sandbox's emulated egress sidecar: its auth token and its (recorded, not enforced) policy. */
export interface EgressState {
  readonly token: string;
  policy: EgressPolicy;
}

/**
 * Creates the sidecar state for a create request's `networkPolicy` (the real server starts an
 * egress sidecar only when one is given). `defaultAction` defaults to `deny`, as the sidecar's.
 */
export function createEgressState(networkPolicy: unknown): EgressState | undefined {
  if (typeof networkPolicy !== 'object' || networkPolicy === null) return undefined;
  const raw = networkPolicy as { defaultAction?: unknown; egress?: unknown };
  return {
    token: randomBytes(16).toString('hex'),
    policy: {
      defaultAction: raw.defaultAction === 'allow' ? 'allow' : 'deny',
      egress: Array.isArray(raw.egress) ? raw.egress.filter(isRule).map((r) => ({ action: r.action, target: r.target })) : [],
    },
  };
}

function isRule(value: unknown): value is NetworkRule {
  const r = value as Partial<NetworkRule> | null;
  return typeof r === 'object' && r !== null && (r.action === 'allow' || r.action === 'deny') && typeof r.target === 'string' && r.target !== '';
}

function status(state: EgressState): Record<string, unknown> {
  const { policy } = state;
  const mode = policy.egress.length > 0 ? 'rules' : policy.defaultAction === 'deny' ? 'deny_all' : 'allow_all';
  return {
    status: 'ok',
    mode,
    enforcementMode: 'none',
    reason: 'kode OpenSandbox emulator: the policy is recorded but not enforced',
    policy: { defaultAction: policy.defaultAction, egress: policy.egress.map((r) => ({ ...r })) },
  };
}

/**
 * Serves the egress sidecar's `/policy` API (GET, PATCH rules by target, DELETE targets) for
 * sandboxes created with a `networkPolicy`. Requests are counted (api `egress`) and subject to
 * route faults like any other.
 */
export class EgressSidecar {
  constructor(
    private readonly stats: RequestCounter,
    private readonly faults: FaultInjector,
  ) {}

  async handle(ctx: { sandboxId: string; state: EgressState; req: IncomingMessage; res: ServerResponse; path: string }): Promise<void> {
    const { req, res, state } = ctx;
    const method = req.method ?? 'GET';
    const pathname = ctx.path.split('?')[0] ?? '/';
    const route = `${method} ${pathname === '/policy' ? '/policy' : pathname}`;
    this.stats.record({ route, api: 'egress', sandboxId: ctx.sandboxId });
    const query = { route, sandboxId: ctx.sandboxId };
    const latency = this.faults.latencyFor(query);
    if (latency > 0) await delay(latency);
    const body = await readBody(req);
    const injected = this.faults.errorFor(query);
    if (injected) {
      sendJson(res, injected.status, { code: injected.code ?? 'INTERNAL_ERROR', message: injected.message ?? 'injected fault' });
      return;
    }
    const token = req.headers['opensandbox-egress-auth'];
    if (token !== state.token) {
      sendJson(res, 401, { code: 'UNAUTHORIZED', message: 'missing or invalid OPENSANDBOX-EGRESS-AUTH header' });
      return;
    }
    if (pathname !== '/policy') {
      sendJson(res, 404, { code: 'NOT_FOUND', message: `${pathname} is not served by the emulated egress sidecar` });
      return;
    }
    let parsed: unknown;
    if (method !== 'GET') {
      try {
        parsed = JSON.parse(body.toString('utf8')) as unknown;
      } catch {
        sendJson(res, 400, { code: 'BAD_REQUEST', message: 'request body must be JSON' });
        return;
      }
    }
    switch (method) {
      case 'GET':
        sendJson(res, 200, status(state));
        return;
      case 'PATCH': {
        if (!Array.isArray(parsed) || !parsed.every(isRule)) {
          sendJson(res, 400, { code: 'BAD_REQUEST', message: 'body must be an array of {action: allow|deny, target}' });
          return;
        }
        for (const rule of parsed) {
          const existing = state.policy.egress.findIndex((r) => r.target === rule.target);
          const copy = { action: rule.action, target: rule.target };
          if (existing >= 0) state.policy.egress[existing] = copy;
          else state.policy.egress.push(copy);
        }
        sendJson(res, 200, status(state));
        return;
      }
      case 'DELETE': {
        if (!Array.isArray(parsed) || !parsed.every((t) => typeof t === 'string')) {
          sendJson(res, 400, { code: 'BAD_REQUEST', message: 'body must be an array of targets' });
          return;
        }
        const targets = new Set(parsed);
        state.policy.egress = state.policy.egress.filter((r) => !targets.has(r.target));
        sendJson(res, 200, status(state));
        return;
      }
      default:
        sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: `${method} /policy is not supported` });
    }
  }
}
