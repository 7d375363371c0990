// OpenSandbox.list, creator metadata, volumes, entrypoint and sandbox.networkPolicy against the emulator.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATOR_SDK, InvalidArgumentError, OpenSandbox } from '../src/index';
import packageJson from '../package.json';
import { useEmulator } from './emulator-harness';

const fixture = useEmulator();
let hostDir: string;

beforeAll(async () => {
  hostDir = await mkdtemp(join(tmpdir(), 'kode-os-volume-'));
  await writeFile(join(hostDir, 'seed.txt'), 'from the host\n');
});
afterAll(async () => {
  await rm(hostDir, { recursive: true, force: true });
});

async function withSandbox<T>(options: Partial<ConstructorParameters<typeof OpenSandbox>[0]>, body: (sandbox: OpenSandbox) => Promise<T>): Promise<T> {
  const sandbox = new OpenSandbox(fixture.options(options));
  await sandbox.init();
  try {
    return await body(sandbox);
  } finally {
    await sandbox.dispose();
  }
}

describe('OpenSandbox.list and creator metadata', () => {
  it('labels every created sandbox with kode.sdk and kode.version, and lists it by metadata and state', async () => {
    const tag = `t${Date.now().toString(36)}`;
    await withSandbox({ metadata: { tag } }, async (sandbox) => {
      const listed = await OpenSandbox.list({ endpoint: fixture.emulator.url, metadata: { tag } });
      expect(listed).toHaveLength(1);
      const [entry] = listed;
      expect(entry).toMatchObject({ sandboxId: sandbox.getSandboxId(), state: 'Running', metadata: { tag, 'kode.sdk': CREATOR_SDK, 'kode.version': packageJson.version } });
      expect(entry?.image).toBe('ubuntu');
      expect(entry?.createdAt).toBeInstanceOf(Date);
      expect(entry?.expiresAt).toBeInstanceOf(Date);
      expect(entry!.expiresAt!.getTime()).toBeGreaterThan(entry!.createdAt.getTime());
      expect(await OpenSandbox.list({ endpoint: fixture.emulator.url, metadata: { tag }, states: ['Paused'] })).toEqual([]);
      expect((await OpenSandbox.list({ endpoint: fixture.emulator.url, metadata: { tag }, states: ['Running', 'Paused'] })).map((e) => e.sandboxId)).toEqual([sandbox.getSandboxId()]);
      const byCreator = await OpenSandbox.list({ endpoint: fixture.emulator.url, metadata: { 'kode.sdk': CREATOR_SDK } });
      expect(byCreator.map((e) => e.sandboxId)).toContain(sandbox.getSandboxId());
    });
    expect(await OpenSandbox.list({ endpoint: fixture.emulator.url, metadata: { tag } })).toEqual([]);
  });

  it("lets the user's metadata override the creator keys", async () => {
    await withSandbox({ metadata: { 'kode.sdk': 'my-agent' } }, async (sandbox) => {
      const [entry] = await OpenSandbox.list({ endpoint: fixture.emulator.url, metadata: { 'kode.sdk': 'my-agent' } });
      expect(entry?.sandboxId).toBe(sandbox.getSandboxId());
      expect(entry?.metadata['kode.version']).toBe(packageJson.version);
    });
  });

  it('uses label-safe creator values: the server refuses the package name itself as a value', async () => {
    // Metadata follows Kubernetes label rules on the server (and the emulator): dots are fine in
    // keys, but `@` and `/` are not allowed in values, hence `kode-opensandbox`.
    const refused = new OpenSandbox(fixture.options({ metadata: { 'kode.sdk': '@kode/opensandbox' } }));
    await expect(refused.init()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await refused.dispose();
  });

  it('rejects bad list options without I/O', async () => {
    await expect(OpenSandbox.list({ endpoint: 'http://127.0.0.1:9', states: 'Running' as unknown as string[] })).rejects.toSatisfy(InvalidArgumentError.isInstance);
    await expect(OpenSandbox.list({ endpoint: 'http://127.0.0.1:9', metadata: { a: 1 } as unknown as Record<string, string> })).rejects.toThrow(/`metadata.a`/);
    await expect(OpenSandbox.list({ endpoint: 'http://127.0.0.1:9', state: ['Running'] } as never)).rejects.toThrow(/`state`/);
  });
});

describe('volumes and entrypoint', () => {
  it('mounts a host directory read-only and a subPath of it read-write', async () => {
    await writeFile(join(hostDir, 'sub-marker'), '');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(hostDir, 'rw'), { recursive: true });
    await withSandbox(
      {
        volumes: [
          { name: 'ro', host: { path: hostDir }, mountPath: '/mnt/ro', readOnly: true },
          { name: 'rw', host: { path: hostDir }, mountPath: '/mnt/rw', subPath: 'rw' },
        ],
      },
      async (sandbox) => {
        expect(await sandbox.fs.read('/mnt/ro/seed.txt')).toBe('from the host\n');
        const denied = await sandbox.exec('echo x > /mnt/ro/new.txt');
        expect(denied.code).not.toBe(0);
        await sandbox.fs.write('/mnt/rw/out.txt', 'from the sandbox');
        expect(await readFile(join(hostDir, 'rw', 'out.txt'), 'utf8')).toBe('from the sandbox');
      },
    );
  });

  it('keeps a PVC volume across sandboxes', async () => {
    const claimName = `c${Date.now().toString(36)}`;
    await withSandbox({ volumes: [{ name: 'data', pvc: { claimName }, mountPath: '/data' }] }, (sandbox) => sandbox.fs.write('/data/kept.txt', 'kept'));
    await withSandbox({ volumes: [{ name: 'data', pvc: { claimName }, mountPath: '/data', readOnly: true }] }, async (sandbox) => {
      expect(await sandbox.fs.read('/data/kept.txt')).toBe('kept');
    });
  });

  it('passes a custom entrypoint to the server', async () => {
    await withSandbox({ entrypoint: ['sleep', 'infinity'] }, async (sandbox) => {
      const info = await sandbox.getClient().getInfo();
      expect(info.entrypoint).toEqual(['sleep', 'infinity']);
    });
  });

  it('validates volumes and entrypoint up front, naming the field', () => {
    const bad: Array<[unknown, string]> = [
      [[{ name: 'v', mountPath: '/m' }], '`volumes[0]`'],
      [[{ name: 'v', host: { path: '/x' }, pvc: { claimName: 'c' }, mountPath: '/m' }], '`volumes[0]`'],
      [[{ name: 'V_bad', host: { path: '/x' }, mountPath: '/m' }], '`volumes[0].name`'],
      [[{ name: 'v', host: { path: 'rel' }, mountPath: '/m' }], '`volumes[0].host.path`'],
      [[{ name: 'v', host: { path: '/x' }, mountPath: 'm' }], '`volumes[0].mountPath`'],
      [[{ name: 'v', host: { path: '/x' }, mountPath: '/m', subPath: '../up' }], '`volumes[0].subPath`'],
      [[{ name: 'v', host: { path: '/x' }, mountPath: '/m', size: 1 }], '`volumes[0].size`'],
    ];
    for (const [volumes, field] of bad) expect(() => new OpenSandbox(fixture.options({ volumes: volumes as never })), JSON.stringify(volumes)).toThrow(field);
    expect(() => new OpenSandbox(fixture.options({ entrypoint: [] }))).toThrow('`entrypoint`');
    expect(() => new OpenSandbox(fixture.options({ entrypoint: 'sleep' as never }))).toThrow('`entrypoint`');
  });
});

describe('sandbox.networkPolicy', () => {
  it('reads the policy given at create and patches rules by target', async () => {
    await withSandbox({ networkPolicy: { defaultAction: 'allow' } }, async (sandbox) => {
      expect(await sandbox.networkPolicy.get()).toEqual({ defaultAction: 'allow', egress: [] });
      await sandbox.networkPolicy.patch({ egress: [{ action: 'allow', target: 'pypi.org' }] });
      await sandbox.networkPolicy.patch({ egress: [{ action: 'allow', target: 'pypi.org' }, { action: 'allow', target: '*.example.com' }] });
      expect(await sandbox.networkPolicy.get()).toEqual({
        defaultAction: 'allow',
        egress: [
          { action: 'allow', target: 'pypi.org' },
          { action: 'allow', target: '*.example.com' },
        ],
      });
    });
  });

  it('raises typed errors: bad rules up front, refused rules from the server, calls before init', async () => {
    const idle = new OpenSandbox(fixture.options());
    await expect(idle.networkPolicy.get()).rejects.toMatchObject({ code: 'NOT_INITIALIZED' });
    await withSandbox({ networkPolicy: { defaultAction: 'deny' } }, async (sandbox) => {
      await expect(sandbox.networkPolicy.patch({ egress: [{ action: 'block', target: 'x' }] } as never)).rejects.toThrow('`egress[0]`');
      // The emulator cannot let single targets through a deny-all namespace, and says so.
      await expect(sandbox.networkPolicy.patch({ egress: [{ action: 'allow', target: 'pypi.org' }] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(await sandbox.networkPolicy.get()).toEqual({ defaultAction: 'deny', egress: [] });
    });
    await withSandbox({}, async (sandbox) => {
      const error = await sandbox.networkPolicy.get().then(
        () => undefined,
        (e: unknown) => e as { code: string; hint?: string },
      );
      expect(error?.code).toMatch(/^[A-Z_]+$/);
      expect(error?.hint).toContain('networkPolicy');
    });
  });
});
