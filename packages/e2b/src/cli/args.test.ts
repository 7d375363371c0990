import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '@kode/core';
import { parseE2BCliArgs, USAGE } from './args';

afterEach(() => {
  vi.unstubAllEnvs();
});

function clearEnv(): void {
  for (const name of ['E2B_API_KEY', 'E2B_DOMAIN', 'E2B_API_URL']) vi.stubEnv(name, '');
}

describe('parseE2BCliArgs', () => {
  it('parses list and gc with the shared filters and the E2B server flags', () => {
    clearEnv();
    expect(parseE2BCliArgs(['list', '--api-key', 'e2b_k', '--metadata', 'a=b', '--metadata', 'c=d=e', '--state', 'Running'])).toEqual({
      kind: 'list',
      settings: { apiKey: 'e2b_k', domain: undefined, apiUrl: undefined, metadata: { a: 'b', c: 'd=e' }, states: ['running'], json: false },
    });
    expect(parseE2BCliArgs(['gc', '--metadata', 'a=b', '--older-than', '2d', '--dry-run', '--domain', 'e2b.example'])).toMatchObject({
      kind: 'gc',
      settings: { domain: 'e2b.example', metadata: { a: 'b' }, olderThanMs: 2 * 86_400_000, dryRun: true, all: false },
    });
    expect(parseE2BCliArgs(['gc', '--all'])).toMatchObject({ kind: 'gc', settings: { all: true, olderThanMs: undefined } });
    expect(parseE2BCliArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseE2BCliArgs(['-v'])).toEqual({ kind: 'version' });
    expect(USAGE).toContain('kode.sdk=kode-e2b');
  });

  it('takes the server from E2B_API_KEY, E2B_DOMAIN and E2B_API_URL unless flags are given', () => {
    vi.stubEnv('E2B_API_KEY', 'e2b_env');
    vi.stubEnv('E2B_DOMAIN', 'env.example');
    vi.stubEnv('E2B_API_URL', 'http://127.0.0.1:3000');
    expect(parseE2BCliArgs(['list'])).toMatchObject({ settings: { apiKey: 'e2b_env', domain: 'env.example', apiUrl: 'http://127.0.0.1:3000' } });
    expect(parseE2BCliArgs(['list', '--api-key', 'e2b_flag', '--api-url', 'https://api.example'])).toMatchObject({ settings: { apiKey: 'e2b_flag', apiUrl: 'https://api.example' } });
    vi.stubEnv('E2B_API_URL', 'nonsense');
    expect(() => parseE2BCliArgs(['list'])).toThrow('--api-url (from E2B_API_URL) must be an absolute http(s) URL');
  });

  it.each([
    [['gc'], 'gc needs at least one --metadata'],
    [['gc', '--metadata', 'a=b', '--older-than', '1w'], '--older-than must be a duration'],
    [['gc', '--metadata', 'a=b', '--older-than', '60'], '--older-than must be a duration'],
    [['list', '--metadata', 'novalue'], '--metadata must be key=value'],
    [['list', '--state', 'stopped'], '--state must be running or paused'],
    [['list', '--dry-run'], '--dry-run is not an option of `list`'],
    [['list', '--endpoint', 'http://x'], "Unknown option '--endpoint'"],
    [['list', '--api-url', 'not-a-url'], '--api-url must be an absolute http(s) URL'],
    [['list', 'extra'], 'Unexpected argument "extra"'],
    [['doctor'], 'Unknown command "doctor"'],
    [[], 'Missing command'],
  ])('rejects %j', (argv, message) => {
    clearEnv();
    let error: unknown;
    try {
      parseE2BCliArgs(argv);
    } catch (e) {
      error = e;
    }
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(message);
  });
});
