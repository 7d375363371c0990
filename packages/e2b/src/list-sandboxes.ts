import { Sandbox as E2BClient, type ConnectionOpts, type SandboxInfo } from 'e2b';
import { AuthenticationFailedError, type SandboxError } from '@kode/core';
import { parseOptions, type SandboxListEntry } from '@kode/driver';
import { z } from 'zod';
import { mapE2BError } from './map-error';

/** A state E2B lists sandboxes by. */
export type E2BSandboxState = 'running' | 'paused';

/** Where and as whom {@link listE2BSandboxes} and {@link killE2BSandbox} talk to E2B. */
export interface E2BAdminConnection {
  /** E2B API key. Default: env `E2B_API_KEY`. Never appears in messages. */
  apiKey?: string;
  /** E2B domain. Default: env `E2B_DOMAIN`, then `e2b.app` (read by the `e2b` client). */
  domain?: string;
  /** Control-plane URL. Default: env `E2B_API_URL`, then `https://api.<domain>` (point it at an emulator in tests). */
  apiUrl?: string;
  /** Timeout of each HTTP request in milliseconds (the client's `requestTimeoutMs`). Default 60 000. */
  requestTimeoutMs?: number;
}

/** Options of {@link listE2BSandboxes} (`E2BSandbox.list`). */
export interface E2BListOptions extends E2BAdminConnection {
  /** Only sandboxes whose metadata has every one of these key/value pairs (exact match, done by E2B). */
  metadata?: Record<string, string>;
  /** Only sandboxes in one of these states. Default: E2B's default, running and paused. */
  states?: E2BSandboxState[];
}

/** One sandbox of an E2B listing: `image` is the template (its name when E2B knows one, else its id). */
export type E2BListEntry = SandboxListEntry;

/** Page size of each listing request (E2B's maximum is 100). */
const PAGE_SIZE = 100;
/** Upper bound on pages, so an API that never ends its pagination cannot loop us forever. */
const MAX_PAGES = 1000;

const connectionShape = {
  apiKey: z.string().min(1).optional().meta({ secret: true }),
  domain: z.string().min(1).optional(),
  apiUrl: z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).optional(),
  requestTimeoutMs: z.number().int().min(1).max(86_400_000).optional(),
};
const listOptionsSchema = z.strictObject({
  ...connectionShape,
  metadata: z.record(z.string().min(1, { error: 'must not have an empty key' }), z.string()).optional(),
  states: z.array(z.enum(['running', 'paused'])).optional(),
});
const killOptionsSchema = z.strictObject({ ...connectionShape, sandboxId: z.string().min(1) });

/** The client's connection options; refuses a missing key before any request (as `init()` does). */
function connection(options: E2BAdminConnection, operation: string): ConnectionOpts {
  const apiKey = options.apiKey ?? (process.env.E2B_API_KEY || undefined);
  if (apiKey === undefined) {
    throw new AuthenticationFailedError(`No E2B API key to ${operation}: pass \`apiKey\` or set E2B_API_KEY.`, {
      backend: 'e2b',
      hint: 'Get a key at https://e2b.dev/dashboard?tab=keys, then pass { apiKey } or export E2B_API_KEY.',
    });
  }
  return {
    apiKey,
    ...(options.domain === undefined ? {} : { domain: options.domain }),
    ...(options.apiUrl === undefined ? {} : { apiUrl: options.apiUrl.replace(/\/+$/, '') }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
  };
}

function fail(error: unknown, opts: ConnectionOpts, where: { operation: string; sandboxId?: string }): SandboxError {
  return mapE2BError(error, { ...where, secrets: [opts.apiKey] });
}

/**
 * Lists the team's sandboxes (every page, 100 per request) through the client's `Sandbox.list`
 * paginator, filtered by metadata (all pairs must match) and states (any) on E2B's side. Read-only
 * and idempotent; sandboxes of everyone on the same team are listed: filter by metadata.
 * @throws InvalidArgumentError for bad or unknown options; AuthenticationFailedError without a key
 * or for a key E2B refuses; ConnectionFailedError when E2B cannot be reached; other mapped errors
 */
export async function listE2BSandboxes(options: E2BListOptions = {}): Promise<E2BListEntry[]> {
  const parsed = parseOptions(listOptionsSchema, options, { label: 'E2BSandbox.list', backend: 'e2b' });
  const opts = connection(parsed, 'list sandboxes');
  const metadata = parsed.metadata !== undefined && Object.keys(parsed.metadata).length > 0 ? parsed.metadata : undefined;
  const states = parsed.states !== undefined && parsed.states.length > 0 ? parsed.states : undefined;
  const paginator = E2BClient.list({
    ...opts,
    limit: PAGE_SIZE,
    ...(metadata === undefined && states === undefined ? {} : { query: { ...(metadata === undefined ? {} : { metadata }), ...(states === undefined ? {} : { state: states }) } }),
  });
  const out: E2BListEntry[] = [];
  for (let page = 0; page < MAX_PAGES && paginator.hasNext; page++) {
    let items: SandboxInfo[];
    try {
      items = await paginator.nextItems();
    } catch (error) {
      throw fail(error, opts, { operation: 'list sandboxes' });
    }
    out.push(...items.map(toEntry));
  }
  return out;
}

function toEntry(info: SandboxInfo): E2BListEntry {
  return {
    sandboxId: info.sandboxId,
    state: info.state,
    image: info.name ?? info.templateId,
    metadata: { ...info.metadata },
    createdAt: info.startedAt,
    expiresAt: info.endAt,
  };
}

/**
 * Kills one sandbox by id (one `DELETE`, the client's static `Sandbox.kill`). Idempotent: a
 * sandbox already gone resolves `false`, a killed one `true`. Used by `kode-e2b gc`.
 * @throws InvalidArgumentError for bad options; AuthenticationFailedError; ConnectionFailedError; other mapped errors
 */
export async function killE2BSandbox(options: E2BAdminConnection & { sandboxId: string }): Promise<boolean> {
  const parsed = parseOptions(killOptionsSchema, options, { label: 'E2BSandbox.kill', backend: 'e2b' });
  const opts = connection(parsed, `kill sandbox ${parsed.sandboxId}`);
  try {
    return await E2BClient.kill(parsed.sandboxId, opts);
  } catch (error) {
    throw fail(error, opts, { operation: `kill sandbox ${parsed.sandboxId}`, sandboxId: parsed.sandboxId });
  }
}
