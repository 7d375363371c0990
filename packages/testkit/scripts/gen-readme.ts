// Regenerates the case table of packages/testkit/README.md from the case data.
// Usage: pnpm --filter @kode/testkit gen:readme
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withCaseTable } from './case-table';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const before = readFileSync(readmePath, 'utf8');
const after = withCaseTable(before);
if (after !== before) writeFileSync(readmePath, after);
process.stdout.write(after === before ? 'README.md case table is up to date.\n' : 'README.md case table regenerated.\n');
