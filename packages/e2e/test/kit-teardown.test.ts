// The kit's teardown never hides the assertion error: a case that fails on a sandbox whose cleanup
// also fails still rejects with the case's own error, and the cleanup failure becomes a warning.
import type { Sandbox } from '@kode/core';
import { runConformanceCase, type ConformanceCase } from '@kode/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { localConformanceTarget } from './targets/local-target';

const base = localConformanceTarget();
afterAll(() => base.cleanup());

/** A real LocalSandbox whose dispose and fs.rm reject (cleanup that fails). */
function brokenCleanup(sandbox: Sandbox): Sandbox {
  const fs = new Proxy(sandbox.fs, {
    get: (target, key) => (key === 'rm' ? () => Promise.reject(new Error('rm failed')) : (Reflect.get(target, key, target) as unknown)),
  });
  return new Proxy(sandbox, {
    get(target, key) {
      if (key === 'fs') return fs;
      if (key === 'dispose') return async () => {
        await target.dispose();
        throw new Error('dispose failed');
      };
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const failing: ConformanceCase = {
  id: 'kit.failing-case',
  group: 'kit',
  title: 'always fails',
  isolated: true,
  async run({ sandbox, workdir }) {
    await sandbox.fs.write(`${workdir}/x`, 'x');
    throw new Error('the assertion error');
  },
};

describe('conformance teardown', () => {
  it('rejects with the case error, not the cleanup error, and reports cleanup failures as warnings', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const target = { ...base, create: async () => brokenCleanup(await base.create({})) };
      await expect(runConformanceCase(failing, { target, expect })).rejects.toThrow('the assertion error');
      await expect.poll(() => warnings.some((w) => w.includes('dispose failed')), { timeout: 5_000 }).toBe(true);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('creates a fresh, empty work directory per case inside workDir', async () => {
    const dirs: string[] = [];
    const probe: ConformanceCase = {
      id: 'kit.workdir-probe',
      group: 'kit',
      title: 'records its work directory',
      async run({ sandbox, workdir, expect: e }) {
        e(workdir.startsWith(`${sandbox.workDir}/`)).toBe(true);
        e(await sandbox.fs.list(workdir)).toEqual([]);
        await sandbox.fs.write(`${workdir}/left-behind`, 'x');
        dirs.push(workdir);
      },
    };
    const sandbox = await base.create({});
    await sandbox.init();
    try {
      await runConformanceCase(probe, { target: base, sandbox, expect });
      await runConformanceCase(probe, { target: base, sandbox, expect });
      expect(dirs[0]).not.toBe(dirs[1]);
      expect(await sandbox.fs.exists(dirs[0]!)).toBe(false);
    } finally {
      await sandbox.dispose();
    }
  });
});
