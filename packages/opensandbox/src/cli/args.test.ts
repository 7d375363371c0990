import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '@kode/core';
import { parseCliArgs, parseDuration } from './args';

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

describe('parseCliArgs list / gc', () => {
  it('parses list and gc filters', () => {
    expect(parseCliArgs(['list', '--endpoint', 'http://127.0.0.1:1', '--metadata', 'a=b', '--metadata', 'c=d=e', '--state', 'Running'])).toEqual({
      kind: 'list',
      settings: { endpoint: 'http://127.0.0.1:1', apiKey: undefined, metadata: { a: 'b', c: 'd=e' }, states: ['Running'], json: false },
    });
    expect(parseCliArgs(['gc', '--endpoint', 'http://127.0.0.1:1', '--metadata', 'a=b', '--older-than', '2d', '--dry-run'])).toMatchObject({
      kind: 'gc',
      settings: { metadata: { a: 'b' }, olderThanMs: 2 * 86_400_000, dryRun: true, all: false },
    });
    expect(parseCliArgs(['gc', '--endpoint', 'http://127.0.0.1:1', '--all'])).toMatchObject({ kind: 'gc', settings: { all: true, olderThanMs: undefined } });
  });

  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['2d', 172_800_000],
  ])('reads the duration %s', (text, ms) => {
    expect(parseDuration(text, '--older-than')).toBe(ms);
  });

  it.each([
    [['gc', '--endpoint', 'http://127.0.0.1:1'], 'gc needs at least one --metadata'],
    [['gc', '--metadata', 'a=b', '--older-than', '1w'], '--older-than must be a duration'],
    [['gc', '--metadata', 'a=b', '--older-than', '60'], '--older-than must be a duration'],
    [['list', '--metadata', 'novalue'], '--metadata must be key=value'],
    [['list', '--dry-run'], '--dry-run is not an option of `list`'],
    [['doctor', '--metadata', 'a=b'], '--metadata is not an option of `doctor`'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});
