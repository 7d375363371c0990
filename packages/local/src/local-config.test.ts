import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@kode/core';
import { optionTableDrift } from '@kode/driver';
import { describe, expect, it } from 'vitest';
import { localOptionRows, resolveLocalConfig } from './local-config';

function messageOf(config: unknown): string {
  try {
    resolveLocalConfig(config);
  } catch (error) {
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected InvalidArgumentError');
}

describe('LocalSandbox config schema', () => {
  it('matches the README options table (names, order, defaults)', async () => {
    const readme = await readFile(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(optionTableDrift(readme, localOptionRows())).toEqual([]);
  });

  it('marks env secret', () => {
    expect(localOptionRows().filter((r) => r.secret).map((r) => r.name)).toEqual(['env']);
  });

  it.each([
    [{ kind: 'local', workdir: '/tmp' }, '`workdir`'],
    [{ kind: 'local', watch: { interval: 100 } }, '`watch.interval`'],
    [{ kind: 'local', watch: { mode: 'inotify' } }, '`watch.mode`'],
    [{ kind: 'local', watch: { pollIntervalMs: 10 } }, '`watch.pollIntervalMs`'],
    [{ kind: 'local', execTimeoutMs: 2 ** 31 }, '`execTimeoutMs`'],
    [{ kind: 'local', allowPaths: ['ok', ''] }, '`allowPaths[1]`'],
    [{ kind: 'local', sandboxId: 7 }, '`sandboxId`'],
  ])('names the field of %j', (config, field) => {
    expect(messageOf(config)).toContain(field);
  });

  it('never quotes env values', () => {
    expect(messageOf({ kind: 'local', env: { TOKEN: 12345678 } })).not.toContain('12345678');
  });
});
