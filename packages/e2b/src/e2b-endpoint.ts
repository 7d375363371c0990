import type { DriverEndpoint } from '@kode/driver';

/** The header E2B's proxy checks on a sandbox created with restricted public traffic. */
export const E2B_TRAFFIC_TOKEN_HEADER = 'e2b-traffic-access-token';

/** What {@link e2bEndpoint} needs to know about the connection (all known after `init()`). */
export interface E2BEndpointInput {
  /** The port inside the sandbox (1..65535, checked by the front). */
  port: number;
  /** The sandbox id. */
  sandboxId: string;
  /** The client's `getHost(port)`: `<port>-<sandboxId>.<sandbox domain>`, or `localhost:<port>` in debug mode. */
  host: string;
  /** The `sandboxUrl` option (or `E2B_SANDBOX_URL`): a self-hosted proxy routing by headers. */
  sandboxUrl: string | undefined;
  /** E2B debug mode (`debug` option or `E2B_DEBUG`). */
  debug: boolean;
  /** The sandbox's traffic access token (restricted public traffic), when E2B issued one. A secret. */
  trafficAccessToken: string | undefined;
}

/**
 * Where a port of an E2B sandbox is reached, by the rules the stock client and E2B's proxy use
 * (docs/contract.md, rule 25). Pure, no I/O.
 * - `sandboxUrl` set (self-hosted proxy, the emulator): that URL, routed by the headers
 *   `E2b-Sandbox-Id` and `E2b-Sandbox-Port`, the way the client itself reaches envd there.
 * - debug mode: `http://localhost:<port>` (the sandbox runs on this machine).
 * - otherwise E2B's host scheme: `https://<port>-<sandboxId>.<domain>`.
 * A traffic access token, when the sandbox has one, is sent as `e2b-traffic-access-token` (E2B's
 * proxy refuses other ports without it, 403).
 */
export function e2bEndpoint(input: E2BEndpointInput): DriverEndpoint {
  const token: Record<string, string> = input.trafficAccessToken ? { [E2B_TRAFFIC_TOKEN_HEADER]: input.trafficAccessToken } : {};
  if (input.sandboxUrl) {
    return {
      url: input.sandboxUrl.replace(/\/+$/, ''),
      headers: { 'E2b-Sandbox-Id': input.sandboxId, 'E2b-Sandbox-Port': String(input.port), ...token },
    };
  }
  if (input.debug) return { url: `http://${input.host}`, headers: token };
  return { url: `https://${input.host}`, headers: token };
}
