import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@kode/core';
import { describe, expect, it } from 'vitest';
import { importBackend, loadSandboxConfig, parseMcpCliArgs } from '../src/index';
import { tempDir } from './helpers';

async function rejection(promise: Promise<unknown>): Promise<InvalidArgumentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(InvalidArgumentError.isInstance(error), `expected InvalidArgumentError, got ${String(error)}`).toBe(true);
  return error as InvalidArgumentError;
}

describe('parseMcpCliArgs', () => {
  it('defaults to stdio and reads --config', () => {
    expect(parseMcpCliArgs([])).toEqual({ kind: 'serve', configFile: undefined, transport: { kind: 'stdio' } });
    expect(parseMcpCliArgs(['--config', 'a.json'])).toEqual({ kind: 'serve', configFile: 'a.json', transport: { kind: 'stdio' } });
  });

  it('serves HTTP on 127.0.0.1 unless --host is given', () => {
    expect(parseMcpCliArgs(['--http', '8123'])).toEqual({ kind: 'serve', configFile: undefined, transport: { kind: 'http', port: 8123, host: '127.0.0.1' } });
    expect(parseMcpCliArgs(['--http', '0', '--host', 'localhost'])).toMatchObject({ transport: { kind: 'http', port: 0, host: 'localhost' } });
  });

  it('answers help and version', () => {
    expect(parseMcpCliArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseMcpCliArgs(['-v'])).toEqual({ kind: 'version' });
  });

  it.each([
    [['--http', 'eighty'], /port number/],
    [['--http', '70000'], /port number/],
    [['--host', '127.0.0.1'], /only applies with --http/],
    [['--nope'], /Unknown option/],
    [['serve'], /positional/i],
    [['--config', ''], /needs a file path/],
  ])('rejects %j', (args, message) => {
    expect(() => parseMcpCliArgs(args)).toThrow(InvalidArgumentError);
    expect(() => parseMcpCliArgs(args)).toThrow(message);
  });
});

describe('loadSandboxConfig', () => {
  it('reads the file given by --config, which wins over KODE_SANDBOX_CONFIG', async () => {
    const tmp = await tempDir();
    try {
      const file = join(tmp.dir, 'sandbox.json');
      await writeFile(file, JSON.stringify({ kind: 'local', workDir: tmp.dir }));
      expect(await loadSandboxConfig({ configFile: file, env: { KODE_SANDBOX_CONFIG: '{"kind":"e2b"}' } })).toEqual({ kind: 'local', workDir: tmp.dir });
    } finally {
      await tmp.close();
    }
  });

  it('reads the JSON text of KODE_SANDBOX_CONFIG', async () => {
    expect(await loadSandboxConfig({ env: { KODE_SANDBOX_CONFIG: ' {"kind":"opensandbox","endpoint":"http://127.0.0.1:1"} ' } })).toEqual({ kind: 'opensandbox', endpoint: 'http://127.0.0.1:1' });
  });

  it('says what is missing when there is no config', async () => {
    const error = await rejection(loadSandboxConfig({ env: {} }));
    expect(error.message).toMatch(/--config FILE.json or set KODE_SANDBOX_CONFIG/);
  });

  it('names an unreadable file and its error code', async () => {
    const error = await rejection(loadSandboxConfig({ configFile: '/nonexistent/kode.json', env: {} }));
    expect(error.message).toContain('/nonexistent/kode.json (ENOENT)');
  });

  it('rejects invalid JSON with its position, never quoting the text (it may hold a key)', async () => {
    const error = await rejection(loadSandboxConfig({ env: { KODE_SANDBOX_CONFIG: '{"kind":"opensandbox","apiKey":"sk-secret-123" x}' } }));
    expect(error.message).toMatch(/KODE_SANDBOX_CONFIG is not valid JSON \(error at position \d+/);
    expect(`${error.message} ${error.hint ?? ''}`).not.toContain('sk-secret');
  });

  it.each([
    ['[]', /must be a JSON object/],
    ['"local"', /must be a JSON object/],
    ['{}', /non-empty string "kind"/],
    ['{"kind":7}', /non-empty string "kind"/],
  ])('rejects %s', async (text, message) => {
    const error = await rejection(loadSandboxConfig({ env: { KODE_SANDBOX_CONFIG: text } }));
    expect(error.message).toMatch(message);
  });
});

describe('importBackend', () => {
  it('imports the package of a built-in kind (registering it) and leaves other kinds to the factory', async () => {
    await expect(importBackend('local')).resolves.toBeUndefined();
    await expect(importBackend('my-own-kind')).resolves.toBeUndefined();
  });
});
