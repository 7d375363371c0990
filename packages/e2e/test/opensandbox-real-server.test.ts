// The maintainer's check of the emulator against a real OpenSandbox server. With
// OPEN_SANDBOX_ENDPOINT set (plus OPEN_SANDBOX_API_KEY when the server has a key, and
// OPEN_SANDBOX_IMAGE for an image the server has), it runs the conformance kit against that
// server and a wire probe against both it and the emulator, and fails on every shape in which they
// differ. Without it, only the emulator half of the probe runs (so the probe keeps working) and the
// real-server half is skipped with the reason printed.
//
//   OPEN_SANDBOX_ENDPOINT=http://127.0.0.1:8080 OPEN_SANDBOX_API_KEY=… OPEN_SANDBOX_IMAGE=… \
//     pnpm vitest run --project @kode/e2e packages/e2e/test/opensandbox-real-server.test.ts
import { OpenSandbox } from '@kode/opensandbox';
import { startEmulator, type EmulatorHandle } from '@kode/opensandbox-emulator';
import { describeConformance } from '@kode/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeWireShapes, type WireShapes } from './support/opensandbox-wire-probe';
import { OPEN_SANDBOX_KNOWN_FAILURES } from './targets/opensandbox-target';

const ENDPOINT = process.env.OPEN_SANDBOX_ENDPOINT?.trim() || undefined;
const API_KEY = process.env.OPEN_SANDBOX_API_KEY || undefined;
const IMAGE = process.env.OPEN_SANDBOX_IMAGE || undefined;
const SKIP_REASON =
  'OPEN_SANDBOX_ENDPOINT is not set: the kit and the wire probe against a real OpenSandbox server are skipped (set it, plus OPEN_SANDBOX_API_KEY and OPEN_SANDBOX_IMAGE as needed, to run them)';

/** What the emulator answers by default, as measured on server 1.1.1 with a current execd over Docker bridge. */
const EMULATOR_SHAPES: WireShapes = {
  directEndpoint: 'host:<port>/proxy/44772',
  serverProxyEndpoint: '…/v1/sandboxes/{id}/proxy/44772',
  missingCwd: '400 INVALID_REQUEST_BODY working directory does not exist',
  backgroundStream: 'init,ping,execution_complete',
  zeroExecutionTime: 'omitted',
  cors: 'without Origin: none; with Origin: echo+credentials',
  directoryDownload: '500 content-length 9223372036854775807',
  unknownImage: '500 DOCKER::SANDBOX_IMAGE_PULL_FAILED',
  interruptUnknown: '500 error interruptting code context. no such session',
};

describe('wire probe of the emulator', () => {
  let emulator: EmulatorHandle | undefined;
  beforeAll(async () => {
    emulator = await startEmulator({ apiKey: 'probe-key' });
  }, 60_000);
  afterAll(async () => {
    await emulator?.close();
  }, 60_000);

  it('answers in the real server shapes', async () => {
    expect(await probeWireShapes({ url: emulator!.url, apiKey: 'probe-key' })).toEqual(EMULATOR_SHAPES);
  });
});

if (ENDPOINT === undefined) {
  console.info(`[opensandbox-real-server] ${SKIP_REASON}`);
  describe.skip(`real OpenSandbox server (${SKIP_REASON})`, () => {
    it('conformance kit and wire probe', () => undefined);
  });
} else {
  const endpoint = ENDPOINT;
  describe(`wire probe of the real server at ${endpoint} against the emulator`, () => {
    it('every shape is the same', async () => {
      const real = await probeWireShapes({ url: endpoint, ...(API_KEY ? { apiKey: API_KEY } : {}), ...(IMAGE ? { image: IMAGE } : {}) });
      console.info(`[opensandbox-real-server] real server shapes: ${JSON.stringify(real, null, 2)}`);
      expect(EMULATOR_SHAPES).toEqual(real);
    }, 120_000);
  });

  describeConformance({
    name: `opensandbox (real server at ${endpoint})`,
    supportsHideInotifywait: false,
    knownFailures: OPEN_SANDBOX_KNOWN_FAILURES,
    // the key and the image come from the environment, as a user's would
    create: (options) => new OpenSandbox({ kind: 'opensandbox', endpoint, ...(options.watch ? { watch: options.watch } : {}) }),
  });
}
