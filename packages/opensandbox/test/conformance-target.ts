import type { EmulatorOptions } from '@kode/opensandbox-emulator';
import type { ConformanceTarget } from '@kode/testkit';
import { OpenSandbox } from '../src/index';
import { useEmulator } from './emulator-harness';

/** Cases this backend is expected to fail, with the reason (registered with `it.fails`). */
export const OPEN_SANDBOX_KNOWN_FAILURES: Record<string, string> = {
  'fs.exec-and-fs-agree':
    "kit bug: compares `cat` of a file without a final newline to the exact text, but execd's line-based stream returns every line ending in \\n (exec.exactOutput: false, DESIGN §3 rule 4); the case should use exactOr like exec.no-trailing-newline",
  'lifecycle.to-config-restores':
    "kit bug: compares `cat persisted.txt` (no final newline) to the exact text, but execd's line-based stream returns every line ending in \\n (exec.exactOutput: false, DESIGN §3 rule 4)",
};

/**
 * The conformance target of `@kode/opensandbox` against an emulator in `routing` mode. Sandboxes use
 * the default `ubuntu` profile (inotify-tools present); `hideInotifywait` picks the `kode/minimal`
 * image, which lacks them.
 */
export function openSandboxTarget(routing: NonNullable<EmulatorOptions['routing']>): ConformanceTarget {
  const fixture = useEmulator({ routing });
  return {
    name: `opensandbox (emulator, ${routing})`,
    create: (options) =>
      new OpenSandbox(
        fixture.options({
          ...(options.watch ? { watch: options.watch } : {}),
          ...(options.hideInotifywait ? { image: 'kode/minimal' } : {}),
        }),
      ),
    supportsHideInotifywait: true,
    knownFailures: OPEN_SANDBOX_KNOWN_FAILURES,
  };
}
