// The official client works in all three routing modes; request counts do not depend on the mode.
import { ConnectionConfig, Sandbox } from '@alibaba-group/opensandbox';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmulator, type EmulatorHandle, type RoutingMode } from '../src/index';

const modes: { routing: RoutingMode; useServerProxy: boolean; directEndpoint?: 'port' | 'bridge' }[] = [
  { routing: 'direct', useServerProxy: false },
  { routing: 'direct', useServerProxy: false, directEndpoint: 'port' },
  { routing: 'direct', useServerProxy: true },
  { routing: 'server-proxy', useServerProxy: false },
  { routing: 'gateway', useServerProxy: false },
];

describe.each(modes)('routing $routing (useServerProxy: $useServerProxy, directEndpoint: $directEndpoint)', ({ routing, useServerProxy, directEndpoint }) => {
  let emu: EmulatorHandle;
  let sbx: Sandbox;

  beforeAll(async () => {
    emu = await startEmulator({ routing, apiKey: 'k', ...(directEndpoint ? { directEndpoint } : {}) });
    sbx = await Sandbox.create({
      image: 'ubuntu',
      connectionConfig: new ConnectionConfig({ domain: emu.domain, apiKey: 'k', useServerProxy }),
      networkPolicy: { defaultAction: 'deny', egress: [{ action: 'deny', target: 'pypi.org' }] },
    });
  });
  afterAll(async () => {
    await sbx?.kill();
    await sbx?.close();
    await emu?.close();
  });

  it('runs commands (one request each), streams output and moves files', async () => {
    emu.stats.reset();
    const lines: string[] = [];
    const run = await sbx.commands.run('for i in 1 2 3; do echo line-$i; sleep 0.05; done', undefined, { onStdout: (m) => void lines.push(m.text) });
    expect(run.exitCode).toBe(0);
    expect(lines).toEqual(['line-1', 'line-2', 'line-3']);
    expect(emu.stats.snapshot({ api: 'execd' })).toEqual({ 'POST /command': 1 });
    await sbx.files.writeFiles([{ path: '/workspace/r.bin', data: new Uint8Array([1, 2, 3]) }]);
    expect(await sbx.files.readBytes('/workspace/r.bin')).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('the execd endpoint has no scheme and names port 44772 as the official e2e suite checks (server proxy and bridge-style direct endpoints)', async () => {
    const { endpoint } = await sbx.getEndpoint(44772);
    expect(endpoint).not.toMatch(/^https?:/);
    const official = /^[^/]+:44772$/.test(endpoint) || (endpoint.includes('/') && endpoint.endsWith('/44772'));
    const expected = useServerProxy || routing === 'server-proxy' || (routing === 'direct' && directEndpoint !== 'port');
    expect(official).toBe(expected);
  });

  it('the emulated egress sidecar keeps the policy (get, patch, delete rules) and refuses rules it cannot enforce', async () => {
    expect(await sbx.getEgressPolicy()).toEqual({ defaultAction: 'deny', egress: [{ action: 'deny', target: 'pypi.org' }] });
    await sbx.patchEgressRules([{ action: 'deny', target: '*.github.com' }]);
    expect((await sbx.getEgressPolicy()).egress).toEqual([
      { action: 'deny', target: 'pypi.org' },
      { action: 'deny', target: '*.github.com' },
    ]);
    await expect(sbx.patchEgressRules([{ action: 'allow', target: 'pypi.org' }])).rejects.toThrow(/cannot let single targets through \(allow pypi\.org\)/);
    await sbx.deleteEgressRules(['pypi.org']);
    expect((await sbx.getEgressPolicy()).egress).toEqual([{ action: 'deny', target: '*.github.com' }]);
    expect(emu.stats.count('GET /policy', { sandboxId: sbx.id })).toBe(3);
    const egress = await sbx.getEndpoint(18080);
    expect(egress.headers?.['OPENSANDBOX-EGRESS-AUTH']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('background logs and interrupt', async () => {
    const bg = await sbx.commands.run('echo started; sleep 30', { background: true });
    await vi.waitFor(async () => expect((await sbx.commands.getBackgroundCommandLogs(bg.id!)).content).toBe('started\n'), { timeout: 5000 });
    await sbx.commands.interrupt(bg.id!);
    expect((await sbx.commands.getCommandStatus(bg.id!)).running).toBe(false);
  });
});
