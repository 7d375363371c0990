import { ConnectionConfig, Sandbox } from '@alibaba-group/opensandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../src/index';

describe('first slice through the official client', () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(async () => {
    await emu?.close();
  });
  it('create, run, write, read, kill', async () => {
    const sbx = await Sandbox.create({ image: 'ubuntu:24.04', connectionConfig: new ConnectionConfig({ domain: emu.domain }), env: { HELLO: 'world' } });
    const r = await sbx.commands.run('echo hi $HELLO');
    expect(emu.stats.count('POST /command')).toBe(1);
    expect(r.logs.stdout.map((m) => m.text)).toEqual(['hi world']);
    await sbx.files.writeFiles([{ path: '/workspace/a.txt', data: 'hello' }]);
    expect(await sbx.files.readFile('/workspace/a.txt')).toBe('hello');
    await sbx.kill();
    await sbx.close();
  });
});
