import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import type { WatchEvent } from '@kode/core';

/** A fresh real directory (symlinks resolved) and its cleanup. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'kode-watch-')));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Collects events and waits for them with a bounded timeout (no sleeps). */
export function collector() {
  const events: WatchEvent[] = [];
  const listener = (event: WatchEvent): void => {
    events.push(event);
  };
  const waitFor = async (predicate: (event: WatchEvent) => boolean, timeout = 5000): Promise<WatchEvent> =>
    vi.waitFor(
      () => {
        const found = events.find(predicate);
        if (found === undefined) throw new Error(`event not seen yet; got ${JSON.stringify(events)}`);
        return found;
      },
      { timeout, interval: 10 },
    );
  return { events, listener, waitFor };
}
