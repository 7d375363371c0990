import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { LocalSandbox, type LocalSandboxConfig } from '../src/index';

const dirs: string[] = [];
const sandboxes: LocalSandbox[] = [];

/** A fresh real directory under os.tmpdir(), removed after the test. */
export async function tempDir(prefix = 'kode-local-test-'): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  dirs.push(dir);
  return dir;
}

/** An initialised LocalSandbox on a fresh workDir (or the given config), disposed after the test. */
export async function openSandbox(config: Partial<LocalSandboxConfig> = {}): Promise<LocalSandbox> {
  const sandbox = new LocalSandbox({ kind: 'local', workDir: config.workDir ?? (await tempDir()), ...config });
  sandboxes.push(sandbox);
  await sandbox.init();
  return sandbox;
}

/** Registers a sandbox built by the test itself for disposal after it. */
export function track<T extends LocalSandbox>(sandbox: T): T {
  sandboxes.push(sandbox);
  return sandbox;
}

/** Whether a process with this pid exists (zombies included). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves with `promise`, or rejects after `ms` (a bound on waiting, never a sleep). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    void promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((s) => s.dispose()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
