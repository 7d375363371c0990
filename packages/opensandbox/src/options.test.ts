import { InvalidArgumentError } from '@kode/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveOptions } from './options';

afterEach(() => {
  vi.unstubAllEnvs();
});

function clearEnv(): void {
  vi.stubEnv('OPEN_SANDBOX_API_KEY', '');
  vi.stubEnv('OPEN_SANDBOX_ENDPOINT', '');
  vi.stubEnv('OPEN_SANDBOX_IMAGE', '');
  vi.stubEnv('OPEN_SANDBOX_DOMAIN', '');
}

function invalid(options: unknown): InvalidArgumentError {
  try {
    resolveOptions(options);
  } catch (error) {
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    return error as InvalidArgumentError;
  }
  throw new Error('expected InvalidArgumentError');
}

describe('resolveOptions', () => {
  it('applies the seed defaults', () => {
    clearEnv();
    const o = resolveOptions({ kind: 'opensandbox' });
    expect(o).toMatchObject({
      endpoint: 'http://localhost:8080',
      protocol: 'http',
      image: 'ubuntu',
      workDir: '/workspace',
      timeoutMs: 600_000,
      execTimeoutMs: 120_000,
      useServerProxy: false,
      watch: { mode: 'polling', pollIntervalMs: 1000 },
      disposeAction: 'kill',
      apiKey: undefined,
      sandboxId: undefined,
    });
  });

  it('reads the three environment variables', () => {
    clearEnv();
    vi.stubEnv('OPEN_SANDBOX_API_KEY', 'key-from-env');
    vi.stubEnv('OPEN_SANDBOX_ENDPOINT', 'https://sandbox.example.com:9443/api/v1/');
    vi.stubEnv('OPEN_SANDBOX_IMAGE', 'debian:latest');
    const o = resolveOptions({ kind: 'opensandbox' });
    expect(o.apiKey).toBe('key-from-env');
    expect(o.endpoint).toBe('https://sandbox.example.com:9443/api');
    expect(o.protocol).toBe('https');
    expect(o.image).toBe('debian:latest');
  });

  it('lets explicit options win over the environment', () => {
    clearEnv();
    vi.stubEnv('OPEN_SANDBOX_API_KEY', 'env-key');
    vi.stubEnv('OPEN_SANDBOX_ENDPOINT', 'http://env-host:1');
    vi.stubEnv('OPEN_SANDBOX_IMAGE', 'env-image');
    const o = resolveOptions({ kind: 'opensandbox', apiKey: 'opt-key', endpoint: 'http://opt-host:2', image: 'opt-image' });
    expect([o.apiKey, o.endpoint, o.image]).toEqual(['opt-key', 'http://opt-host:2', 'opt-image']);
    expect(resolveOptions({ kind: 'opensandbox', domain: 'dom:3' }).endpoint).toBe('http://dom:3');
  });

  it('makes endpoint win over domain + protocol', () => {
    clearEnv();
    const o = resolveOptions({ kind: 'opensandbox', endpoint: 'http://a:1', domain: 'b:2', protocol: 'https' });
    expect(o.endpoint).toBe('http://a:1');
    expect(o.protocol).toBe('http');
    expect(resolveOptions({ kind: 'opensandbox', domain: 'b:2/prefix', protocol: 'https' })).toMatchObject({ endpoint: 'https://b:2/prefix', protocol: 'https' });
  });

  it('treats template as an alias of image', () => {
    clearEnv();
    expect(resolveOptions({ kind: 'opensandbox', template: 'python:3.12' }).image).toBe('python:3.12');
    expect(resolveOptions({ kind: 'opensandbox', template: 'x', image: 'x' }).image).toBe('x');
    expect(invalid({ kind: 'opensandbox', template: 'x', image: 'y' }).message).toContain('`template`');
  });

  it.each([
    [{ kind: 'local' }, '`kind`'],
    [{ kind: 'opensandbox', timeoutMs: 59_999 }, '`timeoutMs`'],
    [{ kind: 'opensandbox', timeoutMs: Number.NaN }, '`timeoutMs`'],
    [{ kind: 'opensandbox', execTimeoutMs: -1 }, '`execTimeoutMs`'],
    [{ kind: 'opensandbox', endpoint: '127.0.0.1:8080' }, '`endpoint`'],
    [{ kind: 'opensandbox', endpoint: 'ftp://host' }, '`endpoint`'],
    [{ kind: 'opensandbox', protocol: 'ws' }, '`protocol`'],
    [{ kind: 'opensandbox', workDir: 'relative' }, '`workDir`'],
    [{ kind: 'opensandbox', image: '' }, '`image`'],
    [{ kind: 'opensandbox', sandboxId: 42 }, '`sandboxId`'],
    [{ kind: 'opensandbox', apiKey: 1 }, '`apiKey`'],
    [{ kind: 'opensandbox', requestTimeoutSeconds: 0 }, '`requestTimeoutSeconds`'],
    [{ kind: 'opensandbox', useServerProxy: 'yes' }, '`useServerProxy`'],
    [{ kind: 'opensandbox', env: { A: 1 } }, '`env.A`'],
    [{ kind: 'opensandbox', metadata: [] }, '`metadata`'],
    [{ kind: 'opensandbox', resource: { cpu: 2 } }, '`resource.cpu`'],
    [{ kind: 'opensandbox', networkPolicy: 'deny' }, '`networkPolicy`'],
    [{ kind: 'opensandbox', skipHealthCheck: 1 }, '`skipHealthCheck`'],
    [{ kind: 'opensandbox', readyTimeoutSeconds: -5 }, '`readyTimeoutSeconds`'],
    [{ kind: 'opensandbox', healthCheckPollingInterval: 0 }, '`healthCheckPollingInterval`'],
    [{ kind: 'opensandbox', watch: { mode: 'inotify' } }, '`watch.mode`'],
    [{ kind: 'opensandbox', watch: { pollIntervalMs: 50 } }, '`pollIntervalMs`'],
    [{ kind: 'opensandbox', watch: { interval: 50 } }, '`watch.interval`'],
    [{ kind: 'opensandbox', lifecycle: { disposeAction: 'pause' } }, '`lifecycle.disposeAction`'],
    [{ kind: 'opensandbox', timeoutMS: 60_000 }, '`timeoutMS`'],
  ])('rejects %j naming %s', (options, field) => {
    const error = invalid(options);
    expect(error.message).toContain(field);
    expect(error.code).toBe('INVALID_ARGUMENT');
  });

  it('rejects a non-object', () => {
    expect(invalid(null).code).toBe('INVALID_ARGUMENT');
    expect(invalid('opensandbox').code).toBe('INVALID_ARGUMENT');
  });

  it('normalises workDir and keeps copies of records', () => {
    clearEnv();
    const env = { A: '1' };
    const o = resolveOptions({ kind: 'opensandbox', workDir: '/srv//app/', env });
    expect(o.workDir).toBe('/srv/app');
    env.A = '2';
    expect(o.env).toEqual({ A: '1' });
  });
});
