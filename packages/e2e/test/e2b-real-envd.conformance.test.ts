// Maintainer check: the conformance kit against a REAL envd (E2B's in-sandbox daemon), with
// `E2BSandbox` in `debug: true` mode (no control plane: the stock `e2b` client talks to envd at
// `E2B_SANDBOX_URL` directly). Skipped, with the reason printed, when `E2B_SANDBOX_URL` is unset.
// `E2B_WORKDIR` (default /home/user) is the kit's working directory, created by `init()`. Debug
// mode declares no `lifecycle.pause` (no control plane), so `errors.unsupported.lifecycle-pause` runs.
import { E2BSandbox } from '@kode/e2b';
import { describeConformance } from '@kode/testkit';
import { E2B_KNOWN_FAILURES } from './targets/e2b-target';

const sandboxUrl = process.env.E2B_SANDBOX_URL;
const skip = sandboxUrl ? false : 'E2B_SANDBOX_URL is not set: set it to a reachable envd (e.g. http://127.0.0.1:49983) to run the kit against the real daemon';
if (skip) process.stdout.write(`\n[e2b real envd] skipped: ${skip}\n`);

describeConformance({
  name: `e2b (real envd at ${sandboxUrl ?? 'unset'})`,
  skip,
  knownFailures: {
    ...E2B_KNOWN_FAILURES,
    // With `sandboxUrl` the endpoint is that URL plus the E2b-Sandbox-Id/-Port routing headers,
    // which E2B's proxy (or the emulator's) honours; a bare envd there serves only its own port.
    'endpoints.fetch': 'E2B_SANDBOX_URL is envd itself, not a proxy routing E2b-Sandbox-Port to other ports',
  },
  create(options) {
    return new E2BSandbox({
      kind: 'e2b',
      debug: true,
      sandboxUrl: sandboxUrl!,
      workDir: process.env.E2B_WORKDIR ?? '/home/user',
      // envd in debug mode has no lifetime; `dispose()` must not try to kill it.
      lifecycle: { disposeAction: 'close' },
      ...(options.watch === undefined ? {} : { watch: options.watch }),
    });
  },
});
