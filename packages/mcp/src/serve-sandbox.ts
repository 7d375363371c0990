import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { SandboxFactory, type Sandbox, type SandboxFactoryConfig } from '@kode/core';
import { createToolState } from '@kode/tools';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { McpTransportSettings } from './cli-args';
import { createMcpServer } from './create-mcp-server';
import { importBackend } from './sandbox-config';

/** Options of {@link serveSandbox}. */
export interface ServeSandboxOptions {
  /** The sandbox config (`SandboxFactory.createAsync`'s shape); its backend package is imported on demand. */
  config: SandboxFactoryConfig;
  /** stdio, or Streamable HTTP on `host:port` (path `/mcp`). */
  transport: McpTransportSettings;
  /** Streams of the stdio transport. Default `process.stdin` / `process.stdout`. */
  stdio?: { input: Readable; output: Writable };
  /** Receives one line per lifecycle step (never a secret). Default: none. */
  log?: (line: string) => void;
}

/** A running server from {@link serveSandbox}. */
export interface ServedSandbox {
  /** The sandbox created on start; disposed by {@link close}. */
  readonly sandbox: Sandbox;
  /** `http://host:port/mcp` with the HTTP transport, `undefined` on stdio. */
  readonly url: string | undefined;
  /** Resolves when the server stops: {@link close} was called, or stdin ended (stdio). */
  readonly closed: Promise<void>;
  /** Stops serving and disposes the sandbox. Idempotent; rejects with the dispose error, if any. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** The request's `Host` names this loopback server (guards against DNS rebinding from a browser). */
function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}` || host === `[::1]:${port}`;
}

function reply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

async function listen(server: HttpServer, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Creates the sandbox from `options.config` (importing `@kode/local`, `@kode/opensandbox` or
 * `@kode/e2b` for its kind), then serves the nine tools over MCP: on stdio (until the input ends or
 * {@link ServedSandbox.close}) or over Streamable HTTP at `http://host:port/mcp` (stateless: every
 * request gets its own server; all share one tool state, so `bash_logs` cursors persist). With a
 * loopback host, requests whose `Host` header is not loopback are refused (403). The caller owns
 * the result and must `close()` it; that disposes the sandbox.
 *
 * @throws InvalidArgumentError for a bad config or a backend package that is not installed; any
 *   error of the backend's `init()` (the sandbox is then already disposed); the `listen` error
 *   (e.g. `EADDRINUSE`, after disposing the sandbox)
 */
export async function serveSandbox(options: ServeSandboxOptions): Promise<ServedSandbox> {
  const log = options.log ?? (() => undefined);
  await importBackend(options.config.kind);
  log(`creating a ${options.config.kind} sandbox…`);
  const sandbox = await SandboxFactory.createAsync(options.config);
  log(`sandbox ${sandbox.getSandboxId()} (${sandbox.kind}) ready at ${sandbox.workDir}`);
  const state = createToolState({ sandbox });

  let stopTransport: () => Promise<void> = () => Promise.resolve();
  let url: string | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      try {
        await stopTransport().catch(() => undefined);
        await state.dispose();
        log(`disposing sandbox ${sandbox.getSandboxId()}…`);
        await sandbox.dispose();
        log('sandbox disposed');
      } finally {
        resolveClosed();
      }
    })());

  try {
    if (options.transport.kind === 'stdio') {
      const input = options.stdio?.input ?? process.stdin;
      const output = options.stdio?.output ?? process.stdout;
      const server = createMcpServer({ sandbox, state });
      const transport = new StdioServerTransport(input, output);
      const onEnd = (): void => {
        log('stdin closed');
        void close().catch(() => undefined);
      };
      input.once('end', onEnd);
      input.once('close', onEnd);
      stopTransport = async () => {
        input.off('end', onEnd);
        input.off('close', onEnd);
        await server.close();
      };
      await server.connect(transport);
      log('serving 9 tools on stdio');
    } else {
      const { host } = options.transport;
      let port = options.transport.port;
      const checkHost = LOOPBACK.has(host);
      const http = createServer((req, res) => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        if (path !== '/mcp') return reply(res, 404, 'Not found: the MCP endpoint is /mcp.');
        if (checkHost && !hostAllowed(req, port)) return reply(res, 403, 'Forbidden: Host header is not this loopback server.');
        const server = createMcpServer({ sandbox, state });
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        res.on('close', () => {
          void transport.close();
          void server.close();
        });
        server
          .connect(transport)
          .then(() => transport.handleRequest(req, res))
          .catch((error: unknown) => {
            log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
            if (!res.headersSent) reply(res, 500, 'Internal server error.');
          });
      });
      port = await listen(http, port, host);
      url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/mcp`;
      stopTransport = () =>
        new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeAllConnections();
        });
      log(`serving 9 tools at ${url} (Streamable HTTP)`);
    }
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return { sandbox, url, closed, close };
}
