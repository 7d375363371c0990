/**
 * The envd-compatible HTTP server that runs inside one emulated sandbox: Connect (JSON) for
 * `process.Process` and `filesystem.Filesystem`, plus `GET /health` and `GET`/`POST /files`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { homedir } from 'node:os';
import { isAbsolute, join, normalize } from 'node:path';
import {
  decodeSingleEnvelope,
  decodeUnary,
  keepaliveIntervalMs,
  readBody,
  requestTimeoutMs,
  RpcError,
  sendUnary,
  sendUnaryError,
  ServerStream,
} from './connect-protocol';
import { getFile, postFiles } from './files-rest';
import { FilesystemService } from './filesystem-service';
import { ProcessService } from './process-service';

/** Options of {@link startEnvdServer}. */
export interface EnvdServerOptions {
  host?: string;
  port?: number;
  /** Default working directory and home (`/home/user` in E2B templates). */
  home?: string;
  /** Sandbox-wide environment variables (E2B's `envVars` at create time). */
  envVars?: Record<string, string>;
}

function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RpcError('invalid_argument', 'request message must be a JSON object');
  return value as Record<string, unknown>;
}

/** Starts the server; resolves with it once listening. */
export async function startEnvdServer(options: EnvdServerOptions = {}): Promise<Server> {
  const home = options.home ?? homedir();
  const resolve = (path: string): string => {
    let p = path;
    if (p === '') p = home;
    else if (p === '~') p = home;
    else if (p.startsWith('~/')) p = join(home, p.slice(2));
    return normalize(isAbsolute(p) ? p : join(home, p));
  };
  const baseEnv = (): Record<string, string> => ({
    PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    USER: 'user',
    LOGNAME: 'user',
    // envd sets it for every process (`true` in a Firecracker VM, which E2B sandboxes are).
    E2B_SANDBOX: 'true',
    ...(options.envVars ?? {}),
  });
  const fs = new FilesystemService(resolve);
  const processes = new ProcessService(resolve, baseEnv);

  const handleRpc = async (req: IncomingMessage, res: ServerResponse, { service, method }: { service: string; method: string }): Promise<void> => {
    const contentType = String(req.headers['content-type'] ?? '');
    const body = await readBody(req);
    if (contentType.startsWith('application/connect+json')) {
      const message = asObject(decodeSingleEnvelope(body));
      const keepaliveMs = keepaliveIntervalMs(req);
      const stream = new ServerStream(res);
      try {
        if (service === 'process.Process' && method === 'Start') {
          const timeoutMs = requestTimeoutMs(req);
          await processes.start(message, stream, { ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(keepaliveMs === undefined ? {} : { keepaliveMs }) });
        } else if (service === 'process.Process' && method === 'Connect') {
          processes.connect(message, stream, keepaliveMs === undefined ? {} : { keepaliveMs });
        } else if (service === 'filesystem.Filesystem' && method === 'WatchDir') {
          await fs.watchDir(message, stream, keepaliveMs);
        } else {
          throw new RpcError('unimplemented', `${service}/${method} is not a server-streaming method`);
        }
      } catch (error) {
        stream.end(error instanceof RpcError ? error : new RpcError('internal', (error as Error).message));
      }
      return;
    }
    if (!contentType.startsWith('application/json')) {
      res.writeHead(415, { 'content-type': 'text/plain' });
      res.end(`unsupported content type ${contentType}`);
      return;
    }
    try {
      const message = asObject(decodeUnary(body));
      const handler = service === 'process.Process' ? processes.unary(method) : fs.unary(method);
      if (!handler) throw new RpcError('unimplemented', `${service}/${method} is not implemented`);
      sendUnary(res, await handler(message));
    } catch (error) {
      sendUnaryError(res, error instanceof RpcError ? error : new RpcError('internal', (error as Error).message));
    }
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://envd');
    const route = async (): Promise<void> => {
      const rpc = /^\/(process\.Process|filesystem\.Filesystem)\/([A-Za-z]+)$/.exec(url.pathname);
      if (rpc && req.method === 'POST') return handleRpc(req, res, { service: rpc[1]!, method: rpc[2]! });
      if (url.pathname === '/health' && req.method === 'GET') {
        res.writeHead(204);
        res.end();
        return;
      }
      if (url.pathname === '/files' && req.method === 'GET') return getFile(req, res, resolve);
      if (url.pathname === '/files' && req.method === 'POST') return postFiles(req, res, resolve);
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 404, message: `no route for ${req.method ?? ''} ${url.pathname}` }));
    };
    route().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 500, message: (error as Error).message }));
    });
  });
  server.on('close', () => {
    fs.close();
    processes.close();
  });
  await new Promise<void>((resolveListen) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolveListen));
  return server;
}
