import { Sandbox as E2BClient } from 'e2b';
import { describe, expect, it } from 'vitest';
import { e2bEndpoint, E2B_TRAFFIC_TOKEN_HEADER } from './e2b-endpoint';

/** The host the stock client itself computes (no I/O: the constructor only builds transports). */
function clientHost(options: { sandboxId: string; port: number; domain?: string; sandboxDomain?: string; debug?: boolean }): string {
  const client = new E2BClient({
    sandboxId: options.sandboxId,
    envdVersion: '0.6.4',
    ...(options.domain === undefined ? {} : { domain: options.domain }),
    ...(options.sandboxDomain === undefined ? {} : { sandboxDomain: options.sandboxDomain }),
    ...(options.debug === undefined ? {} : { debug: options.debug }),
  });
  return client.getHost(options.port);
}

describe('e2bEndpoint', () => {
  it('cloud: https on E2B host scheme <port>-<id>.<domain>, no headers without a traffic token', () => {
    const host = clientHost({ sandboxId: 'isbx1', port: 3000, domain: 'e2b.app' });
    expect(host).toBe('3000-isbx1.e2b.app');
    expect(e2bEndpoint({ port: 3000, sandboxId: 'isbx1', host, sandboxUrl: undefined, debug: false, trafficAccessToken: undefined })).toEqual({
      url: 'https://3000-isbx1.e2b.app',
      headers: {},
    });
  });

  it('cloud: the sandbox domain E2B assigned wins over the configured domain', () => {
    const host = clientHost({ sandboxId: 'isbx1', port: 8080, domain: 'e2b.app', sandboxDomain: 'eu.e2b.dev' });
    expect(e2bEndpoint({ port: 8080, sandboxId: 'isbx1', host, sandboxUrl: undefined, debug: false, trafficAccessToken: undefined }).url).toBe('https://8080-isbx1.eu.e2b.dev');
  });

  it('cloud with restricted public traffic: the token goes in e2b-traffic-access-token', () => {
    const endpoint = e2bEndpoint({ port: 3000, sandboxId: 'isbx1', host: '3000-isbx1.e2b.app', sandboxUrl: undefined, debug: false, trafficAccessToken: 'tat-secret' });
    expect(endpoint).toEqual({ url: 'https://3000-isbx1.e2b.app', headers: { [E2B_TRAFFIC_TOKEN_HEADER]: 'tat-secret' } });
    expect(E2B_TRAFFIC_TOKEN_HEADER).toBe('e2b-traffic-access-token');
  });

  it('sandboxUrl (self-hosted proxy): that URL, routed by E2b-Sandbox-Id and E2b-Sandbox-Port, trailing slashes dropped', () => {
    const endpoint = e2bEndpoint({ port: 5173, sandboxId: 'isbx1', host: '5173-isbx1.e2b.app', sandboxUrl: 'http://127.0.0.1:4000/', debug: false, trafficAccessToken: undefined });
    expect(endpoint).toEqual({ url: 'http://127.0.0.1:4000', headers: { 'E2b-Sandbox-Id': 'isbx1', 'E2b-Sandbox-Port': '5173' } });
  });

  it('sandboxUrl with a traffic token sends both the routing headers and the token', () => {
    const endpoint = e2bEndpoint({ port: 80, sandboxId: 'isbx1', host: '80-isbx1.e2b.app', sandboxUrl: 'https://sandbox.example.com', debug: false, trafficAccessToken: 'tat' });
    expect(endpoint.headers).toEqual({ 'E2b-Sandbox-Id': 'isbx1', 'E2b-Sandbox-Port': '80', 'e2b-traffic-access-token': 'tat' });
  });

  it('sandboxUrl wins over debug mode, as in the client', () => {
    const endpoint = e2bEndpoint({ port: 80, sandboxId: 'debug_sandbox_id', host: 'localhost:80', sandboxUrl: 'http://127.0.0.1:4000', debug: true, trafficAccessToken: undefined });
    expect(endpoint.url).toBe('http://127.0.0.1:4000');
    expect(endpoint.headers['E2b-Sandbox-Port']).toBe('80');
  });

  it('debug mode: plain http to localhost:<port>, no headers', () => {
    const host = clientHost({ sandboxId: 'debug_sandbox_id', port: 8888, debug: true });
    expect(host).toBe('localhost:8888');
    expect(e2bEndpoint({ port: 8888, sandboxId: 'debug_sandbox_id', host, sandboxUrl: undefined, debug: true, trafficAccessToken: undefined })).toEqual({
      url: 'http://localhost:8888',
      headers: {},
    });
  });
});
