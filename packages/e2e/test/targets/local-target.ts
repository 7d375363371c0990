import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSandbox } from '@kode/local';
import type { ConformanceSandboxOptions, ConformanceTarget } from '@kode/testkit';

/**
 * Cases `@kode/local` is expected to fail, with the reason (registered with `it.fails`, so they turn
 * red the day they pass). None: LocalSandbox is a driver behind the front `DriverSandbox`, which
 * enforces every rule of docs/contract.md.
 */
export const LOCAL_KNOWN_FAILURES: Record<string, string> = {};

/**
 * A conformance target for `LocalSandbox`: every sandbox gets its own fresh host temp directory as
 * `workDir`. `hideInotifywait` puts a shim `inotifywait` (exit 127, "command not found") first on
 * the sandbox's PATH, so a native watch must fall back to polling. `env` is the sandbox's `env`;
 * `workDir` is never asked (LocalSandbox needs an existing directory), and `disposeAction` is
 * ignored (dispose never removes the directory).
 *
 * `cleanup()` removes every directory the target created; call it in `afterAll`.
 */
export function localConformanceTarget(overrides: Partial<ConformanceTarget> = {}): ConformanceTarget & { cleanup(): void } {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'kode-e2e-local-')));
  let shimDir: string | undefined;
  const shim = (): string => {
    if (shimDir === undefined) {
      shimDir = join(root, 'no-inotifywait-bin');
      mkdirSync(shimDir);
      const script = join(shimDir, 'inotifywait');
      writeFileSync(script, '#!/bin/sh\necho "inotifywait: command not found" >&2\nexit 127\n');
      chmodSync(script, 0o755);
    }
    return shimDir;
  };
  return {
    name: 'local',
    supportsHideInotifywait: true,
    knownFailures: LOCAL_KNOWN_FAILURES,
    supportsEnv: true,
    // LocalSandbox's dispose never removes its workDir, so 'close' is what it always does.
    supportsDisposeAction: true,
    serverHost: '127.0.0.1',
    create(options: ConformanceSandboxOptions) {
      const workDir = mkdtempSync(join(root, 'sandbox-'));
      return new LocalSandbox({
        kind: 'local',
        workDir,
        ...(options.watch === undefined ? {} : { watch: options.watch }),
        ...(options.hideInotifywait || options.env !== undefined
          ? { env: { ...options.env, ...(options.hideInotifywait ? { PATH: `${shim()}:${process.env.PATH ?? '/usr/bin:/bin'}` } : {}) } }
          : {}),
      });
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
    ...overrides,
  };
}
