// The root README's "What each backend can do" table must say what each backend declares: it is
// read from the table and compared with `capabilities` of a sandbox of each kind (readable before
// init, no I/O), row by row, for every capability path of the contract.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCapability, type Sandbox } from '@kode/core';
import { E2BSandbox } from '@kode/e2b';
import { LocalSandbox } from '@kode/local';
import { OpenSandbox } from '@kode/opensandbox';
import { CAPABILITY_PATHS } from '@kode/testkit';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/repo';

const backends: Array<[string, Sandbox]> = [
  ['local', new LocalSandbox({ kind: 'local', workDir: '/tmp' })],
  ['OpenSandbox', new OpenSandbox({ kind: 'opensandbox', endpoint: 'http://127.0.0.1:9' })],
  ['E2B', new E2BSandbox({ kind: 'e2b', apiKey: 'e2b_readme_table' })],
];

/** The table between the `capabilities` markers: header cells, and capability → cells. */
function readmeTable(): { header: string[]; rows: Map<string, string[]> } {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const block = /<!-- capabilities:start -->\n([\s\S]*?)<!-- capabilities:end -->/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no <!-- capabilities:start --> … <!-- capabilities:end --> table');
  const cells = (line: string): string[] => line.split('|').slice(1, -1).map((c) => c.trim());
  const [header, , ...body] = block.trim().split('\n');
  return { header: cells(header!), rows: new Map(body.map((line) => cells(line)).map((c) => [c[0]!.replace(/`/g, ''), c.slice(1)])) };
}

describe('README capability table', () => {
  const { header, rows } = readmeTable();

  it('has a column per backend and a row per capability of the contract', () => {
    expect(header).toEqual(['capability', ...backends.map(([name]) => name)]);
    expect([...rows.keys()]).toEqual([...CAPABILITY_PATHS]);
  });

  for (const path of CAPABILITY_PATHS) {
    it(`${path} says what each backend declares`, () => {
      const row = rows.get(path) ?? [];
      backends.forEach(([name, sandbox], column) => {
        const cell = row[column] ?? '(missing)';
        expect(cell.startsWith('yes') || cell.startsWith('no'), `${path} on ${name}: "${cell}" must start with yes or no`).toBe(true);
        expect(cell.startsWith('yes'), `${path} on ${name}`).toBe(hasCapability(sandbox.capabilities, path));
      });
    });
  }
});
