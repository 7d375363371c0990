import * as core from '@kode/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as pkg from './index';

describe('@kode/e2b entry point', () => {
  it('re-exports every runtime export of @kode/core, as the same objects (what the README promises)', () => {
    for (const [name, value] of Object.entries(core)) {
      expect(pkg, `missing re-export ${name}`).toHaveProperty(name);
      expect((pkg as Record<string, unknown>)[name], name).toBe(value);
    }
  });

  it('re-exports the core types', () => {
    expectTypeOf<pkg.Sandbox>().toEqualTypeOf<core.Sandbox>();
    expectTypeOf<pkg.SandboxCapabilities>().toEqualTypeOf<core.SandboxCapabilities>();
    expectTypeOf<pkg.WatchEvent>().toEqualTypeOf<core.WatchEvent>();
    expectTypeOf<pkg.SandboxFactoryConfig>().toEqualTypeOf<core.SandboxFactoryConfig>();
  });

  it("registers kind 'e2b' on import", () => {
    expect(pkg.SandboxFactory.has('e2b')).toBe(true);
    expect(pkg.SandboxFactory.create({ kind: 'e2b', apiKey: 'e2b_test' })).toBeInstanceOf(pkg.E2BSandbox);
  });
});
