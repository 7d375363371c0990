import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { optionTableDrift } from '@kode/driver';
import { describe, expect, it } from 'vitest';
import { openSandboxOptionRows, toOpenSandboxConfig, resolveOptions } from './options';

describe('OpenSandbox options schema', () => {
  it('matches the README options table (names, order, defaults)', async () => {
    const readme = await readFile(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(optionTableDrift(readme, openSandboxOptionRows())).toEqual([]);
  });

  it('marks apiKey and env secret, and toConfig leaves them out unless asked', () => {
    expect(openSandboxOptionRows().filter((r) => r.secret).map((r) => r.name)).toEqual(['apiKey', 'env']);
    const o = resolveOptions({ kind: 'opensandbox', endpoint: 'http://127.0.0.1:1', apiKey: 'sk-1', env: { A: '1' }, volumes: [{ name: 'v', pvc: { claimName: 'c' }, mountPath: '/v' }], entrypoint: ['sleep', 'infinity'] });
    const config = toOpenSandboxConfig(o, { includeSecrets: false, sandboxId: 'id' });
    expect(config).not.toHaveProperty('apiKey');
    expect(config).not.toHaveProperty('env');
    expect(config).toMatchObject({ volumes: [{ name: 'v', pvc: { claimName: 'c' }, mountPath: '/v' }], entrypoint: ['sleep', 'infinity'], sandboxId: 'id' });
    expect(toOpenSandboxConfig(o, { includeSecrets: true, sandboxId: 'id' })).toMatchObject({ apiKey: 'sk-1', env: { A: '1' } });
    // The config is itself valid options (restore).
    expect(() => resolveOptions(JSON.parse(JSON.stringify(config)))).not.toThrow();
  });
});
