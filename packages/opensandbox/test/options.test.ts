import { SandboxManager } from '@alibaba-group/opensandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { OpenSandbox } from '../src/index';
import { useEmulator } from './emulator-harness';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy';

/** Each option observably taking effect against the emulator (through a recording proxy where the wire is what matters). */
const fixture = useEmulator();
let proxy: RecordingProxy;
const sandboxes: OpenSandbox[] = [];

beforeAll(async () => {
  proxy = await startRecordingProxy(fixture.emulator.url);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

afterAll(async () => {
  for (const sandbox of sandboxes) await sandbox.dispose().catch(() => undefined);
  await proxy?.close();
});

async function started(extra: Parameters<typeof fixture.options>[0] = {}): Promise<OpenSandbox> {
  const sandbox = new OpenSandbox({ ...fixture.options(), endpoint: proxy.url, ...extra });
  sandboxes.push(sandbox);
  await sandbox.init();
  return sandbox;
}

function createBodies(): Array<Record<string, unknown>> {
  return proxy.requests.filter((r) => r.method === 'POST' && r.path === '/v1/sandboxes').map((r) => JSON.parse(r.body) as Record<string, unknown>);
}

function commandBodies(): Array<Record<string, unknown>> {
  return proxy.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/proxy/44772/command')).map((r) => JSON.parse(r.body) as Record<string, unknown>);
}

async function listing(metadata: Record<string, string>): Promise<Array<{ id: string; image?: { uri?: string }; expiresAt: Date | null; createdAt: Date }>> {
  const manager = SandboxManager.create({ connectionConfig: { domain: fixture.emulator.url } });
  try {
    return (await manager.listSandboxInfos({ metadata })).items;
  } finally {
    await manager.close();
  }
}

describe('options take effect', () => {
  it('env is visible to every command, metadata and image show in the server listing, timeoutMs sets expiresAt', async () => {
    const tag = `opt-${Date.now()}`;
    const sandbox = await started({ env: { KODE_OPT: 'a b $c' }, metadata: { tag }, template: 'debian:latest', timeoutMs: 125_500 });
    expect((await sandbox.exec('printf "%s" "$KODE_OPT"')).stdout).toBe('a b $c\n');
    const [info, ...rest] = await listing({ tag });
    expect(rest).toEqual([]);
    expect(info?.id).toBe(sandbox.getSandboxId());
    expect(info?.image?.uri).toBe('debian:latest');
    expect(((info?.expiresAt?.getTime() ?? 0) - (info?.createdAt.getTime() ?? 0)) / 1000).toBe(126);
    const body = createBodies().at(-1);
    expect(body).toMatchObject({ image: { uri: 'debian:latest' }, timeout: 126, env: { KODE_OPT: 'a b $c' }, metadata: { tag } });
  });

  it('resource and networkPolicy reach the create request', async () => {
    await started({ resource: { cpu: '2', memory: '4Gi' }, networkPolicy: { defaultAction: 'deny', egress: [{ action: 'deny', target: 'example.com' }] } });
    expect(createBodies().at(-1)).toMatchObject({
      resourceLimits: { cpu: '2', memory: '4Gi' },
      networkPolicy: { defaultAction: 'deny', egress: [{ action: 'deny', target: 'example.com' }] },
    });
  });

  it('OPEN_SANDBOX_IMAGE is the default image; image and the default lifetime are sent otherwise', async () => {
    vi.stubEnv('OPEN_SANDBOX_IMAGE', 'python:3.12');
    await started();
    expect(createBodies().at(-1)).toMatchObject({ image: { uri: 'python:3.12' }, timeout: 600 });
  });

  it('useServerProxy routes execd traffic through the server, and execTimeoutMs (not the lifetime) is the command timeout', async () => {
    const sandbox = await started({ useServerProxy: true, execTimeoutMs: 45_000, timeoutMs: 300_000 });
    const endpoint = await sandbox.getClient().getEndpoint(44772);
    expect(endpoint.endpoint).toContain(`/sandboxes/${sandbox.getSandboxId()}/proxy/44772`);
    const before = commandBodies().length;
    expect((await sandbox.exec('echo via-proxy')).stdout).toBe('via-proxy\n');
    await sandbox.exec('true', { timeoutMs: 1_500 });
    const [first, second] = commandBodies().slice(before);
    expect(first).toMatchObject({ command: 'echo via-proxy', timeout: 45_000, cwd: '/workspace' });
    expect(second).toMatchObject({ timeout: 1_500 });
  });

  it('execTimeoutMs defaults to 120 s per command', async () => {
    const sandbox = await started({ useServerProxy: true });
    const before = commandBodies().length;
    await sandbox.exec('true');
    expect(commandBodies().slice(before)[0]).toMatchObject({ timeout: 120_000 });
  });

  it('execTimeoutMs kills a longer command: code 124, timedOut', async () => {
    const sandbox = await started({ execTimeoutMs: 700 });
    const result = await sandbox.exec('sleep 20; echo never');
    expect(result).toMatchObject({ code: 124, timedOut: true, stdout: '' });
  });

  it('workDir is created by init() and is where commands run', async () => {
    const sandbox = await started({ workDir: '/srv/kode/deep/work' });
    expect((await sandbox.fs.stat('/srv/kode/deep/work')).type).toBe('directory');
    expect((await sandbox.exec('pwd')).stdout).toBe('/srv/kode/deep/work\n');
    expect(sandbox.fs.resolve('a.txt')).toBe('/srv/kode/deep/work/a.txt');
  });

  it("disposeAction 'close' leaves the sandbox running and restorable; 'kill' removes it", async () => {
    const keep = await started({ lifecycle: { disposeAction: 'close' } });
    const keptId = keep.getSandboxId();
    await keep.dispose();
    expect(fixture.emulator.sandboxIds()).toContain(keptId);
    const again = await started({ sandboxId: keptId });
    expect((await again.exec('echo still-alive')).stdout).toBe('still-alive\n');

    const gone = await started({ lifecycle: { disposeAction: 'kill' } });
    const goneId = gone.getSandboxId();
    await gone.dispose();
    expect(fixture.emulator.sandboxIds()).not.toContain(goneId);
  });

  it('skipHealthCheck skips the execd ping; readyTimeoutSeconds/healthCheckPollingInterval drive it otherwise', async () => {
    fixture.emulator.stats.reset();
    const skipped = await started({ skipHealthCheck: true });
    expect(fixture.emulator.stats.count('GET /ping', { sandboxId: skipped.getSandboxId() })).toBe(0);
    const checked = await started({ readyTimeoutSeconds: 5, healthCheckPollingInterval: 50 });
    expect(fixture.emulator.stats.count('GET /ping', { sandboxId: checked.getSandboxId() })).toBeGreaterThanOrEqual(1);
  });

  it('toConfig restores the same sandbox, omits apiKey and env unless includeSecrets', async () => {
    const sandbox = await started({ apiKey: 'kode-secret-key-value', env: { TOKEN: 'env-secret' }, metadata: { m: 'v' } });
    const config = sandbox.toConfig();
    expect(JSON.stringify(config)).not.toContain('kode-secret-key-value');
    expect(JSON.stringify(config)).not.toContain('env-secret');
    expect(config).toMatchObject({ kind: 'opensandbox', sandboxId: sandbox.getSandboxId(), endpoint: proxy.url, workDir: '/workspace', metadata: { m: 'v' }, lifecycle: { disposeAction: 'kill' } });
    expect(sandbox.toConfig({ includeSecrets: true })).toMatchObject({ apiKey: 'kode-secret-key-value', env: { TOKEN: 'env-secret' } });
    const restored = new OpenSandbox({ ...(JSON.parse(JSON.stringify(config)) as typeof config), lifecycle: { disposeAction: 'close' } });
    sandboxes.push(restored);
    await restored.init();
    expect(restored.getSandboxId()).toBe(sandbox.getSandboxId());
  });
});
