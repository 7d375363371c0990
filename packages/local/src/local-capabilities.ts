import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { defineCapabilities, type SandboxCapabilities } from '@kode/core';

/** Whether an executable `inotifywait` is on this process's PATH (checked once, at module load). */
function hasInotifywait(): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, 'inotifywait'), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/**
 * Whether native watching really works on this host: Linux with `inotifywait` (inotify-tools)
 * on the PATH when `@kode/local` was loaded.
 */
export const NATIVE_WATCH_AVAILABLE: boolean = process.platform === 'linux' && hasInotifywait();

/**
 * What a `LocalSandbox` supports: byte-exact streaming exec, binary and confined fs with
 * symlinks, background processes (children of this Node process, so no reconnect), polling
 * watches everywhere and native watches where {@link NATIVE_WATCH_AVAILABLE}, restore from config,
 * shell sessions, endpoints on `127.0.0.1`; no pause (a host cannot be frozen).
 */
export const LOCAL_CAPABILITIES: SandboxCapabilities = defineCapabilities({
  exec: { exactOutput: true, streaming: true, sessions: true },
  fs: { binary: true, confined: true, symlinks: true, streaming: true },
  processes: { background: true, reconnect: false },
  watch: { native: NATIVE_WATCH_AVAILABLE, polling: true },
  lifecycle: { restore: true, renew: false, pause: false },
  endpoints: true,
});
