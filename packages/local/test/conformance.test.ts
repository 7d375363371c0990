import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describeConformance } from '@kode/testkit';
import { afterAll } from 'vitest';
import { LocalSandbox } from '../src/index';

/** One directory per run holding every sandbox's workDir; removed after the file. */
const base = realpathSync(mkdtempSync(join(tmpdir(), 'kode-local-conformance-')));
let counter = 0;
let hiddenPath: string | undefined;

/**
 * A PATH directory with a symlink to every executable on the real PATH except `inotifywait`, so
 * a sandbox can run ordinary commands while native watching has to fall back to polling.
 */
function pathWithoutInotifywait(): string {
  if (hiddenPath !== undefined) return hiddenPath;
  const dir = join(base, 'bin-without-inotifywait');
  mkdirSync(dir);
  for (const source of (process.env.PATH ?? '').split(delimiter)) {
    let names: string[];
    try {
      names = readdirSync(source);
    } catch {
      continue;
    }
    for (const name of names) {
      if (name === 'inotifywait') continue;
      try {
        if (!statSync(join(source, name)).isFile()) continue;
        symlinkSync(join(source, name), join(dir, name));
      } catch {
        // first PATH entry wins; unreadable entries are skipped
      }
    }
  }
  hiddenPath = dir;
  return dir;
}

afterAll(() => rmSync(base, { recursive: true, force: true }));

describeConformance({
  name: 'LocalSandbox',
  supportsHideInotifywait: true,
  create(options) {
    const workDir = join(base, `sandbox-${++counter}`);
    mkdirSync(workDir);
    return new LocalSandbox({
      kind: 'local',
      workDir,
      ...(options.watch === undefined ? {} : { watch: options.watch }),
      ...(options.hideInotifywait === true ? { env: { PATH: pathWithoutInotifywait() } } : {}),
    });
  },
});
