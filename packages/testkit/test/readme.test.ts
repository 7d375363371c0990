import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCaseTable, withCaseTable } from '../scripts/case-table';
import { conformanceCases } from '../src/conformance-cases';

describe('README case table', () => {
  it('is up to date (run `pnpm --filter @kode/testkit gen:readme` after changing cases)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(withCaseTable(readme)).toBe(readme);
  });

  it('lists every case id exactly once', () => {
    const table = renderCaseTable();
    for (const kase of conformanceCases) expect(table.split(`| \`${kase.id}\` |`).length - 1, kase.id).toBe(1);
  });
});
