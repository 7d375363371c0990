import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector } from './faults';
import { ApiError, delay, readBody, sendJson } from './http-util';
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

/** A sandbox's emulated egress sidecar: its auth token and its policy (enforced as deny-all or allow-all). */
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

/**
 * The sandbox network a create request gets: a `networkPolicy` whose default action is `deny`
 * (also when omitted, as the sidecar's default) gives the sandbox its own network namespace with
 * only its own loopback — no route out, not even to the host's loopback. Otherwise `base`.
 */
export function networkFor(base: 'host' | 'none', networkPolicy: unknown): 'host' | 'none' {
  if (typeof networkPolicy !== 'object' || networkPolicy === null) return base;
  return (networkPolicy as { defaultAction?: unknown }).defaultAction === 'allow' ? base : 'none';
}

/**
 * Rules the emulator cannot enforce: allow rules under a `deny` default (a sandbox's own network
 * namespace has no route to anything, so no target can be let through) and deny rules under an
 * `allow` default (the host network cannot block single targets). Empty when every rule is
 * enforced (redundant rules are: they repeat the default).
 */
export function unenforceableRules(defaultAction: 'allow' | 'deny', rules: readonly NetworkRule[]): NetworkRule[] {
  return rules.filter((r) => r.action !== defaultAction);
}

function unenforceableMessage(defaultAction: 'allow' | 'deny', rules: readonly NetworkRule[]): string {
  const targets = rules.map((r) => `${r.action} ${r.target}`).join(', ');
  return defaultAction === 'deny'
    ? `The kode OpenSandbox emulator enforces a networkPolicy with defaultAction 'deny' by giving the sandbox its own network namespace with no route out; it cannot let single targets through (${targets}). Use defaultAction 'allow' without rules, or deny without allow rules.`
    : `The kode OpenSandbox emulator cannot block single targets on the host network (${targets}). Use defaultAction 'deny' (no network at all) or 'allow' without deny rules.`;
}

/**
 * Refuses a create request's `networkPolicy` the emulator would not enforce (400
 * `SANDBOX::INVALID_PARAMETER`), instead of accepting it silently.
 * @throws ApiError
 */
export function checkEnforceablePolicy(networkPolicy: unknown): void {
  const state = createEgressState(networkPolicy);
  if (!state) return;
  const bad = unenforceableRules(state.policy.defaultAction, state.policy.egress);
  if (bad.length > 0) throw new ApiError(400, 'SANDBOX::INVALID_PARAMETER', unenforceableMessage(state.policy.defaultAction, bad));
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
    enforcementMode: policy.defaultAction === 'deny' ? 'netns' : 'none',
    reason:
      policy.defaultAction === 'deny'
        ? 'kode OpenSandbox emulator: the sandbox has its own network namespace without a route out'
        : 'kode OpenSandbox emulator: the sandbox shares the host network',
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
    if (pathname === '/credential-vault' || pathname.startsWith('/credential-vault/')) {
      sendJson(res, 501, {
        code: 'NOT_IMPLEMENTED',
        message: 'The kode OpenSandbox emulator does not emulate the credential vault (credentialProxy): it has no egress proxy to inject credentials. Test vault flows against a real OpenSandbox server.',
      });
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
        const bad = unenforceableRules(state.policy.defaultAction, parsed);
        if (bad.length > 0) {
          sendJson(res, 400, { code: 'BAD_REQUEST', message: unenforceableMessage(state.policy.defaultAction, bad) });
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
