import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildInotifyCommand } from './inotify-command';

describe('buildInotifyCommand', () => {
  it('quotes every path after -- and parses in POSIX sh and bash', () => {
    const paths = ["/w/it's $(touch /tmp/x) `id`", '/w/new\nline', '/w/-dash'];
    const command = buildInotifyCommand({ paths, recursive: true });
    expect(command).toContain(`-- '/w/it'\\''s $(touch /tmp/x) \`id\`' '/w/new\nline' /w/-dash`);
    expect(command).toMatch(/inotifywait -m -r -e create .* --format '%e %w%f\/\/' --/);
    for (const shell of ['/bin/sh', '/bin/bash']) {
      const check = spawnSync(shell, ['-n', '-c', command], { encoding: 'utf8' });
      expect(check.status, `${shell}: ${check.stderr}`).toBe(0);
    }
  });

  it('omits -r when not recursive', () => {
    expect(buildInotifyCommand({ paths: ['/w'], recursive: false })).toContain('inotifywait -m -e create');
  });

  it("exits with inotifywait's own status (127 when missing) through sh", () => {
    const run = spawnSync('/bin/sh', ['-c', buildInotifyCommand({ paths: ['/w'], recursive: false })], {
      encoding: 'utf8',
      env: { PATH: '/nonexistent' },
    });
    expect(run.status).toBe(127);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/inotifywait.*not found/);
  });
});
