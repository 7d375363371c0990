import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { errMessage, sendJson } from './http';

/** execd's `/proxy/{port}/…`: forwards to `127.0.0.1:{port}` inside the sandbox. */
export function proxy(target: { port: number; rest: string }, req: IncomingMessage, res: ServerResponse): void {
  const { port, rest } = target;
  const headers = { ...req.headers };
  delete headers.host;
  const upstream = request({ host: '127.0.0.1', port, method: req.method, path: rest || '/', headers }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  upstream.on('error', (err) => {
    if (!res.headersSent) sendJson(res, 502, { code: 'RUNTIME_ERROR', message: `proxy to port ${port} failed: ${errMessage(err)}` });
    else res.destroy();
  });
  req.pipe(upstream);
}
