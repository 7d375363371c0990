import { ConnectionConfig, SandboxManager, type SandboxInfo } from '@alibaba-group/opensandbox';
import { parseOptions, type SandboxListEntry } from '@kode/driver';
import { z } from 'zod';
import { mapOpenSandboxError } from './map-error';
import { resolveOptions } from './options';

/** Options of {@link listOpenSandboxes} (`OpenSandbox.list`). */
export interface OpenSandboxListOptions {
  /** Server URL. Default: env `OPEN_SANDBOX_ENDPOINT`, then `http://localhost:8080` (as `new OpenSandbox()`). */
  endpoint?: string;
  /** API key. Default: env `OPEN_SANDBOX_API_KEY`. Never appears in messages. */
  apiKey?: string;
  /** Only sandboxes whose metadata has every one of these key/value pairs (exact match). */
  metadata?: Record<string, string>;
  /** Only sandboxes in one of these states (e.g. `['Running', 'Paused']`; the server matches case-insensitively). Default: every state. */
  states?: string[];
  /** Timeout of each HTTP request, in seconds. Default 30. */
  requestTimeoutSeconds?: number;
}

/**
 * One sandbox of the server's listing (the entry every KODE backend's `list` returns): `state` as
 * the server reports it (`'Running'`, `'Paused'`, `'Pending'`, …), `image` the image URI or
 * `undefined` for a sandbox made from a snapshot, `expiresAt` `null` without automatic expiry;
 * sandboxes this package created carry `kode.sdk` and `kode.version` in `metadata`.
 */
export type OpenSandboxListEntry = SandboxListEntry;

/** Page size of each listing request (the server's maximum is 200). */
const PAGE_SIZE = 100;
/** Upper bound on pages, so a server that never ends its pagination cannot loop us forever. */
const MAX_PAGES = 1000;

const listOptionsSchema = z.strictObject({
  endpoint: z.string().min(1).optional(),
  apiKey: z.string().optional().meta({ secret: true }),
  metadata: z.record(z.string().min(1, { error: 'must not have an empty key' }), z.string()).optional(),
  states: z.array(z.string().min(1)).optional(),
  requestTimeoutSeconds: z.number().gt(0).optional(),
});

/**
 * Lists the server's sandboxes (every page), optionally filtered by metadata (AND) and states
 * (OR), through the SDK's `SandboxManager`. Read-only and idempotent; one request per 100
 * sandboxes. Sandboxes of other users of the same server are listed too: filter by metadata.
 * @throws InvalidArgumentError for bad options @throws AuthenticationError, ConnectionFailedError, BackendError from the server
 */
export async function listOpenSandboxes(options: OpenSandboxListOptions = {}): Promise<OpenSandboxListEntry[]> {
  const { metadata, states } = parseOptions(listOptionsSchema, options, { label: 'OpenSandbox.list', backend: 'opensandbox' });
  const resolved = resolveOptions({
    kind: 'opensandbox',
    endpoint: options.endpoint,
    apiKey: options.apiKey,
    requestTimeoutSeconds: options.requestTimeoutSeconds,
  });
  const manager = SandboxManager.create({
    connectionConfig: new ConnectionConfig({
      domain: resolved.endpoint,
      protocol: resolved.protocol,
      apiKey: resolved.apiKey ?? '',
      ...(resolved.requestTimeoutSeconds !== undefined ? { requestTimeoutSeconds: resolved.requestTimeoutSeconds } : {}),
    }),
  });
  const out: OpenSandboxListEntry[] = [];
  try {
    for (let page = 1; page <= MAX_PAGES; page++) {
      let response;
      try {
        response = await manager.listSandboxInfos({
          ...(metadata !== undefined && Object.keys(metadata).length > 0 ? { metadata } : {}),
          ...(states !== undefined && states.length > 0 ? { states } : {}),
          page,
          pageSize: PAGE_SIZE,
        });
      } catch (error) {
        throw mapOpenSandboxError(error, { operation: 'list sandboxes', secrets: [resolved.apiKey], endpoint: resolved.endpoint });
      }
      out.push(...response.items.map(toEntry));
      if (!response.pagination?.hasNextPage || response.items.length === 0) break;
    }
  } finally {
    await manager.close().catch(() => undefined);
  }
  return out;
}

function toEntry(info: SandboxInfo): OpenSandboxListEntry {
  return {
    sandboxId: info.id,
    state: info.status.state,
    image: info.image?.uri,
    metadata: { ...info.metadata },
    createdAt: info.createdAt,
    expiresAt: info.expiresAt ?? null,
  };
}

/**
 * Kills one sandbox by id through the SDK's `SandboxManager` (one `DELETE`; a sandbox already
 * gone counts as killed). Used by `kode-sandbox gc`.
 * @throws AuthenticationError, ConnectionFailedError, BackendError from the server
 */
export async function killOpenSandbox(options: { sandboxId: string; endpoint?: string; apiKey?: string }): Promise<void> {
  const resolved = resolveOptions({ kind: 'opensandbox', endpoint: options.endpoint, apiKey: options.apiKey });
  const manager = SandboxManager.create({
    connectionConfig: new ConnectionConfig({ domain: resolved.endpoint, protocol: resolved.protocol, apiKey: resolved.apiKey ?? '' }),
  });
  try {
    await manager.killSandbox(options.sandboxId);
  } catch (error) {
    const mapped = mapOpenSandboxError(error, { operation: `kill sandbox ${options.sandboxId}`, secrets: [resolved.apiKey], endpoint: resolved.endpoint, sandboxId: options.sandboxId });
    if (mapped.code !== 'SANDBOX_NOT_FOUND') throw mapped;
  } finally {
    await manager.close().catch(() => undefined);
  }
}
