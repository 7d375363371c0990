import type { SandboxAdminPort } from '@kode/driver';
import { killE2BSandbox, listE2BSandboxes, type E2BAdminConnection, type E2BSandboxState } from '../list-sandboxes';
import type { E2BServerSettings } from './args';

/**
 * The E2B team behind `kode-e2b list` / `gc` (`@kode/driver`'s `runAdminCommand` does the age
 * filter, the kills and the output): listing through `E2BSandbox.list`, kills through the
 * client's static `Sandbox.kill` (a sandbox already gone counts as killed).
 */
export function e2bAdminPort(server: E2BServerSettings): SandboxAdminPort {
  const connection: E2BAdminConnection = {
    ...(server.apiKey === undefined ? {} : { apiKey: server.apiKey }),
    ...(server.domain === undefined ? {} : { domain: server.domain }),
    ...(server.apiUrl === undefined ? {} : { apiUrl: server.apiUrl }),
  };
  return {
    // The parser only lets running and paused through.
    list: (filters) => listE2BSandboxes({ ...connection, metadata: filters.metadata, states: filters.states as E2BSandboxState[] }),
    kill: async (sandboxId) => {
      await killE2BSandbox({ ...connection, sandboxId });
    },
  };
}
