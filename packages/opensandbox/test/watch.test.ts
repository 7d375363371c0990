import { afterEach, describe, expect, it, vi } from 'vitest';
import { OpenSandbox, type WatchEvent } from '../src/index';
import { useEmulator } from './emulator-harness';

/** Watch behaviour specific to OpenSandbox: the remote inotifywait's lifetime, fallback, 'off'. */
const fixture = useEmulator();
const sandboxes: OpenSandbox[] = [];

afterEach(async () => {
  for (const sandbox of sandboxes.splice(0)) await sandbox.dispose().catch(() => undefined);
});

async function started(mode: 'native' | 'polling' | 'off'): Promise<OpenSandbox> {
  const sandbox = new OpenSandbox(fixture.options({ watch: { mode, pollIntervalMs: 200 } }));
  sandboxes.push(sandbox);
  await sandbox.init();
  return sandbox;
}

/** Number of inotifywait processes in the sandbox (the probe's own command line does not match). */
async function inotifyProcesses(sandbox: OpenSandbox): Promise<number> {
  const probe = 'n=inotify; n="${n}wait"; c=0; for f in /proc/[0-9]*/comm; do [ "$(cat "$f" 2>/dev/null)" = "$n" ] && c=$((c+1)); done; echo $c';
  return Number((await sandbox.exec(probe)).stdout.trim());
}

describe('watch', () => {
  it('native: unwatchFiles stops the inotifywait process in the sandbox', async () => {
    const sandbox = await started('native');
    const id = await sandbox.watchFiles([sandbox.workDir], () => undefined);
    expect(await inotifyProcesses(sandbox)).toBe(1);
    await sandbox.unwatchFiles(id);
    expect(await inotifyProcesses(sandbox)).toBe(0);
  });

  it('native: when inotifywait dies the watch falls back to polling (announced once) and keeps reporting', async () => {
    const sandbox = await started('native');
    const events: WatchEvent[] = [];
    const onFallback = vi.fn();
    await sandbox.watchFiles([sandbox.workDir], (e) => events.push(e), { onFallback });
    const killed = await sandbox.exec('for f in /proc/[0-9]*/comm; do [ "$(cat "$f" 2>/dev/null)" = inotifywait ] && kill -9 "$(basename "$(dirname "$f")")"; done; true');
    expect(killed.code).toBe(0);
    await vi.waitFor(() => expect(onFallback).toHaveBeenCalledTimes(1), { timeout: 10_000, interval: 50 });
    await sandbox.fs.write('after-fallback.txt', 'x');
    await vi.waitFor(() => expect(events.some((e) => e.path === `${sandbox.workDir}/after-fallback.txt` && e.via === 'polling')).toBe(true), { timeout: 10_000, interval: 50 });
    expect(onFallback).toHaveBeenCalledTimes(1);
  });

  it("'off' registers nothing and costs no request", async () => {
    const sandbox = await started('off');
    fixture.emulator.stats.reset();
    const listener = vi.fn();
    const id = await sandbox.watchFiles([sandbox.workDir], listener);
    await sandbox.fs.write('ignored.txt', 'x');
    await sandbox.unwatchFiles(id);
    expect(fixture.emulator.stats.snapshot({ sandboxId: sandbox.getSandboxId() })).toEqual({ 'POST /files/upload': 1 });
    expect(listener).not.toHaveBeenCalled();
  });

  it('dispose closes every watch before killing the sandbox', async () => {
    const sandbox = await started('polling');
    const events: WatchEvent[] = [];
    await sandbox.watchFiles([sandbox.workDir], (e) => events.push(e));
    await sandbox.dispose();
    expect(fixture.emulator.sandboxIds()).not.toContain(sandbox.getSandboxId());
    expect(events).toEqual([]);
  });
});
