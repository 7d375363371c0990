import { defineCapabilities, type SandboxCapabilities } from '@kode/core';

/**
 * What the E2B backend supports: exact byte streams from envd, binary files, symlinks, background
 * processes that survive a reconnect (ids are envd pids), native watch through `files.watchDir`
 * plus polling, restore by `sandboxId`, streamed files (envd's `GET`/`POST /files`) and shell
 * sessions (a state directory + one envd command per exec). Remote: paths are not confined to
 * `workDir`. Not (yet) wrapped: endpoints and pause (`getClient()` reaches them).
 */
export const E2B_CAPABILITIES: SandboxCapabilities = defineCapabilities({
  exec: { exactOutput: true, streaming: true, sessions: true },
  fs: { binary: true, confined: false, symlinks: true, streaming: true },
  processes: { background: true, reconnect: true },
  watch: { native: true, polling: true },
  lifecycle: { restore: true, renew: true, pause: false },
  endpoints: { get: false },
});
