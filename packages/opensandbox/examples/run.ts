// Runs one example by name, or all of them: `pnpm --filter @kode/opensandbox example [name]`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const all = ['quick-start', 'factory-config', 'instance', 'restore'];
const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : all;
let failed = 0;
for (const name of names) {
  if (!all.includes(name)) {
    console.error(`Unknown example ${name}; pick one of ${all.join(', ')}.`);
    process.exit(2);
  }
  console.log(`\n## ${name}`);
  const run = spawnSync(process.execPath, ['--conditions=@kode/source', '--import', 'tsx', join(import.meta.dirname, `${name}.ts`)], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
