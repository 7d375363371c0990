import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkEnforceablePolicy, EGRESS_PORT, type EgressSidecar } from './egress-sidecar';
import type { ExecdForwarder } from './execd-forwarder';
import { validateFault, type FaultInjector } from './faults';
import { ApiError, delay, readJsonBody, sendEmpty, sendJson, ValidationError } from './http-util';
import { checkMetadataLabels, parseBoolQuery, parseIntParam, validateCreateRequest } from './lifecycle-validation';
import type { RequestCounter } from './request-stats';
import { RouteTable, type RouteDefinition } from './route-table';
import type { SandboxRecord, SandboxRegistry } from './sandbox-registry';

/** How endpoints are handed out (see the README). */
export type RoutingMode = 'direct' | 'server-proxy' | 'gateway';

/** The execd port inside every sandbox. */
export const EXECD_PORT = 44772;

const LIFECYCLE_ROUTES = [
  { key: 'health', method: 'GET', template: '/health' },
  { key: 'create', method: 'POST', template: '/sandboxes' },
  { key: 'list', method: 'GET', template: '/sandboxes' },
  { key: 'get', method: 'GET', template: '/sandboxes/{sandboxId}' },
  { key: 'delete', method: 'DELETE', template: '/sandboxes/{sandboxId}' },
  { key: 'patchMetadata', method: 'PATCH', template: '/sandboxes/{sandboxId}/metadata' },
  { key: 'pause', method: 'POST', template: '/sandboxes/{sandboxId}/pause' },
  { key: 'resume', method: 'POST', template: '/sandboxes/{sandboxId}/resume' },
  { key: 'renew', method: 'POST', template: '/sandboxes/{sandboxId}/renew-expiration' },
  { key: 'endpoint', method: 'GET', template: '/sandboxes/{sandboxId}/endpoints/{port}' },
  { key: 'createSnapshot', method: 'POST', template: '/sandboxes/{sandboxId}/snapshots' },
  { key: 'listSnapshots', method: 'GET', template: '/snapshots' },
  { key: 'getSnapshot', method: 'GET', template: '/snapshots/{snapshotId}' },
  { key: 'deleteSnapshot', method: 'DELETE', template: '/snapshots/{snapshotId}' },
  { key: 'metricsEvents', method: 'POST', template: '/metrics/events' },
  { key: 'diagnostics', method: 'GET', template: '/sandboxes/{sandboxId}/diagnostics/{kind}' },
] as const satisfies readonly RouteDefinition[];

type LifecycleKey = (typeof LIFECYCLE_ROUTES)[number]['key'];

const ADMIN_ROUTES = [
  { key: 'stats', method: 'GET', template: '/_emulator/stats' },
  { key: 'resetStats', method: 'DELETE', template: '/_emulator/stats' },
  { key: 'faults', method: 'GET', template: '/_emulator/faults' },
  { key: 'addFault', method: 'POST', template: '/_emulator/faults' },
  { key: 'clearFaults', method: 'DELETE', template: '/_emulator/faults' },
  { key: 'removeFault', method: 'DELETE', template: '/_emulator/faults/{id}' },
  { key: 'sandboxes', method: 'GET', template: '/_emulator/sandboxes' },
] as const satisfies readonly RouteDefinition[];

type AdminKey = (typeof ADMIN_ROUTES)[number]['key'];

const lifecycleTable = new RouteTable<LifecycleKey>(LIFECYCLE_ROUTES);
const adminTable = new RouteTable<AdminKey>(ADMIN_ROUTES);

const AUTH_EXEMPT = ['/health', '/docs', '/redoc', '/openapi.json'];

/** Settings of the lifecycle server. */
export interface LifecycleSettings {
  apiKey?: string;
  routing: RoutingMode;
  /** Shape of direct endpoints (see `EmulatorOptions.directEndpoint`). */
  directEndpoint: 'port' | 'bridge';
  /** Prefix of server-proxy endpoints (see `EmulatorOptions.serverProxyPath`). */
  serverProxyPath: 'v1' | 'root';
  /** Host put in direct/gateway endpoints. */
  publicHost: string;
  /** The server's own port (gateway endpoints). */
  port(): number;
  maxTimeoutSeconds: number;
}

/** Serves the lifecycle API, the server proxy, the gateway header route and the admin API. */
export class LifecycleServer {
  private readonly settings: LifecycleSettings;
  private readonly registry: SandboxRegistry;
  private readonly forwarder: ExecdForwarder;
  private readonly egress: EgressSidecar;
  private readonly deps: { stats: RequestCounter; faults: FaultInjector };

  constructor(parts: {
    settings: LifecycleSettings;
    registry: SandboxRegistry;
    forwarder: ExecdForwarder;
    egress: EgressSidecar;
    stats: RequestCounter;
    faults: FaultInjector;
  }) {
    this.settings = parts.settings;
    this.registry = parts.registry;
    this.forwarder = parts.forwarder;
    this.egress = parts.egress;
    this.deps = { stats: parts.stats, faults: parts.faults };
  }

  /** The `node:http` request listener. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = headerValue(req, 'x-request-id') ?? randomUUID().replace(/-/g, '');
    res.setHeader('X-Request-ID', requestId);
    // Starlette's CORSMiddleware (allow all origins, credentials): headers only for a request
    // with an Origin, which is echoed (never `*` together with credentials).
    const origin = headerValue(req, 'origin');
    if (origin !== undefined) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Expose-Headers', 'OPEN-SANDBOX-ORIGIN');
      res.setHeader('Vary', 'Origin');
    }
    this.dispatch(req, res).catch((err: unknown) => this.fail(res, err));
  };

  private fail(res: ServerResponse, err: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof ValidationError) sendJson(res, 422, { detail: err.issues });
    else if (err instanceof ApiError) sendJson(res, err.status, { code: err.code, message: err.message });
    else sendJson(res, 500, { code: 'GENERAL::UNKNOWN_ERROR', message: err instanceof Error ? err.message : 'An unexpected error occurred.' });
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://emulator');
    const requestedMethod = headerValue(req, 'access-control-request-method');
    if (method === 'OPTIONS' && requestedMethod !== undefined && headerValue(req, 'origin') !== undefined) {
      // a CORS preflight, answered by the middleware before routing and auth
      req.resume();
      const body = 'OK';
      res.writeHead(200, {
        'access-control-allow-methods': 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT',
        'access-control-max-age': '600',
        ...(headerValue(req, 'access-control-request-headers') !== undefined ? { 'access-control-allow-headers': headerValue(req, 'access-control-request-headers') } : {}),
        'content-type': 'text/plain; charset=utf-8',
        'content-length': body.length,
      });
      res.end(body);
      return;
    }

    // Gateway header routing (Kubernetes ingress "header" mode): no API key, like the gateway.
    const ingress = headerValue(req, 'opensandbox-ingress-to');
    if (ingress !== undefined) {
      const m = /^(.+)-(\d+)$/.exec(ingress);
      const sb = m ? this.registry.get(m[1]!) : undefined;
      if (!m || !sb || sb.deleting) {
        req.resume();
        sendJson(res, 404, { code: 'GATEWAY::ROUTE_NOT_FOUND', message: `No sandbox route for ${ingress}.` });
        return;
      }
      await this.forwardTo(sb, { req, res, port: Number(m[2]), rest: (url.pathname || '/') + url.search, unavailable: 'bad-gateway' });
      return;
    }

    const path = url.pathname === '/v1' ? '/' : url.pathname.startsWith('/v1/') ? url.pathname.slice(3) : url.pathname;

    // Server proxy: /sandboxes/{id}/proxy/{port}[/path] — no API key (as the real server).
    const proxy = /^\/sandboxes\/([^/]+)\/proxy\/(\d+)(\/.*)?$/.exec(path);
    if (proxy && !path.split('/').includes('..')) {
      const sb = this.registry.get(decodeURIComponent(proxy[1]!));
      if (!sb || sb.deleting) {
        req.resume();
        throw new ApiError(404, 'DOCKER::SANDBOX_NOT_FOUND', `Sandbox ${proxy[1]} not found.`);
      }
      await this.forwardTo(sb, { req, res, port: Number(proxy[2]), rest: (proxy[3] ?? '/') + url.search, unavailable: 'bad-gateway' });
      return;
    }

    const admin = adminTable.match(method, url.pathname);
    if (admin.match) {
      this.checkAuth(req, url.pathname);
      await this.admin(admin.match.route.key, { req, res, params: admin.match.params });
      return;
    }

    const found = lifecycleTable.match(method, path);
    if (!found.match) {
      req.resume();
      this.checkAuth(req, path); // the auth middleware runs before routing, as FastAPI's
      if (found.methodMismatch) sendJson(res, 405, { detail: 'Method Not Allowed' });
      else sendJson(res, 404, { detail: 'Not Found' });
      return;
    }
    const { route, params, name } = found.match;
    const sandboxId = params.sandboxId;
    this.deps.stats.record({ route: name, api: 'lifecycle', ...(sandboxId !== undefined ? { sandboxId } : {}) });
    this.checkAuth(req, path);
    const faultQuery = { route: name, ...(sandboxId !== undefined ? { sandboxId } : {}) };
    const latency = this.deps.faults.latencyFor(faultQuery);
    if (latency > 0) await delay(latency);
    const injected = this.deps.faults.errorFor(faultQuery);
    if (injected) {
      req.resume();
      if (injected.retryAfter !== undefined) res.setHeader('retry-after', injected.retryAfter);
      throw new ApiError(injected.status, injected.code ?? 'GENERAL::UNKNOWN_ERROR', injected.message ?? 'injected fault');
    }
    await this.lifecycle(route.key, { req, res, url, params });
  }

  private checkAuth(req: IncomingMessage, path: string): void {
    const expected = this.settings.apiKey;
    if (!expected || AUTH_EXEMPT.some((p) => path === p || path.startsWith(`${p}/`))) return;
    const given = headerValue(req, 'open-sandbox-api-key');
    if (given === undefined || given === '') {
      req.resume();
      throw new ApiError(401, 'MISSING_API_KEY', 'Authentication credentials are missing. Provide API key via OPEN-SANDBOX-API-KEY header.');
    }
    if (given !== expected) {
      req.resume();
      throw new ApiError(401, 'INVALID_API_KEY', 'Authentication credentials are invalid. Check your API key and try again.');
    }
  }

  private async forwardTo(
    sb: SandboxRecord,
    opts: { req: IncomingMessage; res: ServerResponse; port: number; rest: string; unavailable: 'reset' | 'bad-gateway' },
  ): Promise<void> {
    if (opts.port === EGRESS_PORT && sb.egress) {
      await this.egress.handle({ sandboxId: sb.id, state: sb.egress, req: opts.req, res: opts.res, path: opts.rest });
      return;
    }
    const path = opts.port === EXECD_PORT ? opts.rest : `/proxy/${opts.port}${opts.rest}`;
    await this.forwarder.forward(
      { sandboxId: sb.id, socketPath: sb.agent.socketPath },
      { req: opts.req, res: opts.res, path, unavailable: opts.unavailable, stripCredentials: true },
    );
  }

  private async lifecycle(
    key: LifecycleKey,
    ctx: { req: IncomingMessage; res: ServerResponse; url: URL; params: Readonly<Record<string, string>> },
  ): Promise<void> {
    const { req, res, url, params } = ctx;
    const id = params.sandboxId ?? '';
    switch (key) {
      case 'health':
        sendJson(res, 200, { status: 'healthy' });
        return;
      case 'create': {
        const body = await readJsonBody(req);
        const request = validateCreateRequest(body, { maxTimeoutSeconds: this.settings.maxTimeoutSeconds });
        checkEnforceablePolicy(request.networkPolicy);
        const sb = await this.registry.create(request);
        sendJson(res, 202, createResponse(sb));
        return;
      }
      case 'list':
        sendJson(res, 200, this.listSandboxes(url.searchParams));
        return;
      case 'get':
        sendJson(res, 200, sandboxJson(this.registry.require(id)));
        return;
      case 'delete': {
        const sb = this.registry.require(id);
        await this.registry.delete(sb);
        sendEmpty(res, 204);
        return;
      }
      case 'patchMetadata': {
        const sb = this.registry.require(id);
        const body = await readJsonBody(req);
        if (typeof body !== 'object' || body === null || Array.isArray(body)) {
          throw new ValidationError([{ type: 'dict_type', loc: ['body'], msg: 'Input should be a valid dictionary', input: body }]);
        }
        const patch: Record<string, string | null> = {};
        const issues = [];
        for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
          if (v === null || typeof v === 'string') patch[k] = v;
          else issues.push({ type: 'string_type', loc: ['body', k], msg: 'Input should be a valid string', input: v });
        }
        if (issues.length > 0) throw new ValidationError(issues);
        checkMetadataLabels(patch);
        for (const [k, v] of Object.entries(patch)) {
          if (v === null) delete sb.metadata[k];
          else sb.metadata[k] = v;
        }
        sendJson(res, 200, sandboxJson(sb));
        return;
      }
      case 'pause':
        req.resume();
        this.registry.pause(this.registry.require(id));
        sendEmpty(res, 202);
        return;
      case 'resume':
        req.resume();
        this.registry.resume(this.registry.require(id));
        sendEmpty(res, 202);
        return;
      case 'renew': {
        const sb = this.registry.require(id);
        const body = await readJsonBody(req);
        const expiresAt = parseRenewBody(body);
        if (!sb.expiresAt) {
          throw new ApiError(409, 'DOCKER::INVALID_EXPIRATION', `Sandbox ${sb.id} does not have automatic expiration enabled.`);
        }
        if (expiresAt.getTime() <= Date.now()) throw new ApiError(400, 'DOCKER::INVALID_EXPIRATION', 'New expiration time must be in the future.');
        sb.expiresAt = expiresAt;
        sendJson(res, 200, { expiresAt: expiresAt.toISOString() });
        return;
      }
      case 'endpoint':
        sendJson(res, 200, this.endpoint(req, { id, port: params.port ?? '', query: url.searchParams }));
        return;
      case 'createSnapshot':
      case 'listSnapshots':
      case 'getSnapshot':
      case 'deleteSnapshot':
        req.resume();
        if (key === 'createSnapshot') this.registry.require(id);
        throw new ApiError(501, 'SNAPSHOT::NOT_IMPLEMENTED', 'Snapshots are not implemented by the emulator.');
      case 'diagnostics':
        await this.diagnostics(res, { sb: this.registry.require(id), kind: params.kind ?? '', query: url.searchParams });
        return;
      case 'metricsEvents':
        await readJsonBody(req, { optional: true });
        sendEmpty(res, 204);
        return;
    }
  }

  /** Deprecated plain-text diagnostics (`logs`, `inspect`, `events`, `summary`), as the Docker runtime serves them. */
  private async diagnostics(res: ServerResponse, ctx: { sb: SandboxRecord; kind: string; query: URLSearchParams }): Promise<void> {
    const { sb, kind, query } = ctx;
    if (!['logs', 'inspect', 'events', 'summary'].includes(kind)) throw new ApiError(404, 'GENERAL::UNKNOWN_ERROR', `Unknown diagnostics kind '${kind}'.`);
    if (query.has('scope')) throw new ApiError(501, 'DIAGNOSTICS_NOT_IMPLEMENTED', 'Scoped diagnostics are not implemented.');
    const tail = query.has('tail') ? parseIntParam(query.get('tail')!, ['query', 'tail'], { ge: 1, le: 10_000 }) : 100;
    const limit = query.has('limit') ? parseIntParam(query.get('limit')!, ['query', 'limit'], { ge: 1, le: 1000 }) : 50;
    const logs = async (): Promise<string[]> => {
      const text = await readFile(join(sb.root.stateDir, 'entrypoint.log'), 'utf8').catch(() => '');
      const lines = [...text.split('\n').filter((l) => l !== ''), ...sb.agent.stderrTail().split('\n').filter((l) => l !== '').map((l) => `[execd] ${l}`)];
      return lines.slice(-tail);
    };
    const inspect = (): string[] => [
      `id: ${sb.id}`,
      `image: ${sb.imageUri} (profile ${sb.profile.name})`,
      `state: ${sb.state} (${sb.reason}: ${sb.message})`,
      `created: ${sb.createdAt.toISOString()}`,
      `expires: ${sb.expiresAt ? sb.expiresAt.toISOString() : 'never (manual cleanup)'}`,
      `entrypoint: ${JSON.stringify(sb.entrypoint)}`,
      `host pid: ${sb.agent.child.pid ?? 'none'}`,
      `root: ${sb.root.dir}`,
    ];
    const events = (): string[] => sb.events.slice(-limit).map((e) => `${e.at.toISOString()} ${e.state} ${e.reason}: ${e.message}`);
    let lines: string[];
    if (kind === 'logs') lines = await logs();
    else if (kind === 'inspect') lines = inspect();
    else if (kind === 'events') lines = events();
    else lines = ['== inspect', ...inspect(), '== events', ...events(), '== logs', ...(await logs())];
    const body = lines.length > 0 ? `${lines.join('\n')}\n` : '';
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', deprecation: 'true', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private listSandboxes(query: URLSearchParams): unknown {
    const page = query.has('page') ? parseIntParam(query.get('page')!, ['query', 'page'], { ge: 1 }) : 1;
    const pageSize = query.has('pageSize') ? parseIntParam(query.get('pageSize')!, ['query', 'pageSize'], { ge: 1, le: 200 }) : 20;
    const states = query.getAll('state').map((s) => s.toLowerCase());
    const metadataFilter = parseMetadataFilter(query.get('metadata'));
    const all = this.registry
      .list()
      .filter((sb) => states.length === 0 || states.includes(sb.state.toLowerCase()))
      .filter((sb) => metadataFilter.every(([k, v]) => sb.metadata[k] === v))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const totalItems = all.length;
    const totalPages = Math.ceil(totalItems / pageSize);
    const items = all.slice((page - 1) * pageSize, page * pageSize).map(sandboxJson);
    return { items, pagination: { page, pageSize, totalItems, totalPages, hasNextPage: page < totalPages } };
  }

  private endpoint(req: IncomingMessage, ctx: { id: string; port: string; query: URLSearchParams }): { endpoint: string; headers?: Record<string, string> } {
    const port = parseIntParam(ctx.port, ['path', 'port']);
    const useServerProxy = parseBoolQuery(ctx.query.get('use_server_proxy'), ['query', 'use_server_proxy']) ?? false;
    const sb = this.registry.require(ctx.id);
    if (port < 1 || port > 65535) throw new ApiError(400, 'DOCKER::INVALID_PORT', `Port ${port} is out of range (1-65535).`);
    if (ctx.query.has('expires')) {
      if (useServerProxy) throw new ApiError(400, 'SANDBOX::INVALID_PARAMETER', 'use_server_proxy cannot be combined with expires.');
      throw new ApiError(400, 'SANDBOX::API_NOT_SUPPORTED', 'Signed endpoints are not supported by the Docker runtime.');
    }
    // the egress sidecar's endpoint carries its auth header, whatever the routing
    const egressHeaders: Record<string, string> = port === EGRESS_PORT && sb.egress ? { 'OPENSANDBOX-EGRESS-AUTH': sb.egress.token } : {};
    const withHeaders = (endpoint: string, headers: Record<string, string>) =>
      Object.keys(headers).length > 0 ? { endpoint, headers } : { endpoint };
    if (useServerProxy || this.settings.routing === 'server-proxy') {
      const host = headerValue(req, 'host') ?? `${this.settings.publicHost}:${this.settings.port()}`;
      const prefix = this.settings.serverProxyPath === 'v1' ? '/v1' : '';
      return withHeaders(`${host}${prefix}/sandboxes/${sb.id}/proxy/${port}`, egressHeaders);
    }
    if (this.settings.routing === 'gateway') {
      return withHeaders(`${this.settings.publicHost}:${this.settings.port()}`, { ...egressHeaders, 'OpenSandbox-Ingress-To': `${sb.id}-${port}` });
    }
    if (!sb.front) throw new ApiError(500, 'DOCKER::NETWORK_MODE_ENDPOINT_UNAVAILABLE', `Sandbox ${sb.id} has no direct endpoint.`);
    const base = `${this.settings.publicHost}:${sb.front.port}`;
    return withHeaders(port === EXECD_PORT && this.settings.directEndpoint === 'port' ? base : `${base}/proxy/${port}`, egressHeaders);
  }

  private async admin(key: AdminKey, ctx: { req: IncomingMessage; res: ServerResponse; params: Readonly<Record<string, string>> }): Promise<void> {
    const { req, res, params } = ctx;
    const { stats, faults } = this.deps;
    switch (key) {
      case 'stats':
        sendJson(res, 200, { total: stats.total(), routes: stats.snapshot() });
        return;
      case 'resetStats':
        stats.reset();
        sendEmpty(res, 204);
        return;
      case 'faults':
        sendJson(res, 200, faults.list());
        return;
      case 'addFault': {
        const body = await readJsonBody(req);
        try {
          validateFault(body);
        } catch (err) {
          throw new ApiError(400, 'EMULATOR::INVALID_FAULT', (err as Error).message);
        }
        sendJson(res, 201, { id: faults.add(body) });
        return;
      }
      case 'clearFaults':
        faults.clear();
        sendEmpty(res, 204);
        return;
      case 'removeFault':
        if (!faults.remove(params.id ?? '')) throw new ApiError(404, 'EMULATOR::FAULT_NOT_FOUND', `Fault ${params.id} not found.`);
        sendEmpty(res, 204);
        return;
      case 'sandboxes':
        sendJson(
          res,
          200,
          this.registry.list().map((sb) => ({ ...sandboxJson(sb), pid: sb.agent.child.pid, root: sb.root.dir, directPort: sb.front?.port })),
        );
        return;
    }
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function statusJson(sb: SandboxRecord): Record<string, unknown> {
  return { state: sb.state, reason: sb.reason, message: sb.message, lastTransitionAt: sb.lastTransitionAt.toISOString() };
}

function createResponse(sb: SandboxRecord): Record<string, unknown> {
  return {
    id: sb.id,
    status: statusJson(sb),
    metadata: { ...sb.metadata },
    ...(sb.platform ? { platform: sb.platform } : {}),
    ...(sb.expiresAt ? { expiresAt: sb.expiresAt.toISOString() } : {}),
    createdAt: sb.createdAt.toISOString(),
    entrypoint: sb.entrypoint,
  };
}

/** The `Sandbox` JSON of GET/list/patch (null fields omitted). */
function sandboxJson(sb: SandboxRecord): Record<string, unknown> {
  return {
    id: sb.id,
    image: { uri: sb.imageUri },
    ...(sb.platform ? { platform: sb.platform } : {}),
    status: statusJson(sb),
    metadata: { ...sb.metadata },
    entrypoint: sb.entrypoint,
    ...(sb.expiresAt ? { expiresAt: sb.expiresAt.toISOString() } : {}),
    createdAt: sb.createdAt.toISOString(),
  };
}

function parseMetadataFilter(value: string | null): [string, string][] {
  if (value === null || value === '') return [];
  const pairs: [string, string][] = [];
  for (const part of value.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ApiError(400, 'INVALID_METADATA_FORMAT', `Invalid metadata filter '${value}': expected k=v pairs joined by '&'.`);
    try {
      pairs.push([decodeURIComponent(part.slice(0, eq).replace(/\+/g, ' ')), decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '))]);
    } catch {
      throw new ApiError(400, 'INVALID_METADATA_FORMAT', `Invalid metadata filter '${value}'.`);
    }
  }
  return pairs;
}

function parseRenewBody(body: unknown): Date {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError([{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: body }]);
  }
  const obj = body as Record<string, unknown>;
  const extra = Object.keys(obj).filter((k) => k !== 'expiresAt');
  if (extra.length > 0) {
    throw new ValidationError(extra.map((k) => ({ type: 'extra_forbidden', loc: ['body', k], msg: 'Extra inputs are not permitted', input: obj[k] })));
  }
  if (obj.expiresAt === undefined) throw new ValidationError([{ type: 'missing', loc: ['body', 'expiresAt'], msg: 'Field required', input: obj }]);
  const text = obj.expiresAt;
  const date = typeof text === 'string' && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    throw new ValidationError([{ type: 'datetime_from_date_parsing', loc: ['body', 'expiresAt'], msg: 'Input should be a valid datetime or date, invalid character in year', input: text }]);
  }
  return date;
}
