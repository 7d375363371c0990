import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { exitCodeOf, ProcessGroup, spawnGroup } from './process-group';
import { pidAlive } from '../test/local-fixtures';

describe('ProcessGroup', () => {
  it('leads its own group and kills every member', async () => {
    const { child, group } = spawnGroup('sleep 30 & echo $!; wait', { cwd: '/', env: process.env, stdio: ['ignore', 'pipe', 'ignore'] });
    expect(group?.pgid).toBe(child.pid);
    const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
    const grandchild = Number(chunk.toString().trim());
    expect(pidAlive(grandchild)).toBe(true);
    await group!.kill();
    expect(pidAlive(grandchild)).toBe(false);
    expect(group!.alive()).toBe(false);
    await group!.kill(); // idempotent
  });

  it('never signals a recycled group id once its leader has exited', async () => {
    // A stranger: another process group whose id happens to equal the one we remember.
    const stranger = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      const leader = spawn('true', { stdio: 'ignore' });
      const group = new ProcessGroup(stranger.pid!, leader);
      await once(leader, 'exit');
      expect(group.signal('SIGTERM')).toBe(false);
      await group.kill({ signal: 'SIGKILL' });
      expect(pidAlive(stranger.pid!)).toBe(true);
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it('maps exits to codes, signals to 128 + n', () => {
    expect(exitCodeOf(3, null)).toBe(3);
    expect(exitCodeOf(null, 'SIGKILL')).toBe(137);
    expect(exitCodeOf(null, 'SIGTERM')).toBe(143);
  });
});
