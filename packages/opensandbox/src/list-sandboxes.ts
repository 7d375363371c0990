import { ConnectionConfig, SandboxManager, type SandboxInfo } from '@alibaba-group/opensandbox';
import { InvalidArgumentError } from '@kode/core';
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

/** One sandbox of the server's listing. */
export interface OpenSandboxListEntry {
  sandboxId: string;
  /** Lifecycle state as the server reports it: `'Running'`, `'Paused'`, `'Pending'`, … */
  state: string;
  /** Image URI, or `undefined` for a sandbox made from a snapshot. */
  image: string | undefined;
  /** Metadata labels (sandboxes this package created carry `kode.sdk` and `kode.version`). */
  metadata: Record<string, string>;
  createdAt: Date;
  /** When the server deletes the sandbox, or `null` for one without automatic expiry. */
  expiresAt: Date | null;
}

/** Page size of each listing request (the server's maximum is 200). */
const PAGE_SIZE = 100;
/** Upper bound on pages, so a server that never ends its pagination cannot loop us forever. */
const MAX_PAGES = 1000;

function checkRecord(value: unknown, name: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError(`OpenSandbox.list: \`${name}\` must be an object of strings.`, { backend: 'opensandbox' });
  for (const [k, v] of Object.entries(value)) {
    if (k === '' || typeof v !== 'string') throw new InvalidArgumentError(`OpenSandbox.list: \`${name}.${k}\` must be a string with a non-empty key.`, { backend: 'opensandbox' });
  }
  return value as Record<string, string>;
}

/**
 * Lists the server's sandboxes (every page), optionally filtered by metadata (AND) and states
 * (OR), through the SDK's `SandboxManager`. Read-only and idempotent; one request per 100
 * sandboxes. Sandboxes of other users of the same server are listed too: filter by metadata.
 * @throws InvalidArgumentError for bad options @throws AuthenticationError, ConnectionFailedError, BackendError from the server
 */
export async function listOpenSandboxes(options: OpenSandboxListOptions = {}): Promise<OpenSandboxListEntry[]> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('OpenSandbox.list options must be an object.', { backend: 'opensandbox' });
  const known = new Set(['endpoint', 'apiKey', 'metadata', 'states', 'requestTimeoutSeconds']);
  for (const key of Object.keys(options)) if (!known.has(key)) throw new InvalidArgumentError(`OpenSandbox.list: unknown option \`${key}\` (known: ${[...known].join(', ')}).`, { backend: 'opensandbox' });
  const metadata = checkRecord(options.metadata, 'metadata');
  if (options.states !== undefined && (!Array.isArray(options.states) || !options.states.every((s) => typeof s === 'string' && s !== ''))) {
    throw new InvalidArgumentError('OpenSandbox.list: `states` must be an array of non-empty strings.', { backend: 'opensandbox' });
  }
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
          ...(options.states !== undefined && options.states.length > 0 ? { states: options.states } : {}),
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
