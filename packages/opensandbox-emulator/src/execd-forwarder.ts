import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { FaultInjector } from './faults';
import { delay, sendJson } from './http-util';
import type { RequestCounter } from './request-stats';
import { execdRouteName, STREAMING_EXECD_ROUTES } from './route-table';

/** Pause between the last event passed and a `cut-stream` cut (ms). */
const CUT_DELAY_MS = 50;

/** Headers never forwarded upstream. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);
/** Additionally stripped by the lifecycle server's proxy route (as the real server does). */
const PROXY_STRIPPED = new Set(['authorization', 'cookie', 'open-sandbox-api-key', 'opensandbox-ingress-to']);

/** What the forwarder needs to know about the target sandbox. */
export interface ForwardTarget {
  sandboxId: string;
  /** Host path of the agent's unix socket. */
  socketPath: string;
}

/** One request to forward to a sandbox's execd. */
export interface ForwardRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** execd-relative path with query, e.g. `/command` or `/proxy/8080/x?y=1`. */
  path: string;
  /**
   * How an unreachable agent is reported: `'reset'` closes the client connection (what a dead
   * container's port does), `'bad-gateway'` answers 502 as the lifecycle server's proxy does.
   */
  unavailable: 'reset' | 'bad-gateway';
  /** Strip credentials like the lifecycle server's proxy (server proxy and gateway routes). */
  stripCredentials: boolean;
  /**
   * The request came through execd's own `/proxy/44772` (Docker bridge endpoints). Real execd's
   * self-proxy holds the status until the first body byte: when the answer's body fails before it
   * (a directory download), its recovery middleware turns the status into 500 with the headers
   * set so far, and the connection is cut.
   */
  selfProxy?: boolean;
}

/** Forwards execd requests to sandbox agents, counting them and applying faults. */
export class ExecdForwarder {
  constructor(
    private readonly stats: RequestCounter,
    private readonly faults: FaultInjector,
  ) {}

  /**
   * Counts the request under its execd route name, applies latency / error / cut-stream faults,
   * then streams it to the agent and the answer back (no buffering, so event streams pass
   * through as they are produced).
   */
  async forward(target: ForwardTarget | undefined, fwd: ForwardRequest): Promise<void> {
    const { req, res } = fwd;
    const method = req.method ?? 'GET';
    const pathname = fwd.path.split('?')[0] ?? '/';
    const route = execdRouteName(method, pathname);
    this.stats.record({ route, api: 'execd', ...(target ? { sandboxId: target.sandboxId } : {}) });
    const query = { route, ...(target ? { sandboxId: target.sandboxId } : {}) };
    const latency = this.faults.latencyFor(query);
    if (latency > 0) await delay(latency);
    const injected = this.faults.errorFor(query);
    if (injected) {
      req.resume();
      if (injected.retryAfter !== undefined) res.setHeader('retry-after', injected.retryAfter);
      sendJson(res, injected.status, { code: injected.code ?? 'RUNTIME_ERROR', message: injected.message ?? 'injected fault' });
      return;
    }
    if (!target) {
      this.unavailable(fwd, 'sandbox is not running');
      return;
    }
    const cutAfter = STREAMING_EXECD_ROUTES.has(route) ? this.faults.cutFor(query) : undefined;
    const headers: IncomingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (HOP_BY_HOP.has(k) || (fwd.stripCredentials && PROXY_STRIPPED.has(k))) continue;
      headers[k] = v;
    }
    if (req.headers['transfer-encoding']) headers['transfer-encoding'] = req.headers['transfer-encoding'];
    headers.host = 'execd';
    await new Promise<void>((resolve) => {
      const upstream = request({ socketPath: target.socketPath, method, path: fwd.path, headers }, (up) => {
        const outHeaders = { ...up.headers };
        delete outHeaders.connection;
        delete outHeaders['keep-alive'];
        // settles however the exchange ends (also when the client goes away mid-stream)
        up.on('close', () => resolve());
        if (fwd.selfProxy && cutAfter === undefined) {
          res.statusCode = up.statusCode ?? 502;
          for (const [k, v] of Object.entries(outHeaders)) if (v !== undefined) res.setHeader(k, v);
          up.pipe(res); // headers go out with the first body chunk (or the end)
          up.on('end', resolve);
          up.on('error', () => {
            if (!res.headersSent) {
              res.statusCode = 500;
              res.flushHeaders();
            }
            setImmediate(() => res.destroy());
            resolve();
          });
          return;
        }
        res.writeHead(up.statusCode ?? 502, outHeaders);
        res.flushHeaders();
        if (cutAfter === undefined) {
          up.pipe(res);
          up.on('end', resolve);
          up.on('error', () => {
            res.destroy();
            resolve();
          });
          return;
        }
        const delimiter = route === 'GET /metrics/watch' ? '\n' : '\n\n';
        let seen = 0;
        let tail = '';
        let cutting = false;
        up.on('data', (chunk: Buffer) => {
          if (cutting) return;
          const text = chunk.toString('latin1');
          let cutAt = -1;
          const scan = tail + text;
          let from = 0;
          for (;;) {
            const idx = scan.indexOf(delimiter, from);
            if (idx < 0) break;
            seen++;
            from = idx + delimiter.length;
            if (seen >= cutAfter) {
              cutAt = from - tail.length;
              break;
            }
          }
          if (cutAt < 0 && cutAfter > 0) {
            res.write(chunk);
            tail = scan.slice(-(delimiter.length - 1));
            return;
          }
          cutting = true;
          up.destroy();
          // Drop the connection mid-stream (no terminating chunk): the client sees a truncated
          // response. The cut waits a moment after the last event so the client has read it.
          const cut = (): void => {
            setTimeout(() => {
              res.socket?.destroy();
              res.destroy();
              resolve();
            }, CUT_DELAY_MS);
          };
          if (cutAt > 0) res.write(chunk.subarray(0, cutAt), cut);
          else cut();
        });
        if (cutAfter === 0) {
          up.destroy();
          res.socket?.destroy();
          res.destroy();
          resolve();
        }
        up.on('end', () => {
          if (cutting) return;
          res.end();
          resolve();
        });
      });
      upstream.on('error', (err) => {
        this.unavailable(fwd, err.message);
        resolve();
      });
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      req.pipe(upstream);
    });
  }

  private unavailable(fwd: ForwardRequest, detail: string): void {
    if (fwd.res.headersSent) {
      fwd.res.destroy();
      return;
    }
    if (fwd.unavailable === 'bad-gateway') {
      sendJson(fwd.res, 502, { code: 'GENERAL::UNKNOWN_ERROR', message: `Could not connect to the backend sandbox endpoint: ${detail}` });
      return;
    }
    fwd.req.resume();
    fwd.res.socket?.destroy();
    fwd.res.destroy();
  }
}
