import { DisposedError, NotInitializedError, SandboxFactory, type CapabilityPath, type Sandbox, type SandboxCapabilities } from '@kode/core';
import { expectError } from '../support/errors';
import { exactOr } from '../support/output';
import { restoreInstance } from '../support/restore';
import type { ConformanceCase } from '../types';

/** Every capability of the contract, once: a `Record` over `CapabilityPath`, so the compiler refuses a missing one. */
const EVERY_CAPABILITY: Readonly<Record<CapabilityPath, true>> = {
  'exec.exactOutput': true,
  'exec.streaming': true,
  'exec.sessions': true,
  'fs.binary': true,
  'fs.confined': true,
  'fs.symlinks': true,
  'fs.streaming': true,
  'processes.background': true,
  'processes.reconnect': true,
  'watch.native': true,
  'watch.polling': true,
  'lifecycle.restore': true,
  'lifecycle.renew': true,
  'lifecycle.pause': true,
  endpoints: true,
};

/** Every capability path of the contract, in declaration order. */
export const CAPABILITY_PATHS: readonly CapabilityPath[] = Object.freeze(Object.keys(EVERY_CAPABILITY) as CapabilityPath[]);

/** Calls that must raise a lifecycle error before init / after dispose, labelled for messages. */
/**
 * Every guarded call, with the capabilities it needs: a call whose capability is declared absent
 * raises UnsupportedCapabilityError instead (pinned by `errors.unsupported.*`), so it is skipped.
 */
function guardedCalls(sandbox: Sandbox, dir: string): Array<[string, () => unknown, ((c: SandboxCapabilities) => boolean)?]> {
  const background = (c: SandboxCapabilities): boolean => c.processes.background;
  return [
    ['exec', () => sandbox.exec('true')],
    ['fs.read', () => sandbox.fs.read(`${dir}/f`)],
    ['fs.readBytes', () => sandbox.fs.readBytes(`${dir}/f`), (c) => c.fs.binary],
    ['fs.write', () => sandbox.fs.write(`${dir}/f`, 'x')],
    ['fs.exists', () => sandbox.fs.exists(`${dir}/f`)],
    ['fs.stat', () => sandbox.fs.stat(dir)],
    ['fs.list', () => sandbox.fs.list(dir)],
    ['fs.mkdir', () => sandbox.fs.mkdir(`${dir}/d`)],
    ['fs.rm', () => sandbox.fs.rm(`${dir}/f`, { force: true })],
    ['fs.rename', () => sandbox.fs.rename(`${dir}/f`, `${dir}/g`)],
    ['fs.glob', () => sandbox.fs.glob('*', { cwd: dir })],
    ['fs.temp', () => sandbox.fs.temp()],
    ['processes.list', () => sandbox.processes.list(), background],
    ['processes.start', () => sandbox.processes.start('true'), background],
    ['watchFiles', () => sandbox.watchFiles([dir], () => undefined), (c) => c.watch.polling || c.watch.native],
    ['sessions.create', () => sandbox.sessions.create(), (c) => c.exec.sessions],
    ['endpoints', () => sandbox.endpoints.get(8080), (c) => c.endpoints],
    ['pause', () => sandbox.pause(), (c) => c.lifecycle.pause],
    ['resume', () => sandbox.resume(), (c) => c.lifecycle.pause],
  ];
}

/** A value no backend can have made up: random hex with a prefix. */
function uniqueValue(prefix: string): string {
  return `${prefix}-${Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function isDeepFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(isDeepFrozen);
}

/** Cases of the `lifecycle` group: init/dispose rules, ids, capabilities, config round trips. */
export const lifecycleCases: readonly ConformanceCase[] = [
  {
    id: 'lifecycle.init-idempotent',
    group: 'lifecycle',
    title: 'init is idempotent: concurrent and repeated calls resolve and the sandbox works',
    async run({ createSandbox, expect }) {
      const sandbox = await createSandbox();
      await Promise.all([sandbox.init(), sandbox.init(), sandbox.init()]);
      const id = sandbox.getSandboxId();
      await sandbox.init();
      expect(sandbox.getSandboxId()).toBe(id);
      expect((await sandbox.exec('echo ok')).stdout).toBe('ok\n');
    },
  },
  {
    id: 'lifecycle.dispose-idempotent',
    group: 'lifecycle',
    title: 'dispose is idempotent: concurrent and repeated calls resolve',
    isolated: true,
    async run({ sandbox }) {
      await Promise.all([sandbox.dispose(), sandbox.dispose()]);
      await sandbox.dispose();
      await sandbox[Symbol.asyncDispose]();
    },
  },
  {
    id: 'lifecycle.dispose-before-init',
    group: 'lifecycle',
    title: 'dispose before init resolves; a later init raises DisposedError',
    async run({ createSandbox }) {
      const sandbox = await createSandbox();
      await sandbox.dispose();
      await sandbox.dispose();
      await expectError(() => sandbox.init(), DisposedError, 'init after dispose');
    },
  },
  {
    id: 'lifecycle.use-before-init',
    group: 'lifecycle',
    title: 'every call before init raises NotInitializedError',
    async run({ createSandbox, workdir }) {
      const sandbox = await createSandbox();
      const dir = `${sandbox.workDir}/kit-before-init`;
      await expectError(() => sandbox.getSandboxId(), NotInitializedError, 'getSandboxId before init');
      for (const [label, call, applies] of guardedCalls(sandbox, dir)) {
        if (applies !== undefined && !applies(sandbox.capabilities)) continue;
        await expectError(call, NotInitializedError, `${label} before init (workdir ${workdir})`);
      }
    },
  },
  {
    id: 'lifecycle.use-after-dispose',
    group: 'lifecycle',
    title: 'every call after dispose raises DisposedError, init included',
    isolated: true,
    async run({ sandbox, workdir }) {
      await sandbox.dispose();
      for (const [label, call, applies] of guardedCalls(sandbox, workdir)) {
        if (applies !== undefined && !applies(sandbox.capabilities)) continue;
        await expectError(call, DisposedError, `${label} after dispose`);
      }
      await expectError(() => sandbox.init(), DisposedError, 'init after dispose');
    },
  },
  {
    id: 'lifecycle.async-dispose',
    group: 'lifecycle',
    title: '`await using` (Symbol.asyncDispose) disposes the sandbox',
    isolated: true,
    async run({ sandbox }) {
      await sandbox[Symbol.asyncDispose]();
      await expectError(() => sandbox.exec('true'), DisposedError, 'exec after Symbol.asyncDispose');
    },
  },
  {
    id: 'lifecycle.init-dispose-race',
    group: 'lifecycle',
    title: 'dispose during a pending init wins: both settle, then calls raise DisposedError',
    async run({ createSandbox }) {
      const sandbox = await createSandbox();
      const init = sandbox.init().catch(() => undefined);
      await sandbox.dispose();
      await init;
      await expectError(() => sandbox.exec('true'), DisposedError, 'exec after dispose raced init');
    },
  },
  {
    id: 'lifecycle.sandbox-id',
    group: 'lifecycle',
    title: 'getSandboxId returns a stable non-empty string',
    run({ sandbox, expect }) {
      const id = sandbox.getSandboxId();
      expect(typeof id).toBe('string');
      expect(id.length).toBeGreaterThan(0);
      expect(sandbox.getSandboxId()).toBe(id);
    },
  },
  {
    id: 'lifecycle.workdir',
    group: 'lifecycle',
    title: 'workDir is absolute, exists after init, and is where commands start',
    async run({ sandbox, expect }) {
      expect(sandbox.workDir.startsWith('/')).toBe(true);
      expect((await sandbox.fs.stat(sandbox.workDir)).type).toBe('directory');
      expect((await sandbox.exec('pwd')).stdout.trimEnd()).toBe(sandbox.workDir);
    },
  },
  {
    id: 'lifecycle.kind',
    group: 'lifecycle',
    title: 'kind is a non-empty string and matches toConfig().kind',
    run({ sandbox, expect }) {
      expect(typeof sandbox.kind).toBe('string');
      expect(sandbox.kind.length).toBeGreaterThan(0);
      expect(sandbox.toConfig().kind).toBe(sandbox.kind);
    },
  },
  {
    id: 'lifecycle.capabilities-frozen',
    group: 'lifecycle',
    title: 'capabilities are deeply frozen and the same object on every read',
    run({ sandbox, expect }) {
      const caps = sandbox.capabilities;
      expect(isDeepFrozen(caps)).toBe(true);
      expect(sandbox.capabilities).toBe(caps);
      expect(() => {
        (caps.exec as { streaming: boolean }).streaming = !caps.exec.streaming;
      }).toThrow();
    },
  },
  {
    id: 'lifecycle.capabilities-json',
    group: 'lifecycle',
    title: 'capabilities are JSON-serialisable and declare every contract flag as a boolean',
    run({ sandbox, expect }) {
      const caps = sandbox.capabilities;
      expect(JSON.parse(JSON.stringify(caps))).toEqual(caps);
      for (const path of CAPABILITY_PATHS) {
        const [group, name] = path.split('.') as [string, string | undefined];
        const entry: unknown = (caps as unknown as Record<string, unknown>)[group];
        expect(typeof (name === undefined ? entry : (entry as Record<string, unknown> | undefined)?.[name]), path).toBe('boolean');
      }
    },
  },
  {
    id: 'lifecycle.capabilities-before-init',
    group: 'lifecycle',
    title: 'capabilities are readable before init and do not change with it',
    async run({ createSandbox, expect }) {
      const sandbox = await createSandbox();
      const before = JSON.stringify(sandbox.capabilities);
      await sandbox.init();
      expect(JSON.stringify(sandbox.capabilities)).toBe(before);
    },
  },
  {
    id: 'lifecycle.to-config-json-safe',
    group: 'lifecycle',
    title: 'toConfig is JSON-safe and names the kind and workDir',
    run({ sandbox, expect }) {
      const config = sandbox.toConfig();
      expect(JSON.parse(JSON.stringify(config))).toEqual(config);
      expect(config.kind).toBe(sandbox.kind);
      if (config.workDir !== undefined) expect(config.workDir).toBe(sandbox.workDir);
    },
  },
  {
    id: 'lifecycle.to-config-restores',
    group: 'lifecycle',
    title: 'SandboxFactory.create(toConfig()) restores the same sandbox (same id, same files)',
    requires: ['lifecycle.restore'],
    isolated: true,
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/persisted.txt`, 'still here');
      const config = JSON.parse(JSON.stringify(sandbox.toConfig())) as ReturnType<Sandbox['toConfig']>;
      expect(config.sandboxId).toBe(sandbox.getSandboxId());
      const restored = SandboxFactory.create(config);
      try {
        await restored.init();
        expect(restored.kind).toBe(sandbox.kind);
        expect(restored.getSandboxId()).toBe(sandbox.getSandboxId());
        expect(restored.workDir).toBe(sandbox.workDir);
        expect(await restored.fs.read(`${workdir}/persisted.txt`)).toBe('still here');
        expect((await restored.exec('cat persisted.txt', { cwd: workdir })).stdout).toBe(exactOr(restored, 'still here'));
      } finally {
        await restored.dispose();
      }
    },
  },
  {
    id: 'lifecycle.sandbox-id-after-dispose',
    group: 'lifecycle',
    title: 'getSandboxId still answers (the same id) after dispose',
    isolated: true,
    async run({ sandbox, expect }) {
      const id = sandbox.getSandboxId();
      await sandbox.dispose();
      expect(sandbox.getSandboxId()).toBe(id);
    },
  },
  {
    id: 'lifecycle.unwatch-after-dispose',
    group: 'lifecycle',
    title: 'unwatchFiles of a watch that dispose closed resolves (every watch is already closed)',
    skipUnless: ({ capabilities }) => (capabilities.watch.native || capabilities.watch.polling ? undefined : 'the backend declares no watch mode'),
    isolated: true,
    async run({ sandbox, workdir }) {
      const id = await sandbox.watchFiles([workdir], () => undefined);
      await sandbox.dispose();
      await sandbox.unwatchFiles(id);
      await sandbox.unwatchFiles(id);
    },
  },
  {
    id: 'lifecycle.to-config-redacts-env',
    group: 'lifecycle',
    title: 'toConfig() without options, and the sandbox printed as JSON, never contain the value of an env variable given to the sandbox',
    skipUnless: ({ target }) => (target.supportsEnv ? undefined : 'the target cannot create a sandbox with env'),
    async run({ createSandbox, expect }) {
      const secret = uniqueValue('kode-kit-secret');
      const sandbox = await createSandbox({ env: { KODE_KIT_SECRET: secret } });
      await sandbox.init();
      // The variable really reached the sandbox, so a config without it is a redaction, not an omission.
      expect((await sandbox.exec('printf "%s" "$KODE_KIT_SECRET"')).stdout.trimEnd()).toBe(secret);
      expect(JSON.stringify(sandbox.toConfig())).not.toContain(secret);
      expect(JSON.stringify(sandbox.toConfig({}))).not.toContain(secret);
      expect(JSON.stringify(sandbox)).not.toContain(secret);
    },
  },
  {
    id: 'lifecycle.init-creates-workdir',
    group: 'lifecycle',
    title: 'init creates a custom workDir that does not exist yet, and commands start there',
    skipUnless: ({ target }) => (target.supportsWorkDir ? undefined : 'the target cannot create a sandbox with a fresh workDir (its backend needs an existing one)'),
    async run({ createSandbox, expect }) {
      const workDir = `/tmp/${uniqueValue('kode-kit-workdir')}/nested dir`;
      const sandbox = await createSandbox({ workDir });
      expect(sandbox.workDir).toBe(workDir);
      await sandbox.init();
      expect((await sandbox.fs.stat(workDir)).type).toBe('directory');
      expect((await sandbox.exec('pwd')).stdout.trimEnd()).toBe(workDir);
    },
  },
  {
    id: 'lifecycle.dispose-close-keeps-sandbox',
    group: 'lifecycle',
    title: "dispose with disposeAction 'close' leaves the sandbox and its files for a restore",
    requires: ['lifecycle.restore'],
    skipUnless: ({ target }) => (target.supportsDisposeAction ? undefined : "the target cannot create a sandbox with disposeAction 'close'"),
    async run({ createSandbox, expect }) {
      const sandbox = await createSandbox({ disposeAction: 'close' });
      await sandbox.init();
      const file = `${sandbox.workDir}/${uniqueValue('kode-kit-kept')}.txt`;
      await sandbox.fs.write(file, 'kept');
      const id = sandbox.getSandboxId();
      const again = restoreInstance(sandbox, 'kill');
      await sandbox.dispose();
      try {
        await again.init();
        expect(again.getSandboxId()).toBe(id);
        expect(await again.fs.read(file)).toBe('kept');
      } finally {
        await again.fs.rm(file, { force: true }).catch(() => undefined);
        await again.dispose();
      }
    },
  },
];
