#!/usr/bin/env node
// The one test command (`npm test` / `pnpm test` after setup): build, lint, typecheck, then every
// vitest project (unit tests, the conformance kit against every backend, packaging and publishing
// tests). Ends with one plain line `N passed, N failed, N skipped` (also written to
// .test-results/summary.txt; it names host tools that are missing, e.g. inotifywait or rg, whose
// tests were skipped) and exits non-zero when anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const results = join(root, '.test-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];

const stage = (name, command, args) => {
  console.log(`\n\u25b8 ${name}: ${[command, ...args].join(' ')}`);
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status === 0) {
    console.log(`\u2714 ${name} (${seconds} s)`);
    return true;
  }
  console.log(`\u2716 ${name} failed (${seconds} s)`);
  return false;
};

// Build, lint and typecheck each count as one check.
for (const [name, args] of [
  ['build', ['run', 'build']],
  ['lint', ['run', 'lint']],
  ['typecheck', ['run', 'typecheck']],
]) {
  if (stage(name, 'pnpm', args)) passed++;
  else {
    failed++;
    failures.push(name);
  }
}

const report = join(results, 'vitest.json');
stage('vitest', 'pnpm', ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests ?? 0;
  failed += json.numFailedTests ?? 0;
  skipped += (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
  // A test file that failed to load has no tests but is still a failure.
  for (const file of json.testResults ?? []) {
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) {
      failed++;
      failures.push(file.name);
    }
  }
  for (const file of json.testResults ?? []) {
    for (const test of file.assertionResults ?? []) if (test.status === 'failed') failures.push(test.fullName);
  }
} else {
  failed++;
  failures.push('vitest produced no report');
}

if (failures.length > 0) {
  console.log(`\nFailures (${failures.length}):`);
  for (const f of failures.slice(0, 50)) console.log(`  - ${f}`);
}
// Host tools some tests need: without them those tests are skipped (native watch, the rg grep
// engine), so the summary names what is missing instead of letting the count drop silently.
const HOST_TOOLS = [
  ['inotifywait', 'native-watch tests'],
  ['rg', 'rg-engine tests'],
];
const missing = HOST_TOOLS.filter(([tool]) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0);
const summary = `${passed} passed, ${failed} failed, ${skipped} skipped${
  missing.length > 0 ? ` (missing host tools: ${missing.map(([tool, tests]) => `${tool} - ${tests} skipped`).join('; ')})` : ''
}`;
writeFileSync(join(results, 'summary.txt'), `${summary}\n`);
console.log(`\n${summary}`);
process.exit(failed === 0 ? 0 : 1);
