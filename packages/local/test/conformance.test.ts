import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeConformance } from '@kode/testkit';
import { afterAll } from 'vitest';
import { LocalSandbox } from '../src/index';

/** One directory per run holding every sandbox's workDir; removed after the file. */
const base = realpathSync(mkdtempSync(join(tmpdir(), 'kode-local-conformance-')));
let counter = 0;

/** A PATH entry whose `inotifywait` answers like a missing command (exit 127), put first on PATH. */
function shimDir(): string {
  const dir = join(base, 'no-inotifywait-bin');
  const script = join(dir, 'inotifywait');
  mkdirSync(dir, { recursive: true });
  writeFileSync(script, '#!/bin/sh\necho "inotifywait: command not found" >&2\nexit 127\n');
  chmodSync(script, 0o755);
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
      ...(options.hideInotifywait === true ? { env: { PATH: `${shimDir()}:${process.env.PATH ?? '/usr/bin:/bin'}` } } : {}),
    });
  },
});
