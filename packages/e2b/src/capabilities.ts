import { defineCapabilities, type SandboxCapabilities } from '@kode/core';

/**
 * What the E2B backend supports: exact byte streams from envd, binary files, symlinks, background
 * processes that survive a reconnect (ids are envd pids), native watch through `files.watchDir`
 * plus polling, and restore by `sandboxId`. Remote: paths are not confined to `workDir`. Not (yet)
 * wrapped: shell sessions, endpoints and pause (`getClient()` reaches them).
 */
export const E2B_CAPABILITIES: SandboxCapabilities = defineCapabilities({
  exec: { exactOutput: true, streaming: true, sessions: false },
  fs: { binary: true, confined: false, symlinks: true, streaming: false },
  processes: { background: true, reconnect: true },
  watch: { native: true, polling: true },
  lifecycle: { restore: true, renew: true, pause: false },
  endpoints: false,
});
