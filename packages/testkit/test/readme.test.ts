import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCaseTable, withCaseTable } from '../scripts/case-table';
import { renderMutantTable, withMutantTable } from '../scripts/mutant-table';
import { conformanceCases } from '../src/conformance-cases';
import { conformanceMutants } from '../src/mutants';

describe('README case table', () => {
  it('is up to date (run `pnpm --filter @kode/testkit gen:readme` after changing cases)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(withCaseTable(readme)).toBe(readme);
  });

  it('mutant table is up to date (run `pnpm --filter @kode/testkit gen:readme` after changing mutants)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(withMutantTable(readme)).toBe(readme);
    const table = renderMutantTable();
    for (const mutant of conformanceMutants) expect(table.split(`| \`${mutant.id}\` |`).length - 1, mutant.id).toBe(1);
  });

  it('lists every case id exactly once', () => {
    const table = renderCaseTable();
    for (const kase of conformanceCases) expect(table.split(`| \`${kase.id}\` |`).length - 1, kase.id).toBe(1);
  });
});
