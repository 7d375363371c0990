/**
 * An E2B-compatible emulator for tests: a fake control plane (the REST API the `e2b` client calls
 * for create/connect/kill/setTimeout/list/getInfo/pause), and a sandbox proxy that routes traffic
 * by the `E2b-Sandbox-Id` + `E2b-Sandbox-Port` headers (or a `<port>-<id>.<domain>` Host) to each
 * sandbox's own envd-compatible agent running inside a bubblewrap root (port 49983), or to a port
 * a process of that sandbox listens on. Point the stock client at it with `apiUrl` + `sandboxUrl`
 * (or `debug` + `sandboxUrl` for debug mode).
 */
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { bubblewrapDriver, type IsolatedRoot, type IsolationDriver } from './isolation';
import { findSandboxListener } from './sandbox-ports';

/** One request the emulator saw (control plane or envd), for asserting request shapes. */
export interface RecordedRequest {
  /** `'api'` for the control plane, `'envd'` for sandbox traffic. */
  plane: 'api' | 'envd';
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Parsed JSON body (control plane and unary Connect calls); undefined otherwise. */
  body?: unknown;
  status?: number;
}

/** A fault to inject into the next matching control-plane or envd request. */
export interface InjectedFault {
  plane: 'api' | 'envd';
  /** Matches `METHOD /path`, e.g. /^POST \/v2\/sandboxes$/. */
  match: RegExp;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** How many requests to fail. Default 1. */
  times?: number;
}

/** How sandboxes of one template differ from the default root. */
export interface TemplateProfile {
  /** Commands made unavailable inside the sandbox. */
  hideCommands?: string[];
}

/** The templates every emulator knows unless told otherwise. */
export const DEFAULT_TEMPLATES: Readonly<Record<string, TemplateProfile>> = {
  base: {},
  'kode-no-inotify': { hideCommands: ['inotifywait'] },
};

/** A live emulated sandbox (running or paused). */
export interface EmulatedSandbox {
  sandboxId: string;
  templateId: string;
  metadata: Record<string, string>;
  envVars: Record<string, string>;
  startedAt: Date;
  /** When the lifetime ends; while paused, the moment it was paused (no timer runs). */
  endAt: Date;
  /** `'paused'`: every process is stopped (SIGSTOP), no lifetime runs, the proxy refuses traffic. */
  state: 'running' | 'paused';
  /**
   * Set when the sandbox was created with `network.allowPublicTraffic: false`: requests to any
   * port but envd's must carry it in `e2b-traffic-access-token`.
   */
  trafficAccessToken?: string;
  root: IsolatedRoot;
  envdPort: number;
}

/** Options of {@link startE2BEmulator}. */
export interface E2BEmulatorOptions {
  /** The API key the control plane accepts (`X-API-KEY`). Default `e2b_emulator_key`. */
  apiKey?: string;
  /**
   * Templates that exist, by name. Default: `base`, and `kode-no-inotify` (like `base`, but
   * `inotifywait` is hidden inside, so envd's WatchDir fails: the native-watch fallback case).
   */
  templates?: Record<string, TemplateProfile>;
  /** Isolation driver. Default bubblewrap. */
  isolation?: IsolationDriver;
  /**
   * Most sandboxes one `GET /v2/sandboxes` page holds, whatever `limit` asks (a smaller page, so
   * tests exercise pagination without starting 100 sandboxes). Default 100, E2B's maximum.
   */
  listPageSize?: number;
}

/** A running emulator. */
export interface E2BEmulator {
  apiUrl: string;
  sandboxUrl: string;
  apiKey: string;
  /** Every request seen, oldest first. */
  readonly requests: RecordedRequest[];
  /** Live sandboxes, running or paused (`state`). */
  sandboxes(): EmulatedSandbox[];
  /** Starts a sandbox directly (as the control plane does), e.g. `debug_sandbox_id` for debug mode. */
  startSandbox(options: {
    sandboxId?: string;
    templateId?: string;
    timeoutSeconds?: number;
    envVars?: Record<string, string>;
    metadata?: Record<string, string>;
    /** `false`: the sandbox gets a traffic access token (E2B's restricted public traffic). Default true. */
    allowPublicTraffic?: boolean;
  }): Promise<EmulatedSandbox>;
  /** Kills a sandbox as its lifetime ending would. */
  killSandbox(sandboxId: string): Promise<boolean>;
  /** Fails matching requests. */
  injectFault(fault: InjectedFault): void;
  /** Drops every injected fault that has not fired yet. */
  clearFaults(): void;
  close(): Promise<void>;
}

const ENVD_VERSION = '0.6.4';
/** The port envd listens on in every E2B sandbox; the proxy sends it to the sandbox's agent. */
export const ENVD_PORT = 49983;
/** The lifetime E2B gives a sandbox resumed without a `timeout`, in seconds. */
const RESUME_DEFAULT_TIMEOUT_SECONDS = 15;
/** The header E2B's proxy checks on non-envd ports of a sandbox with a traffic access token. */
const TRAFFIC_TOKEN_HEADER = 'e2b-traffic-access-token';
const here = dirname(fileURLToPath(import.meta.url));
let agentBundle: Promise<string> | undefined;

/** Bundles the agent (TypeScript) into one self-contained ESM file the sandbox's node can run. */
function bundleAgent(): Promise<string> {
  agentBundle ??= (async () => {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [join(here, 'envd-agent', 'main.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // CommonJS dependencies (busboy) `require` node builtins: give the ESM bundle a `require`.
      banner: { js: "import { createRequire as __kodeCreateRequire } from 'node:module'; const require = __kodeCreateRequire(import.meta.url);" },
      write: false,
    });
    const contents = result.outputFiles[0]!.contents;
    // Content-addressed: runs share one copy and nothing accumulates in the temp dir.
    const outDir = join(tmpdir(), `kode-e2b-envd-agent-${createHash('sha256').update(contents).digest('hex').slice(0, 12)}`);
    await mkdir(outDir, { recursive: true });
    const out = join(outDir, 'agent.mjs');
    const staging = `${out}.${process.pid}.tmp`;
    await writeFile(staging, contents);
    await rename(staging, out);
    return outDir;
  })();
  return agentBundle;
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new Error('invalid JSON body'));
      }
    });
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const RECORDED_HEADERS = [
  'x-api-key',
  'authorization',
  'e2b-sandbox-id',
  'e2b-sandbox-port',
  'keepalive-ping-interval',
  'connect-timeout-ms',
  'connect-protocol-version',
  'content-type',
  'x-access-token',
  'user-agent',
  'host',
  'e2b-traffic-access-token',
];

function pickHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of RECORDED_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/** E2B's largest (and default) page of `GET /v2/sandboxes`. */
const MAX_LIST_LIMIT = 100;
/** The states `GET /v2/sandboxes` lists by default, and the only ones it accepts in `state`. */
const LIST_STATES = ['running', 'paused'];

/**
 * The `metadata` query of `GET /v2/sandboxes` as E2B reads it: a query string `k=v&k2=v2` whose
 * keys and values the client percent-encodes once more (`encodeURIComponent`, then
 * `URLSearchParams`), so each is decoded after the pairs are split.
 */
function parseMetadataQuery(text: string | null): Record<string, string> | string {
  if (text === null || text === '') return {};
  const out: Record<string, string> = {};
  try {
    for (const [key, value] of new URLSearchParams(text)) out[decodeURIComponent(key)] = decodeURIComponent(value);
  } catch {
    return `metadata query ${JSON.stringify(text)} is not a valid key=value query string`;
  }
  return out;
}

/** A page cursor: the sort key of the page's last sandbox (opaque to clients). */
function encodeCursor(item: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify([item.startedAt, item.sandboxID])).toString('base64url');
}

function decodeCursor(token: string): [string, string] | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') return [value[0], value[1]];
  } catch {
    // fall through
  }
  return undefined;
}

/**
 * One page of `GET /v2/sandboxes` as E2B answers it: filtered by `metadata` (every pair, exact)
 * and `state` (comma-separated or repeated; default running and paused), newest first (ties by
 * id), `limit` items (1–100, default 100; at most `pageSize`), and a cursor for the next page when more remain (sent
 * in the `x-next-token` header, taken back as `nextToken`). Filters on each item's `state` field.
 */
function listPage(all: Array<Record<string, unknown>>, query: URLSearchParams, pageSize: number): { items: Array<Record<string, unknown>>; nextToken?: string } | { error: string } {
  const metadata = parseMetadataQuery(query.get('metadata'));
  if (typeof metadata === 'string') return { error: metadata };
  const states = query.getAll('state').flatMap((s) => s.split(',')).filter((s) => s !== '');
  const unknown = states.find((s) => !LIST_STATES.includes(s));
  if (unknown !== undefined) return { error: `state ${JSON.stringify(unknown)} is not one of ${LIST_STATES.join(', ')}` };
  const wanted = states.length > 0 ? states : LIST_STATES;
  const limitText = query.get('limit');
  const limit = limitText === null ? MAX_LIST_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) return { error: `limit must be an integer between 1 and ${MAX_LIST_LIMIT}, got ${JSON.stringify(limitText)}` };
  const token = query.get('nextToken');
  const cursor = token === null ? undefined : decodeCursor(token);
  if (token !== null && cursor === undefined) return { error: 'invalid next token' };
  const after = (item: Record<string, unknown>): boolean => {
    if (cursor === undefined) return true;
    const started = String(item.startedAt);
    return started < cursor[0] || (started === cursor[0] && String(item.sandboxID) > cursor[1]);
  };
  const matching = all
    .filter((item) => wanted.includes(String(item.state)))
    .filter((item) => {
      const labels = (item.metadata ?? {}) as Record<string, string>;
      return Object.entries(metadata).every(([k, v]) => labels[k] === v);
    })
    .sort((a, b) => (a.startedAt === b.startedAt ? String(a.sandboxID).localeCompare(String(b.sandboxID)) : String(b.startedAt).localeCompare(String(a.startedAt))))
    .filter(after);
  const size = Math.min(limit, pageSize);
  const items = matching.slice(0, size);
  return matching.length > size ? { items, nextToken: encodeCursor(items[items.length - 1]!) } : { items };
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

/** True for a Host E2B's proxy reads routing headers on: loopback, or the shared `sandbox.<domain>` host. */
function routesByHeaders(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return name === 'localhost' || /^127\./.test(name) || name === '::1' || /^sandbox\.[^.]/.test(name);
}

/**
 * Which sandbox and port a proxied request is for, by E2B's client-proxy rules: on a loopback or
 * shared host the `E2b-Sandbox-Id` + `E2b-Sandbox-Port` headers (both required once either is
 * sent); otherwise the Host `<port>-<sandboxId>.<domain>`. `error` is the 400 text E2B answers.
 */
function routeOf(req: IncomingMessage): { sandboxId: string; port: number } | { error: string } {
  const host = req.headers.host ?? '';
  const id = req.headers['e2b-sandbox-id'];
  const portText = req.headers['e2b-sandbox-port'];
  if (routesByHeaders(host) && (id !== undefined || portText !== undefined)) {
    if (typeof id !== 'string' || id === '' || typeof portText !== 'string' || portText === '') return { error: 'missing header' };
    if (!/^\d+$/.test(portText)) return { error: 'Invalid sandbox port' };
    return { sandboxId: id, port: Number(portText) };
  }
  const label = host.split('.')[0] ?? '';
  if (!host.includes('.') || !label.includes('-')) return { error: 'Invalid host' };
  const [portPart = '', sandboxId = ''] = label.split('-');
  if (!/^\d+$/.test(portPart)) return { error: 'Invalid sandbox port' };
  return { sandboxId, port: Number(portPart) };
}

/** Starts the emulator (control plane + sandbox proxy) on random loopback ports. */
export async function startE2BEmulator(options: E2BEmulatorOptions = {}): Promise<E2BEmulator> {
  const apiKey = options.apiKey ?? 'e2b_emulator_key';
  const templates = new Map(Object.entries(options.templates ?? DEFAULT_TEMPLATES));
  const isolation = options.isolation ?? bubblewrapDriver();
  const requests: RecordedRequest[] = [];
  const faults: InjectedFault[] = [];
  type Live = EmulatedSandbox & { child: ChildProcess; timer?: NodeJS.Timeout; connections: Set<() => void> };
  const running = new Map<string, Live>();
  const agentDir = await bundleAgent();

  const takeFault = (plane: 'api' | 'envd', key: string): InjectedFault | undefined => {
    const index = faults.findIndex((f) => f.plane === plane && f.match.test(key));
    if (index < 0) return undefined;
    const fault = faults[index]!;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) faults.splice(index, 1);
    return fault;
  };

  const scheduleEnd = (sandbox: Live, timeoutSeconds: number): void => {
    if (sandbox.timer) clearTimeout(sandbox.timer);
    sandbox.endAt = new Date(Date.now() + timeoutSeconds * 1000);
    sandbox.timer = setTimeout(() => void killSandbox(sandbox.sandboxId), timeoutSeconds * 1000);
    sandbox.timer.unref();
  };

  const startSandbox: E2BEmulator['startSandbox'] = async (opts) => {
    const sandboxId = opts.sandboxId ?? `i${randomBytes(10).toString('hex')}`;
    const root = await isolation.createRoot({ id: sandboxId });
    const envVars = opts.envVars ?? {};
    const profile = templates.get(opts.templateId ?? 'base') ?? {};
    const child = root.spawn({
      argv: ['/usr/bin/node', '/opt/kode-envd/agent.mjs', JSON.stringify({ home: '/home/user', envVars })],
      binds: [{ host: agentDir, sandbox: '/opt/kode-envd' }],
      ...(profile.hideCommands ? { hideCommands: profile.hideCommands } : {}),
    });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.once('line', (line) => {
        try {
          resolve((JSON.parse(line) as { port: number }).port);
        } catch {
          reject(new Error(`envd agent printed ${line}`));
        }
      });
      child.once('exit', (code) => reject(new Error(`envd agent exited with ${String(code)}: ${stderr}`)));
    });
    const now = new Date();
    const sandbox: Live = {
      sandboxId,
      templateId: opts.templateId ?? 'base',
      metadata: opts.metadata ?? {},
      envVars,
      startedAt: now,
      endAt: now,
      state: 'running',
      ...(opts.allowPublicTraffic === false ? { trafficAccessToken: randomBytes(16).toString('hex') } : {}),
      root,
      envdPort: port,
      child,
      connections: new Set(),
    };
    running.set(sandboxId, sandbox);
    scheduleEnd(sandbox, opts.timeoutSeconds ?? 300);
    return sandbox;
  };

  const killSandbox = async (sandboxId: string): Promise<boolean> => {
    const sandbox = running.get(sandboxId);
    if (!sandbox) return false;
    running.delete(sandboxId);
    if (sandbox.timer) clearTimeout(sandbox.timer);
    await sandbox.root.destroy();
    return true;
  };

  /**
   * E2B's pause: the VM is snapshotted and stopped, so its connections drop, nothing runs and no
   * lifetime counts down. Here: every open proxied connection is cut, every process of the root
   * is stopped with SIGSTOP and the timer is cleared.
   */
  const pauseSandbox = (sandbox: Live): void => {
    if (sandbox.timer) clearTimeout(sandbox.timer);
    sandbox.timer = undefined;
    sandbox.state = 'paused';
    sandbox.endAt = new Date();
    for (const cut of [...sandbox.connections]) cut();
    sandbox.root.freeze();
  };

  /** E2B's resume (connect to a paused sandbox): processes continue, a fresh lifetime starts. */
  const resumeSandbox = (sandbox: Live, timeoutSeconds: number): void => {
    sandbox.root.thaw();
    sandbox.state = 'running';
    scheduleEnd(sandbox, timeoutSeconds);
  };

  const sandboxJson = (s: EmulatedSandbox): Record<string, unknown> => ({
    sandboxID: s.sandboxId,
    templateID: s.templateId,
    clientID: 'emulator',
    alias: s.templateId,
    startedAt: s.startedAt.toISOString(),
    endAt: s.endAt.toISOString(),
    state: s.state,
    cpuCount: 2,
    memoryMB: 512,
    diskSizeMB: 1024,
    envdVersion: ENVD_VERSION,
    metadata: s.metadata,
    volumeMounts: [],
  });

  const created = (s: EmulatedSandbox): Record<string, unknown> => ({
    sandboxID: s.sandboxId,
    templateID: s.templateId,
    clientID: 'emulator',
    envdVersion: ENVD_VERSION,
    alias: s.templateId,
    ...(s.trafficAccessToken === undefined ? {} : { trafficAccessToken: s.trafficAccessToken }),
  });
  const notFound = (id: string): { code: number; message: string } => ({ code: 404, message: `Sandbox "${id}" doesn't exist or you don't have access to it` });

  const validTimeout = (value: unknown): number | string => {
    if (value === undefined) return 300;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 86_400) return `timeout must be an integer number of seconds between 0 and 86400, got ${JSON.stringify(value)}`;
    return value;
  };

  const api = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://api');
    const record: RecordedRequest = { plane: 'api', method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: pickHeaders(req) };
    requests.push(record);
    const reply = (status: number, body?: unknown): void => {
      record.status = status;
      sendJson(res, status, body);
    };
    const handle = async (): Promise<void> => {
      const body = await readJson(req).catch(() => Symbol.for('invalid'));
      if (typeof body === 'symbol') return reply(400, { code: 400, message: 'request body is not valid JSON' });
      record.body = body;
      const fault = takeFault('api', `${record.method} ${record.path}`);
      if (fault) {
        record.status = fault.status;
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        res.end(JSON.stringify(fault.body ?? { code: fault.status, message: 'injected fault' }));
        return;
      }
      if (req.headers['x-api-key'] !== apiKey) return reply(401, { code: 401, message: 'Invalid API key, it must start with e2b_' });
      const b = (body ?? {}) as Record<string, unknown>;
      let m: RegExpExecArray | null;
      if (record.method === 'POST' && record.path === '/v2/sandboxes') {
        const template = typeof b.templateID === 'string' ? b.templateID : '';
        if (!templates.has(template)) return reply(404, { code: 404, message: `template '${template}' not found` });
        const timeout = validTimeout(b.timeout);
        if (typeof timeout === 'string') return reply(400, { code: 400, message: timeout });
        const network = (b.network ?? {}) as { allowPublicTraffic?: unknown };
        const sandbox = await startSandbox({
          templateId: template,
          timeoutSeconds: timeout,
          envVars: (b.envVars ?? {}) as Record<string, string>,
          metadata: (b.metadata ?? {}) as Record<string, string>,
          ...(network.allowPublicTraffic === false ? { allowPublicTraffic: false } : {}),
        });
        return reply(201, created(sandbox));
      }
      if (record.method === 'GET' && record.path === '/v2/sandboxes') {
        const page = listPage([...running.values()].map(sandboxJson), url.searchParams, options.listPageSize ?? MAX_LIST_LIMIT);
        if ('error' in page) return reply(400, { code: 400, message: page.error });
        if (page.nextToken !== undefined) res.setHeader('x-next-token', page.nextToken);
        return reply(200, page.items);
      }
      if ((m = /^\/v2\/sandboxes\/([^/]+)\/connect$/.exec(record.path)) && record.method === 'POST') {
        const sandbox = running.get(m[1]!);
        if (!sandbox) return reply(404, { code: 404, message: `sandbox "${m[1]!}" doesn't exist or you don't have access to it` });
        const timeout = b.timeout === undefined ? undefined : validTimeout(b.timeout);
        if (typeof timeout === 'string') return reply(400, { code: 400, message: timeout });
        if (sandbox.state === 'paused') {
          // Connect resumes a paused sandbox (201) with a fresh lifetime.
          resumeSandbox(sandbox, timeout ?? RESUME_DEFAULT_TIMEOUT_SECONDS);
          return reply(201, created(sandbox));
        }
        // Connect only ever extends the lifetime of a running one.
        if (timeout !== undefined && Date.now() + timeout * 1000 > sandbox.endAt.getTime()) scheduleEnd(sandbox, timeout);
        return reply(200, created(sandbox));
      }
      if ((m = /^\/sandboxes\/([^/]+)\/pause$/.exec(record.path)) && record.method === 'POST') {
        const sandbox = running.get(m[1]!);
        if (!sandbox) return reply(404, notFound(m[1]!));
        if (sandbox.state === 'paused') return reply(409, { code: 409, message: `Error pausing sandbox - sandbox '${m[1]!}' is already paused` });
        pauseSandbox(sandbox);
        return reply(204);
      }
      if ((m = /^\/sandboxes\/([^/]+)\/resume$/.exec(record.path)) && record.method === 'POST') {
        // Deprecated in favour of connect; still served by E2B.
        const sandbox = running.get(m[1]!);
        if (!sandbox) return reply(404, notFound(m[1]!));
        if (sandbox.state === 'running') return reply(409, { code: 409, message: `Sandbox ${m[1]!} is already running` });
        const timeout = b.timeout === undefined ? RESUME_DEFAULT_TIMEOUT_SECONDS : validTimeout(b.timeout);
        if (typeof timeout === 'string') return reply(400, { code: 400, message: timeout });
        resumeSandbox(sandbox, timeout);
        return reply(201, sandboxJson(sandbox));
      }
      if ((m = /^\/sandboxes\/([^/]+)\/timeout$/.exec(record.path)) && record.method === 'POST') {
        const sandbox = running.get(m[1]!);
        // A paused sandbox is not in E2B's orchestrator: its timeout cannot be set.
        if (!sandbox || sandbox.state === 'paused') return reply(404, notFound(m[1]!));
        const timeout = validTimeout(b.timeout);
        if (typeof timeout === 'string') return reply(400, { code: 400, message: timeout });
        scheduleEnd(sandbox, timeout);
        return reply(204);
      }
      if ((m = /^\/sandboxes\/([^/]+)$/.exec(record.path))) {
        const sandbox = running.get(m[1]!);
        if (record.method === 'DELETE') {
          if (!(await killSandbox(m[1]!))) return reply(404, { code: 404, message: `sandbox "${m[1]!}" not found` });
          return reply(204);
        }
        if (record.method === 'GET') {
          if (!sandbox) return reply(404, { code: 404, message: `sandbox "${m[1]!}" not found` });
          return reply(200, sandboxJson(sandbox));
        }
      }
      return reply(404, { code: 404, message: `no route for ${record.method} ${record.path}` });
    };
    handle().catch((error: unknown) => reply(500, { code: 500, message: (error as Error).message }));
  });

  const proxy = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://envd');
    const record: RecordedRequest = { plane: 'envd', method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: pickHeaders(req) };
    requests.push(record);
    const refuse = (status: number, body: unknown): void => {
      record.status = status;
      if (typeof body === 'string') {
        // Go's http.Error: plain text and a newline.
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
        res.end(`${body}\n`);
      } else {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      }
      req.resume();
    };
    const fault = takeFault('envd', `${record.method} ${record.path}`);
    if (fault) {
      record.status = fault.status;
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(JSON.stringify(fault.body ?? { code: fault.status, message: 'injected fault' }));
      req.resume();
      return;
    }
    const route = routeOf(req);
    if ('error' in route) return refuse(400, route.error);
    const { sandboxId, port } = route;
    const sandbox = running.get(sandboxId);
    // E2B's proxy finds only running sandboxes; a paused one (auto-resume off) is answered alike.
    if (!sandbox || sandbox.state === 'paused') return refuse(502, { sandboxId, message: 'The sandbox was not found', code: 502 });
    let target: { host: string; port: number };
    if (port === ENVD_PORT) {
      target = { host: '127.0.0.1', port: sandbox.envdPort };
    } else {
      // envd checks its own access token; other ports check the traffic access token, if any.
      if (sandbox.trafficAccessToken !== undefined) {
        const given = req.headers[TRAFFIC_TOKEN_HEADER];
        if (typeof given !== 'string' || given === '') {
          return refuse(403, { sandboxId, message: `Sandbox is secured with traffic access token. Token header '${TRAFFIC_TOKEN_HEADER}' is missing`, code: 403 });
        }
        if (given !== sandbox.trafficAccessToken) {
          return refuse(403, { sandboxId, message: `Sandbox is secured with traffic access token. Provided token in header '${TRAFFIC_TOKEN_HEADER}' is invalid`, code: 403 });
        }
      }
      const listener = findSandboxListener(sandbox.root.pids(), port);
      if (listener === undefined) return refuse(502, { sandboxId, message: 'The sandbox is running but port is not open', port, code: 502 });
      target = listener;
    }
    const captureBody = port === ENVD_PORT && String(req.headers['content-type'] ?? '').startsWith('application/json');
    const chunks: Buffer[] = [];
    const upstream = httpRequest({ host: target.host, port: target.port, method: req.method, path: req.url, headers: req.headers }, (upstreamRes) => {
      record.status = upstreamRes.statusCode ?? 0;
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    });
    // Pausing cuts every connection to the sandbox, as snapshotting E2B's VM does.
    const cut = (): void => {
      upstream.destroy();
      res.destroy();
    };
    sandbox.connections.add(cut);
    res.on('close', () => {
      sandbox.connections.delete(cut);
      upstream.destroy();
    });
    upstream.on('error', (error) => {
      if (!res.headersSent) refuse(502, port === ENVD_PORT ? { code: 502, message: `sandbox unreachable: ${error.message}` } : { sandboxId, message: 'The sandbox is running but port is not open', port, code: 502 });
      else res.destroy();
    });
    req.on('data', (c: Buffer) => {
      if (captureBody) chunks.push(c);
    });
    req.on('end', () => {
      if (captureBody) {
        try {
          record.body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          record.body = undefined;
        }
      }
    });
    req.pipe(upstream);
  });

  const apiUrl = await listen(api);
  const sandboxUrl = await listen(proxy);

  return {
    apiUrl,
    sandboxUrl,
    apiKey,
    requests,
    sandboxes: () => [...running.values()],
    startSandbox,
    killSandbox,
    injectFault: (fault) => faults.push({ ...fault }),
    clearFaults: () => {
      faults.length = 0;
    },
    async close() {
      await Promise.all([...running.keys()].map((id) => killSandbox(id)));
      for (const server of [api, proxy]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
