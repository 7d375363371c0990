import { InvalidArgumentError } from '@kode/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { optionRows, optionTableDrift, parseOptions, redactSecretOptions } from './option-schema';

const schema = z.strictObject({
  kind: z.literal('demo'),
  token: z.string().optional().meta({ secret: true, env: 'DEMO_TOKEN' }),
  size: z.number().int().min(1).default(4),
  name: z.string().optional().meta({ default: "'x'" }),
  watch: z.strictObject({ mode: z.enum(['a', 'b']).default('a') }).optional().meta({ nested: true }),
});

const readme = (rows: string) => `# demo\n\n| option | default | meaning |\n|---|---|---|\n${rows}\n\nafter\n`;

describe('option schema helpers', () => {
  it('names the field, lists known keys and never quotes a secret', () => {
    const message = (input: unknown) => {
      try {
        parseOptions(schema, input, { label: 'Demo', backend: 'demo' });
      } catch (error) {
        expect(InvalidArgumentError.isInstance(error)).toBe(true);
        return (error as Error).message;
      }
      throw new Error('expected a failure');
    };
    expect(message({ kind: 'demo', size: 0 })).toBe('Demo option `size` must be at least 1, got 0.');
    expect(message({ kind: 'demo', sise: 2 })).toBe('Demo option `sise` is not a Demo option. Known options: kind, token, size, name, watch.');
    expect(message({ kind: 'demo', watch: { mode: 'c' } })).toBe('Demo option `watch.mode` must be "a" or "b", got "c".');
    expect(message({ kind: 'demo', token: 42 })).not.toContain('42');
    expect(parseOptions(schema, { kind: 'demo' }, { label: 'Demo', backend: 'demo' })).toEqual({ kind: 'demo', size: 4 });
  });

  it('derives rows and redacts secrets', () => {
    expect(optionRows(schema).map((r) => [r.name, r.default, r.env, r.secret])).toEqual([
      ['kind', undefined, undefined, false],
      ['token', undefined, 'DEMO_TOKEN', true],
      ['size', '4', undefined, false],
      ['name', "'x'", undefined, false],
      ['watch.mode', "'a'", undefined, false],
    ]);
    expect(redactSecretOptions(schema, { kind: 'demo', token: 't' }, { includeSecrets: false })).toEqual({ kind: 'demo' });
    expect(redactSecretOptions(schema, { kind: 'demo', token: 't' }, { includeSecrets: true })).toEqual({ kind: 'demo', token: 't' });
  });

  it('finds README drift in names, order and defaults', () => {
    const rows = optionRows(schema);
    const good = ['| `kind` | — | k |', '| `token` | env `DEMO_TOKEN` | t |', '| `size` | `4` (four) | s |', "| `name` | `'x'` | n |", "| `watch.mode` | `'a'` | m |"];
    expect(optionTableDrift(readme(good.join('\n')), rows)).toEqual([]);
    expect(optionTableDrift(readme(good.slice(0, 4).join('\n')), rows)).toEqual(['README lacks option watch.mode']);
    expect(optionTableDrift(readme([...good, '| `extra` | — | e |'].join('\n')), rows)).toEqual(['README lists extra, which the schema does not have']);
    expect(optionTableDrift(readme([good[1], good[0], ...good.slice(2)].join('\n')), rows)[0]).toMatch(/order/);
    expect(optionTableDrift(readme(good.join('\n').replace('`4`', '`5`')), rows)).toEqual(['README default of size is "5", the schema\'s is "4"']);
  });
});
