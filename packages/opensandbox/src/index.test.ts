import * as core from '@kode/core';
import { describe, expect, it } from 'vitest';
import * as pkg from './index';

describe('@kode/opensandbox entry point', () => {
  it('re-exports every runtime export of @kode/core, as the same objects', () => {
    for (const [name, value] of Object.entries(core)) {
      expect(pkg, `missing re-export ${name}`).toHaveProperty(name);
      expect((pkg as Record<string, unknown>)[name], name).toBe(value);
    }
  });

  it("registers kind 'opensandbox' on import; create() builds without I/O", () => {
    expect(pkg.SandboxFactory.has('opensandbox')).toBe(true);
    const sandbox = pkg.SandboxFactory.create({ kind: 'opensandbox', endpoint: 'http://127.0.0.1:9' });
    expect(sandbox).toBeInstanceOf(pkg.OpenSandbox);
    expect(sandbox.kind).toBe('opensandbox');
    expect(sandbox.workDir).toBe('/workspace');
    expect(sandbox.capabilities).toBe(pkg.OPEN_SANDBOX_CAPABILITIES);
    expect(() => sandbox.getSandboxId()).toThrow(pkg.NotInitializedError);
  });

  it('the factory validates the config up front', () => {
    expect(() => pkg.SandboxFactory.create({ kind: 'opensandbox', timeoutMs: 1000 })).toThrow(/`timeoutMs`/);
  });
});
