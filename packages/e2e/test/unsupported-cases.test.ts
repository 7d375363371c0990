// The `errors.unsupported.*` cases run wherever a backend declares a capability absent (no built-in
// backend does). This proves each one is correct on LocalSandbox wrapped to declare one capability
// absent: the case runs (is not skipped) and passes when the wrapper refuses the call with
// UnsupportedCapabilityError, and fails when the wrapper declares the capability absent yet serves it.
import {
  assertCapability,
  SandboxFactory,
  UnsupportedCapabilityError,
  type CapabilityPath,
  type ExecOptions,
  type Sandbox,
  type SandboxCapabilities,
} from '@kode/core';
import { findConformanceCase, runConformanceCase, type ConformanceSandboxOptions, type ConformanceTarget } from '@kode/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { localConformanceTarget } from './targets/local-target';

const local = localConformanceTarget();
afterAll(() => local.cleanup());

/** The kind a wrapper without `lifecycle.restore` reports in `toConfig()`: its factory refuses every restore. */
const NO_RESTORE_KIND = 'kit-no-restore';
SandboxFactory.register({
  kind: NO_RESTORE_KIND,
  packageName: '@kode/e2e (test)',
  create() {
    throw new UnsupportedCapabilityError(`The ${NO_RESTORE_KIND} backend does not support lifecycle.restore.`, { backend: NO_RESTORE_KIND, capability: 'lifecycle.restore' });
  },
});

function withAbsent(sandbox: Sandbox, path: CapabilityPath): Sandbox & { capabilities: SandboxCapabilities } {
  const [group, name] = path.split('.') as [keyof SandboxCapabilities, string | undefined];
  const absent = name === undefined ? false : Object.freeze({ ...(sandbox.capabilities[group] as Record<string, boolean>), [name]: false });
  const capabilities = Object.freeze({ ...sandbox.capabilities, [group]: absent }) as SandboxCapabilities;
  return new Proxy(sandbox, {
    get(target, key) {
      if (key === 'capabilities') return capabilities;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function proxy<T extends object>(inner: T, overrides: Partial<T>): T {
  return new Proxy(inner, {
    get(target, key) {
      if (Object.prototype.hasOwnProperty.call(overrides, key)) return overrides[key as keyof T];
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** `sandbox` declaring `path` absent and, when `enforce`, refusing the calls that need it. */
function declareAbsent(sandbox: Sandbox, options: ConformanceSandboxOptions, path: CapabilityPath, enforce: boolean): Sandbox {
  const base = withAbsent(sandbox, path);
  if (!enforce) return base;
  const refuse = (): never => {
    assertCapability(base.capabilities, path, sandbox.kind);
    throw new Error('unreachable');
  };
  switch (path) {
    case 'exec.streaming':
      return proxy(base, {
        exec: (command: string, o?: ExecOptions) => (o?.onStdout || o?.onStderr ? Promise.resolve().then(refuse) : sandbox.exec(command, o)),
      });
    case 'fs.binary':
      return proxy(base, {
        fs: proxy(sandbox.fs, {
          readBytes: () => Promise.resolve().then(refuse),
          write: async (p: string, data: string | Uint8Array) => (typeof data === 'string' ? sandbox.fs.write(p, data) : refuse()),
        }),
      });
    case 'fs.streaming':
      return proxy(base, {
        fs: proxy(sandbox.fs, { readStream: () => Promise.resolve().then(refuse), writeStream: () => Promise.resolve().then(refuse) }),
      });
    case 'processes.background':
      return proxy(base, { processes: proxy(sandbox.processes, { start: () => Promise.resolve().then(refuse), list: () => Promise.resolve().then(refuse) }) });
    case 'watch.native':
    case 'watch.polling':
      return proxy(base, {
        watchFiles: async (...args: Parameters<Sandbox['watchFiles']>) => (options.watch?.mode === path.slice('watch.'.length) ? refuse() : sandbox.watchFiles(...args)),
      });
    case 'lifecycle.restore':
      return proxy(base, { toConfig: () => ({ ...sandbox.toConfig(), kind: NO_RESTORE_KIND }) });
    case 'exec.sessions':
      return proxy(base, { sessions: proxy(sandbox.sessions, { create: () => Promise.resolve().then(refuse) }) });
    case 'endpoints':
      return proxy(base, { endpoints: proxy(sandbox.endpoints, { get: () => Promise.resolve().then(refuse) }) });
    case 'lifecycle.pause': // local has no pause to serve anyway: nothing to probe
    case 'exec.exactOutput':
    case 'fs.confined':
    case 'fs.symlinks':
    case 'lifecycle.renew':
    case 'processes.reconnect':
      throw new Error(`no probe for ${path}: it has no call of its own`);
  }
}

function targetDeclaringAbsent(path: CapabilityPath, enforce: boolean): ConformanceTarget {
  return { ...local, name: `local declaring ${path} absent`, create: async (options) => declareAbsent(await local.create(options), options, path, enforce) };
}

const PROBED: readonly CapabilityPath[] = ['exec.streaming', 'exec.sessions', 'endpoints', 'fs.binary', 'fs.streaming', 'processes.background', 'watch.native', 'watch.polling', 'lifecycle.restore'];

describe('errors.unsupported.* run and decide on a backend declaring a capability absent', () => {
  for (const path of PROBED) {
    const id = `errors.unsupported.${path.replace('.', '-')}`;
    it(`${id} passes when the call is refused, and fails when it is served anyway`, async () => {
      const kase = findConformanceCase(id);
      if (kase === undefined) throw new Error(`no case ${id}`);
      expect(await runConformanceCase(kase, { target: targetDeclaringAbsent(path, true), expect })).toEqual({ status: 'passed' });
      await expect(runConformanceCase(kase, { target: targetDeclaringAbsent(path, false), expect })).rejects.toThrow();
      expect(await runConformanceCase(kase, { target: local, expect })).toMatchObject({ status: 'skipped' });
    }, 60_000);
  }
});
