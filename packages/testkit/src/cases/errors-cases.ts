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
      const restored = await SandboxFactory.createAsync(JSON.parse(JSON.stringify(ctx.sandbox.toConfig())) as ReturnType<Sandbox['toConfig']>);
      await restored.dispose();
      return restored;
    },
  },
  { capability: 'exec.sessions', title: 'sessions.create', call: (ctx) => agentUnsupportedCalls['exec.sessions'](ctx.sandbox) },
  { capability: 'endpoints.get', title: 'endpoints.get', call: (ctx) => agentUnsupportedCalls['endpoints.get'](ctx.sandbox) },
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
  ...unsupportedCases,
];
