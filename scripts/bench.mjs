#!/usr/bin/env node
// `pnpm bench [name…]`: runs packages/<pkg>/bench/*.bench.ts (all, or those whose package or file
// name contains one of the given names), each in its own Node process on TypeScript sources.
// Benchmarks print medians and ratios measured in the same run; they never fail on a threshold.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const filters = process.argv.slice(2);
const root = join(import.meta.dirname, '..');
const files = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', pkg, 'bench');
  if (!existsSync(dir)) continue;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort()) {
    if (filters.length === 0 || filters.some((f) => pkg.includes(f) || file.includes(f))) files.push(join(dir, file));
  }
}
if (files.length === 0) {
  console.error(`No benchmark matches ${filters.join(', ') || '(any)'}. Benchmarks live in packages/*/bench/*.bench.ts.`);
  process.exit(1);
}
let failed = 0;
for (const file of files) {
  console.log(`\n### ${file.slice(root.length + 1)}`);
  const run = spawnSync(process.execPath, ['--conditions=@kode/source', '--import', 'tsx', file], { stdio: 'inherit', cwd: root });
  if (run.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
