// Regenerates the case and mutant tables of packages/testkit/README.md from the case and mutant data.
// Usage: pnpm --filter @kode/testkit gen:readme
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withCaseTable } from './case-table';
import { withMutantTable } from './mutant-table';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const before = readFileSync(readmePath, 'utf8');
const after = withMutantTable(withCaseTable(before));
if (after !== before) writeFileSync(readmePath, after);
process.stdout.write(after === before ? 'README.md tables are up to date.\n' : 'README.md tables regenerated.\n');
