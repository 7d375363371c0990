/**
 * An E2B-compatible emulator for tests: a fake control plane (the REST API the `e2b` client calls
 * for create/connect/kill/setTimeout/list/getInfo), and a sandbox proxy that routes envd traffic by
 * the `E2b-Sandbox-Id` header to each sandbox's own envd-compatible agent running inside a
 * bubblewrap root. Point the stock client at it with `apiUrl` + `sandboxUrl` (or `debug` +
 * `sandboxUrl` for debug mode).
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

/** A running emulated sandbox. */
export interface EmulatedSandbox {
  sandboxId: string;
  templateId: string;
  metadata: Record<string, string>;
  envVars: Record<string, string>;
  startedAt: Date;
  endAt: Date;
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
}

/** A running emulator. */
export interface E2BEmulator {
  apiUrl: string;
  sandboxUrl: string;
  apiKey: string;
  /** Every request seen, oldest first. */
  readonly requests: RecordedRequest[];
  /** Currently running sandboxes. */
  sandboxes(): EmulatedSandbox[];
  /** Starts a sandbox directly (as the control plane does), e.g. `debug_sandbox_id` for debug mode. */
  startSandbox(options: { sandboxId?: string; templateId?: string; timeoutSeconds?: number; envVars?: Record<string, string>; metadata?: Record<string, string> }): Promise<EmulatedSandbox>;
  /** Kills a sandbox as its lifetime ending would. */
  killSandbox(sandboxId: string): Promise<boolean>;
  /** Fails matching requests. */
  injectFault(fault: InjectedFault): void;
  /** Drops every injected fault that has not fired yet. */
  clearFaults(): void;
  close(): Promise<void>;
}

const ENVD_VERSION = '0.6.4';
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
];

function pickHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of RECORDED_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

/** Starts the emulator (control plane + sandbox proxy) on random loopback ports. */
export async function startE2BEmulator(options: E2BEmulatorOptions = {}): Promise<E2BEmulator> {
  const apiKey = options.apiKey ?? 'e2b_emulator_key';
  const templates = new Map(Object.entries(options.templates ?? DEFAULT_TEMPLATES));
  const isolation = options.isolation ?? bubblewrapDriver();
  const requests: RecordedRequest[] = [];
  const faults: InjectedFault[] = [];
  const running = new Map<string, EmulatedSandbox & { child: ChildProcess; timer?: NodeJS.Timeout }>();
  const agentDir = await bundleAgent();

  const takeFault = (plane: 'api' | 'envd', key: string): InjectedFault | undefined => {
    const index = faults.findIndex((f) => f.plane === plane && f.match.test(key));
    if (index < 0) return undefined;
    const fault = faults[index]!;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) faults.splice(index, 1);
    return fault;
  };

  const scheduleEnd = (sandbox: EmulatedSandbox & { timer?: NodeJS.Timeout }, timeoutSeconds: number): void => {
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
    const sandbox = {
      sandboxId,
      templateId: opts.templateId ?? 'base',
      metadata: opts.metadata ?? {},
      envVars,
      startedAt: now,
      endAt: now,
      root,
      envdPort: port,
      child,
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

  const sandboxJson = (s: EmulatedSandbox): Record<string, unknown> => ({
    sandboxID: s.sandboxId,
    templateID: s.templateId,
    clientID: 'emulator',
    alias: s.templateId,
    startedAt: s.startedAt.toISOString(),
    endAt: s.endAt.toISOString(),
    state: 'running',
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
  });

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
        const sandbox = await startSandbox({
          templateId: template,
          timeoutSeconds: timeout,
          envVars: (b.envVars ?? {}) as Record<string, string>,
          metadata: (b.metadata ?? {}) as Record<string, string>,
        });
        return reply(201, created(sandbox));
      }
      if (record.method === 'GET' && record.path === '/v2/sandboxes') {
        return reply(200, [...running.values()].map(sandboxJson));
      }
      if ((m = /^\/v2\/sandboxes\/([^/]+)\/connect$/.exec(record.path)) && record.method === 'POST') {
        const sandbox = running.get(m[1]!);
        if (!sandbox) return reply(404, { code: 404, message: `sandbox "${m[1]!}" doesn't exist or you don't have access to it` });
        if (b.timeout !== undefined) {
          const timeout = validTimeout(b.timeout);
          if (typeof timeout === 'string') return reply(400, { code: 400, message: timeout });
          // Connect only ever extends the lifetime.
          if (Date.now() + timeout * 1000 > sandbox.endAt.getTime()) scheduleEnd(sandbox, timeout);
        }
        return reply(200, created(sandbox));
      }
      if ((m = /^\/sandboxes\/([^/]+)\/timeout$/.exec(record.path)) && record.method === 'POST') {
        const sandbox = running.get(m[1]!);
        if (!sandbox) return reply(404, { code: 404, message: `sandbox "${m[1]!}" not found` });
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
    const fault = takeFault('envd', `${record.method} ${record.path}`);
    if (fault) {
      record.status = fault.status;
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(JSON.stringify(fault.body ?? { code: fault.status, message: 'injected fault' }));
      req.resume();
      return;
    }
    const sandbox = running.get(String(req.headers['e2b-sandbox-id'] ?? ''));
    if (!sandbox) {
      record.status = 502;
      sendJson(res, 502, { code: 502, message: 'The sandbox was not found', sandboxId: req.headers['e2b-sandbox-id'] ?? null });
      req.resume();
      return;
    }
    const captureBody = String(req.headers['content-type'] ?? '').startsWith('application/json');
    const chunks: Buffer[] = [];
    const upstream = httpRequest(
      { host: '127.0.0.1', port: sandbox.envdPort, method: req.method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        record.status = upstreamRes.statusCode ?? 0;
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) sendJson(res, 502, { code: 502, message: `sandbox unreachable: ${error.message}` });
      else res.destroy();
    });
    res.on('close', () => upstream.destroy());
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
