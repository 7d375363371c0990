import type { SandboxAdminPort } from '@kode/driver';
import { killOpenSandbox, listOpenSandboxes } from '../list-sandboxes';

export type { GcAction, GcReport } from '@kode/driver';

/**
 * The OpenSandbox server behind `kode-sandbox list` / `gc` (the shared code of `@kode/driver`'s
 * `runAdminCommand` does the filtering by age, the kills and the output): listing through
 * `OpenSandbox.list`, kills through the SDK's `SandboxManager`.
 */
export function openSandboxAdminPort(server: { endpoint: string; apiKey: string | undefined }): SandboxAdminPort {
  const key = server.apiKey !== undefined ? { apiKey: server.apiKey } : {};
  return {
    list: (filters) => listOpenSandboxes({ endpoint: server.endpoint, ...key, metadata: filters.metadata, states: filters.states }),
    kill: (sandboxId) => killOpenSandbox({ sandboxId, endpoint: server.endpoint, ...key }),
  };
}
