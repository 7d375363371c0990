import { defineCapabilities, type SandboxCapabilities } from '@kode/core';

/**
 * What the E2B backend supports: exact byte streams from envd, binary files, symlinks, background
 * processes that survive a reconnect (ids are envd pids), native watch through `files.watchDir`
 * plus polling, restore by `sandboxId`, streamed files (envd's `GET`/`POST /files`), shell
 * sessions (a state directory + one envd command per exec), port endpoints (E2B's host scheme, or
 * `sandboxUrl` with routing headers) and pause/resume (`pause`, then `connect`). Remote: paths are
 * not confined to `workDir`.
 */
export const E2B_CAPABILITIES: SandboxCapabilities = defineCapabilities({
  exec: { exactOutput: true, streaming: true, sessions: true },
  fs: { binary: true, confined: false, symlinks: true, streaming: true },
  processes: { background: true, reconnect: true },
  watch: { native: true, polling: true },
  lifecycle: { restore: true, renew: true, pause: true },
  endpoints: true,
});

/**
 * {@link E2B_CAPABILITIES} in E2B debug mode (`debug` / `E2B_DEBUG`): there is no control plane
 * to pause or resume through, so `lifecycle.pause` is absent.
 */
export const E2B_DEBUG_CAPABILITIES: SandboxCapabilities = defineCapabilities({
  ...E2B_CAPABILITIES,
  lifecycle: { ...E2B_CAPABILITIES.lifecycle, pause: false },
});
