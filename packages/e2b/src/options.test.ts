import { InvalidArgumentError } from '@kode/core';
import { DEFAULT_RETRY_POLICY } from '@kode/driver';
import { describe, expect, it } from 'vitest';
import { resolveE2BOptions, type E2BSandboxConfig } from './options';

const base: E2BSandboxConfig = { kind: 'e2b' };

describe('resolveE2BOptions', () => {
  it('fills the documented defaults', () => {
    expect(resolveE2BOptions(base, {})).toEqual({
      apiKey: undefined,
      sandboxId: undefined,
      template: 'base',
      timeoutMs: 300_000,
      execTimeoutMs: 120_000,
      requestTimeoutMs: undefined,
      envs: undefined,
      metadata: undefined,
      domain: undefined,
      workDir: '/home/user',
      watch: undefined,
      disposeAction: 'kill',
      autoRenew: true,
      retry: DEFAULT_RETRY_POLICY,
      retryOption: undefined,
      apiUrl: undefined,
      sandboxUrl: undefined,
      debug: undefined,
    });
  });

  it('takes the key from E2B_API_KEY unless given, and trims URLs and workDir', () => {
    expect(resolveE2BOptions(base, { E2B_API_KEY: 'e2b_env' }).apiKey).toBe('e2b_env');
    expect(resolveE2BOptions({ ...base, apiKey: 'e2b_opt' }, { E2B_API_KEY: 'e2b_env' }).apiKey).toBe('e2b_opt');
    expect(resolveE2BOptions({ ...base, apiUrl: 'http://127.0.0.1:3000/', workDir: '/work/' }, {})).toMatchObject({ apiUrl: 'http://127.0.0.1:3000', workDir: '/work' });
  });

  it.each<[string, Partial<E2BSandboxConfig>]>([
    ['timeoutMs', { timeoutMs: 999 }],
    ['timeoutMs', { timeoutMs: 86_400_001 }],
    ['timeoutMs', { timeoutMs: 1.5 }],
    ['execTimeoutMs', { execTimeoutMs: -1 }],
    ['requestTimeoutMs', { requestTimeoutMs: 0 }],
    ['workDir', { workDir: 'relative/dir' }],
    ['template', { template: '' }],
    ['sandboxId', { sandboxId: '  ' }],
    ['envs', { envs: { A: 1 as unknown as string } }],
    ['metadata', { metadata: [] as unknown as Record<string, string> }],
    ['disposeAction', { lifecycle: { disposeAction: 'pause' as 'kill' } }],
    ['apiUrl', { apiUrl: 'not a url' }],
    ['sandboxUrl', { sandboxUrl: 'file:///x' }],
    ['debug', { debug: 'yes' as unknown as boolean }],
  ])('rejects a bad %s', (name, patch) => {
    let error: unknown;
    try {
      resolveE2BOptions({ ...base, ...patch }, {});
    } catch (e) {
      error = e;
    }
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(name);
  });

  it('rejects unknown keys, naming them', () => {
    expect(() => resolveE2BOptions({ ...base, timeout: 5 } as unknown as E2BSandboxConfig, {})).toThrow(/Unknown e2b option `timeout`/);
  });

  it('rejects a config of another kind', () => {
    expect(() => resolveE2BOptions({ kind: 'local' } as unknown as E2BSandboxConfig, {})).toThrow(/kind: 'e2b'/);
  });
});
