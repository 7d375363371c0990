import { InvalidArgumentError } from '@kode/core';
import { DEFAULT_RETRY_POLICY } from '@kode/driver';
import { describe, expect, it } from 'vitest';
import packageJson from '../package.json';
import { creatorMetadata, resolveE2BOptions, toE2BConfig, type E2BSandboxConfig } from './options';

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
    expect(() => resolveE2BOptions({ ...base, timeout: 5 } as unknown as E2BSandboxConfig, {})).toThrow(/e2b option `timeout` is not an e2b option\. Known options: kind, apiKey, .*timeoutMs/);
    expect(() => resolveE2BOptions('e2b' as unknown as E2BSandboxConfig, {})).toThrow(/e2b options must be an object/);
  });

  it('rejects a config of another kind', () => {
    expect(() => resolveE2BOptions({ kind: 'local' } as unknown as E2BSandboxConfig, {})).toThrow(/kind: 'e2b'/);
  });

  it('accepts image and env as aliases of template and envs, with one meaning', () => {
    expect(resolveE2BOptions({ ...base, image: 'custom' }, {}).template).toBe('custom');
    expect(resolveE2BOptions({ ...base, env: { A: 'x' } }, {}).envs).toEqual({ A: 'x' });
    expect(resolveE2BOptions({ ...base, template: 'same', image: 'same' }, {}).template).toBe('same');
    expect(() => resolveE2BOptions({ ...base, template: 'a', image: 'b' }, {})).toThrow(/`template` and `image`/);
    expect(() => resolveE2BOptions({ ...base, envs: { A: 'x' }, env: { A: 'y' } }, {})).toThrow(/`envs` and `env`/);
  });

  it('rejects unknown nested keys and bad retry fields, naming them', () => {
    expect(() => resolveE2BOptions({ ...base, lifecycle: { autorenew: true } } as unknown as E2BSandboxConfig, {})).toThrow(/`lifecycle.autorenew`/);
    expect(() => resolveE2BOptions({ ...base, lifecycle: { autoRenew: 'yes' as unknown as boolean } }, {})).toThrow(/lifecycle.autoRenew/);
    expect(() => resolveE2BOptions({ ...base, retry: { attempts: 0 } }, {})).toThrow(/retry.attempts/);
    expect(() => resolveE2BOptions({ ...base, retry: 'often' as unknown as boolean }, {})).toThrow(/retry/);
    expect(resolveE2BOptions({ ...base, retry: false }, {}).retry.attempts).toBe(1);
    expect(resolveE2BOptions({ ...base, lifecycle: { autoRenew: false } }, {}).autoRenew).toBe(false);
  });
});

describe('creatorMetadata', () => {
  it('names this package and its version with the keys @kode/opensandbox uses', () => {
    expect(creatorMetadata()).toEqual({ 'kode.sdk': 'kode-e2b', 'kode.version': packageJson.version });
  });
});

describe('toE2BConfig', () => {
  it('leaves the secret options out unless asked, and round-trips through the schema', () => {
    const options = resolveE2BOptions({ ...base, apiKey: 'e2b_key_123456', env: { TOKEN: 'tok-secret' }, retry: { attempts: 2 } }, {});
    const plain = toE2BConfig(options, { includeSecrets: false, sandboxId: 'i1', timeoutMs: 300_000 });
    expect(JSON.stringify(plain)).not.toMatch(/e2b_key_123456|tok-secret/);
    expect(plain).toMatchObject({ kind: 'e2b', sandboxId: 'i1', retry: { attempts: 2 }, lifecycle: { disposeAction: 'kill', autoRenew: true } });
    const full = toE2BConfig(options, { includeSecrets: true, sandboxId: 'i1', timeoutMs: 300_000 });
    expect(full).toMatchObject({ apiKey: 'e2b_key_123456', envs: { TOKEN: 'tok-secret' } });
    expect(resolveE2BOptions(full, {})).toEqual({ ...options, sandboxId: 'i1' });
  });
});
