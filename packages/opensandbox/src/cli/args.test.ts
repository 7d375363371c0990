import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '@kode/core';
import { parseCliArgs } from './args';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('parseCliArgs', () => {
  it('takes flags over the OPEN_SANDBOX_* variables', () => {
    vi.stubEnv('OPEN_SANDBOX_ENDPOINT', 'http://opensandbox.internal.example:8080');
    vi.stubEnv('OPEN_SANDBOX_API_KEY', 'env-key');
    vi.stubEnv('OPEN_SANDBOX_IMAGE', 'debian');
    expect(parseCliArgs(['doctor'])).toEqual({
      kind: 'doctor',
      settings: { endpoint: 'http://opensandbox.internal.example:8080', protocol: 'http', apiKey: 'env-key', image: 'debian', useServerProxy: false, watchMode: 'polling', json: false },
    });
    expect(parseCliArgs(['doctor', '--endpoint', 'https://sb.example.com/v1/', '--api-key', 'flag-key', '--image', 'python', '--use-server-proxy', '--json'])).toEqual({
      kind: 'doctor',
      settings: { endpoint: 'https://sb.example.com', protocol: 'https', apiKey: 'flag-key', image: 'python', useServerProxy: true, watchMode: 'polling', json: true },
    });
  });

  it('defaults like the backend: localhost:8080, image ubuntu, no key', () => {
    vi.stubEnv('OPEN_SANDBOX_ENDPOINT', '');
    vi.stubEnv('OPEN_SANDBOX_API_KEY', '');
    vi.stubEnv('OPEN_SANDBOX_IMAGE', '');
    vi.stubEnv('OPEN_SANDBOX_DOMAIN', '');
    expect(parseCliArgs(['doctor'])).toMatchObject({ settings: { endpoint: 'http://localhost:8080', apiKey: undefined, image: 'ubuntu' } });
  });

  it('reads --watch (default polling, like the backend)', () => {
    expect(parseCliArgs(['doctor', '--endpoint', 'http://127.0.0.1:1', '--watch', 'native'])).toMatchObject({ settings: { watchMode: 'native' } });
    expect(parseCliArgs(['doctor', '--endpoint', 'http://127.0.0.1:1'])).toMatchObject({ settings: { watchMode: 'polling' } });
  });

  it('recognises help and version', () => {
    expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseCliArgs(['doctor', '-h'])).toEqual({ kind: 'help' });
    expect(parseCliArgs(['-v'])).toEqual({ kind: 'version' });
  });

  it.each([
    [[], 'Missing command'],
    [['repair'], 'Unknown command "repair"'],
    [['doctor', 'extra'], 'Unexpected argument "extra"'],
    [['doctor', '--bogus'], "Unknown option '--bogus'"],
    [['doctor', '--endpoint'], "Option '--endpoint <value>' argument missing"],
    [['doctor', '--endpoint', 'ftp://x'], '--endpoint must use http or https'],
    [['doctor', '--watch', 'inotify'], '--watch must be polling, native or off'],
  ])('rejects %j with InvalidArgumentError', (argv, message) => {
    let caught: unknown;
    try {
      parseCliArgs(argv);
    } catch (error) {
      caught = error;
    }
    expect(InvalidArgumentError.isInstance(caught)).toBe(true);
    expect((caught as Error).message).toContain(message);
  });
});
