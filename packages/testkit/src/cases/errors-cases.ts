import {
  FileNotFoundError,
  InvalidArgumentError,
  SandboxError,
  SandboxFactory,
  UnsupportedCapabilityError,
  type CapabilityPath,
  type Sandbox,
} from '@kode/core';
import { expectError } from '../support/errors';
import { agentUnsupportedCalls } from './agent-cases';
import type { CaseContext, ConformanceCase } from '../types';

/** A negative case: the backend declares `capability` false, so calling `call` must be refused. */
interface UnsupportedProbe {
  capability: CapabilityPath;
  title: string;
  call(ctx: CaseContext): Promise<unknown>;
}

async function ownSandboxWatch(ctx: CaseContext, mode: 'native' | 'polling'): Promise<unknown> {
  const sandbox = await ctx.createSandbox({ watch: { mode } });
  await sandbox.init();
  return sandbox.watchFiles([sandbox.workDir], () => undefined);
}

/**
 * Capabilities with an API that must raise UnsupportedCapabilityError when declared false.
 * `exec.exactOutput` and `fs.confined` change behaviour instead (pinned by `exec.no-trailing-newline`
 * and `fs.absolute-paths-unconfined`); `fs.symlinks` and `processes.reconnect` have no call of their own.
 */
export const UNSUPPORTED_PROBES: readonly UnsupportedProbe[] = [
  {
    capability: 'exec.streaming',
    title: 'exec with onStdout',
    call: (ctx) => ctx.sandbox.exec('echo x', { onStdout: () => undefined }),
  },
  {
    capability: 'fs.binary',
    title: 'readBytes and write(Uint8Array)',
    async call(ctx) {
      await ctx.sandbox.fs.write(`${ctx.workdir}/t.txt`, 'x');
      await expectError(() => ctx.sandbox.fs.write(`${ctx.workdir}/b.bin`, new Uint8Array([0, 255])), UnsupportedCapabilityError, 'write(Uint8Array)');
      return ctx.sandbox.fs.readBytes(`${ctx.workdir}/t.txt`);
    },
  },
  {
    capability: 'fs.streaming',
    title: 'fs.readStream and fs.writeStream',
    async call(ctx) {
      await ctx.sandbox.fs.write(`${ctx.workdir}/s.txt`, 'x');
      await expectError(() => ctx.sandbox.fs.writeStream(`${ctx.workdir}/w.bin`, [new Uint8Array([1])]), UnsupportedCapabilityError, 'fs.writeStream');
      return ctx.sandbox.fs.readStream(`${ctx.workdir}/s.txt`);
    },
  },
  {
    capability: 'processes.background',
    title: 'processes.start',
    call: (ctx) => ctx.sandbox.processes.start('true'),
  },
  { capability: 'watch.native', title: "watchFiles with watch.mode 'native'", call: (ctx) => ownSandboxWatch(ctx, 'native') },
  { capability: 'watch.polling', title: "watchFiles with watch.mode 'polling'", call: (ctx) => ownSandboxWatch(ctx, 'polling') },
  {
    capability: 'lifecycle.restore',
    title: 'SandboxFactory.createAsync(toConfig())',
    async call(ctx) {
      // Restoring means connecting to this sandbox by id, whether or not toConfig() carries it.
      const config = JSON.parse(JSON.stringify(ctx.sandbox.toConfig())) as ReturnType<Sandbox['toConfig']>;
      const restored = await SandboxFactory.createAsync({ ...config, sandboxId: ctx.sandbox.getSandboxId() });
      await restored.dispose();
      return restored;
    },
  },
  { capability: 'exec.sessions', title: 'sessions.create', call: (ctx) => agentUnsupportedCalls['exec.sessions'](ctx.sandbox) },
  { capability: 'endpoints', title: 'endpoints.get', call: (ctx) => agentUnsupportedCalls.endpoints(ctx.sandbox) },
  { capability: 'lifecycle.pause', title: 'pause and resume', call: (ctx) => agentUnsupportedCalls['lifecycle.pause'](ctx.sandbox) },
];

const unsupportedCases: ConformanceCase[] = UNSUPPORTED_PROBES.map((probe) => ({
  id: `errors.unsupported.${probe.capability.replace('.', '-').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
  group: 'errors',
  title: `declared ${probe.capability}: false, so ${probe.title} raises UnsupportedCapabilityError`,
  requiresAbsent: [probe.capability],
  async run(ctx) {
    const error = await expectError(() => probe.call(ctx), UnsupportedCapabilityError, `${probe.title} with ${probe.capability} false`);
    ctx.expect((error as SandboxError).code).toBe('UNSUPPORTED');
  },
}));

/** Cases of the `errors` group: typed errors for bad input, and the negative capability cases. */
export const errorsCases: readonly ConformanceCase[] = [
  {
    id: 'errors.typed-file-not-found',
    group: 'errors',
    title: 'a missing file raises a SandboxError with code FILE_NOT_FOUND, not retryable, naming the backend',
    async run({ sandbox, workdir, expect }) {
      const error = (await expectError(() => sandbox.fs.read(`${workdir}/absent.txt`), FileNotFoundError, 'read of a missing file')) as SandboxError;
      expect(SandboxError.isInstance(error)).toBe(true);
      expect(error.code).toBe('FILE_NOT_FOUND');
      expect(error.retryable).toBe(false);
      expect(typeof error.message).toBe('string');
      expect(error.message.length).toBeGreaterThan(0);
      expect(error.backend).toBe(sandbox.kind);
    },
  },
  {
    id: 'errors.invalid-path-empty',
    group: 'errors',
    title: 'an empty path raises InvalidArgumentError',
    async run({ sandbox }) {
      await expectError(() => sandbox.fs.read(''), InvalidArgumentError, 'fs.read("")');
      await expectError(() => sandbox.fs.write('', 'x'), InvalidArgumentError, 'fs.write("")');
    },
  },
  {
    id: 'errors.invalid-path-nul',
    group: 'errors',
    title: 'a path containing a NUL byte raises InvalidArgumentError',
    async run({ sandbox, workdir }) {
      await expectError(() => sandbox.fs.write(`${workdir}/a\0b`, 'x'), InvalidArgumentError, 'fs.write with NUL');
      await expectError(() => sandbox.fs.stat(`${workdir}/a\0b`), InvalidArgumentError, 'fs.stat with NUL');
    },
  },
  {
    id: 'errors.glob-parent-segments',
    group: 'errors',
    title: "a glob pattern with '..' segments raises InvalidArgumentError",
    async run({ sandbox, workdir }) {
      await expectError(() => sandbox.fs.glob('../*', { cwd: workdir }), InvalidArgumentError, "glob('../*')");
    },
  },
  {
    id: 'errors.glob-absolute-outside-cwd',
    group: 'errors',
    title: 'an absolute glob pattern outside cwd raises InvalidArgumentError',
    async run({ sandbox, workdir }) {
      await expectError(() => sandbox.fs.glob('/etc/*', { cwd: workdir }), InvalidArgumentError, "glob('/etc/*')");
    },
  },
  {
    id: 'errors.glob-invalid-limit',
    group: 'errors',
    title: 'a negative or fractional glob limit raises InvalidArgumentError',
    async run({ sandbox, workdir }) {
      await expectError(() => sandbox.fs.glob('*', { cwd: workdir, limit: -1 }), InvalidArgumentError, 'glob limit -1');
      await expectError(() => sandbox.fs.glob('*', { cwd: workdir, limit: 1.5 }), InvalidArgumentError, 'glob limit 1.5');
    },
  },
  {
    id: 'errors.glob-empty-pattern',
    group: 'errors',
    title: 'an empty glob pattern raises InvalidArgumentError',
    async run({ sandbox, workdir }) {
      await expectError(() => sandbox.fs.glob('', { cwd: workdir }), InvalidArgumentError, "glob('')");
    },
  },
  {
    id: 'errors.exec-empty-command',
    group: 'errors',
    title: "exec('') and a whitespace-only command raise InvalidArgumentError",
    async run({ sandbox }) {
      for (const command of ['', ' ', '  \t\n ']) {
        await expectError(() => sandbox.exec(command), InvalidArgumentError, `exec(${JSON.stringify(command)})`);
      }
    },
  },
  {
    id: 'errors.exec-invalid-timeout',
    group: 'errors',
    title: 'a timeoutMs that is not an integer number of ms in [0, 2^31 - 1] raises InvalidArgumentError',
    async run({ sandbox, expect }) {
      for (const timeoutMs of [1.5, -1, 3e9, Number.NaN, Number.POSITIVE_INFINITY]) {
        const error = (await expectError(() => sandbox.exec('true', { timeoutMs }), InvalidArgumentError, `exec timeoutMs ${timeoutMs}`)) as SandboxError;
        expect(error.message).toMatch(/timeoutMs/);
      }
    },
  },
  {
    id: 'errors.exec-invalid-env-name',
    group: 'errors',
    title: "env names that are not POSIX ('A=B', 'has space', '1A', '') raise InvalidArgumentError naming them",
    async run({ sandbox, expect }) {
      for (const name of ['A=B', 'has space', '1A', '']) {
        const error = (await expectError(() => sandbox.exec('true', { env: { [name]: 'x' } }), InvalidArgumentError, `exec env name ${JSON.stringify(name)}`)) as SandboxError;
        if (name !== '') expect(error.message).toContain(name);
      }
    },
  },
  {
    id: 'errors.exec-unknown-option',
    group: 'errors',
    title: 'an unknown exec option ({ timeout: 5 }) raises InvalidArgumentError naming it, and runs nothing',
    async run({ sandbox, workdir, expect }) {
      const marker = `${workdir}/must-not-exist`;
      const error = (await expectError(
        () => sandbox.exec(`touch '${marker}'`, { timeout: 5 } as unknown as Parameters<Sandbox['exec']>[1]),
        InvalidArgumentError,
        'exec with { timeout: 5 }',
      )) as SandboxError;
      expect(error.message).toContain('timeout');
      expect(await sandbox.fs.exists(marker)).toBe(false);
    },
  },
  ...unsupportedCases,
];
