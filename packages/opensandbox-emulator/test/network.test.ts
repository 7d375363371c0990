// network: 'none' — every sandbox has its own loopback, so servers on the same port do not clash.
import { ConnectionConfig, Sandbox } from '@alibaba-group/opensandbox';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../src/index';

describe("network: 'none'", () => {
  let emu: EmulatorHandle;
  let boxes: Sandbox[];

  beforeAll(async () => {
    emu = await startEmulator({ network: 'none' });
    const config = new ConnectionConfig({ domain: emu.domain });
    boxes = await Promise.all(['one', 'two'].map((name) => Sandbox.create({ image: 'ubuntu', connectionConfig: config, env: { NAME: name } })));
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('two sandboxes serve on the same port, each reachable through its own endpoint', async () => {
    const server = `require('http').createServer((q, s) => s.end(process.env.NAME)).listen(8080, '127.0.0.1')`;
    for (const box of boxes) await box.commands.run(`node -e "${server}"`, { background: true });
    for (const [i, box] of boxes.entries()) {
      const url = await box.getEndpointUrl(8080);
      await vi.waitFor(
        async () => {
          const res = await fetch(`${url}/`);
          expect(await res.text()).toBe(i === 0 ? 'one' : 'two');
        },
        { timeout: 5000, interval: 20 },
      );
    }
    // the host's loopback (where the emulator listens) is not reachable from inside
    const probe = await boxes[0]!.commands.run(`(echo > /dev/tcp/127.0.0.1/${emu.port}) 2>/dev/null && echo reachable || echo isolated`);
    expect(probe.logs.stdout[0]?.text).toBe('isolated');
  });
});
