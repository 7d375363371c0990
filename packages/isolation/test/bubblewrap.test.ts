// The bubblewrap primitives both emulators build their sandboxes on.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createIsolatedRoot, isProcessAlive, listProcessTree, removeIsolatedRoot, spawnInRoot } from '../src/index';

function output(child: ReturnType<typeof spawnInRoot>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('isolation primitives', () => {
  it('createIsolatedRoot + spawnInRoot + removeIsolatedRoot', async () => {
    const base = await mkdtemp(join(tmpdir(), 'kode-iso-'));
    try {
      const root = await createIsolatedRoot({ baseDir: base });
      const child = spawnInRoot({
        root,
        argv: ['/bin/sh', '-c', 'echo $$; echo hi > /workspace/f; ls /; command -v inotifywait || echo no-inotify; cat /etc/hostname >/dev/null; hostname'],
        hideCommands: ['inotifywait'],
        hostname: 'iso-test',
        network: 'none',
      });
      const { code, stdout } = await output(child);
      expect(code).toBe(0);
      const lines = stdout.trim().split('\n');
      expect(Number(lines[0])).toBeLessThan(10); // own pid namespace
      expect(lines).toContain('workspace');
      expect(lines).toContain('no-inotify');
      expect(lines.at(-1)).toBe('iso-test');
      expect(existsSync(join(root.workspaceDir, 'f'))).toBe(true);
      const sleeper = spawnInRoot({ root, argv: ['/bin/sh', '-c', 'sleep 100 & sleep 101'] });
      await vi.waitFor(() => expect(listProcessTree(sleeper.pid!).length).toBeGreaterThanOrEqual(3), { timeout: 5000 });
      const tree = [sleeper.pid!, ...listProcessTree(sleeper.pid!)];
      await removeIsolatedRoot(root, { processes: [sleeper] });
      expect(tree.filter(isProcessAlive)).toEqual([]);
      expect(existsSync(root.dir)).toBe(false);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
