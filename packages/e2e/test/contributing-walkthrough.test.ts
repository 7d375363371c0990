// CONTRIBUTING.md's "Adding a backend" walks a backend author through the example backend of
// examples/driver-backend. This keeps the walk-through and the code together: every file the
// section names exists, each step's identifiers are both in the text and in the file it points
// to, and the example stays a small driver (≤ 400 lines, no workspace package but core, watch and
// driver). The example's kit run is example-driver.conformance.test.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/repo';

const contributing = readFileSync(join(repoRoot, 'CONTRIBUTING.md'), 'utf8');
const start = contributing.indexOf('## Adding a backend');
const next = contributing.indexOf('\n## ', start + 1);
const section = start < 0 ? '' : contributing.slice(start, next < 0 ? undefined : next);
const exampleDir = join(repoRoot, 'examples/driver-backend');
const read = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');

/** Each step's file and the identifiers the section says it holds. */
const STEPS: ReadonlyArray<{ file: string; names: readonly string[] }> = [
  { file: 'examples/driver-backend/src/example-driver.ts', names: ['defineCapabilities', 'EXAMPLE_CAPABILITIES', 'ExampleDriver implements SandboxDriverV1', 'assertOptions', 'checkTimeMs', 'checkEnv', 'resolveWatchConfig', 'secrets', 'toConfig'] },
  { file: 'examples/driver-backend/src/host-fs.ts', names: ['HostFs', 'DriverFs', 'hostWatchPort', 'WatchPort', 'snapshot'] },
  { file: 'examples/driver-backend/src/host-errors.ts', names: ['toSandboxError'] },
  { file: 'examples/driver-backend/src/example-sandbox.ts', names: ['class ExampleSandbox extends DriverSandbox', 'super(new ExampleDriver(config))'] },
  { file: 'examples/driver-backend/src/index.ts', names: ['SandboxFactory.register', "kind: 'example'", "packageName: '@kode/example-driver'"] },
  { file: 'packages/e2e/test/example-driver.conformance.test.ts', names: ['describeConformance', 'toolsConformanceCases', 'extraCases'] },
  { file: 'packages/tools/src/conformance-cases.ts', names: ['toolsConformanceCases'] },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('CONTRIBUTING.md "Adding a backend" matches the example backend', () => {
  it('has the section', () => {
    expect(section.length).toBeGreaterThan(0);
  });

  it('names only files that exist', () => {
    const paths = new Set<string>();
    for (const match of section.matchAll(/(?:`|\]\()((?:examples|packages|docs)\/[^`)\s#]+)/g)) {
      if (!match[1]!.includes('<')) paths.add(match[1]!.replace(/\/$/, ''));
    }
    expect(paths.size).toBeGreaterThan(5);
    const missing = [...paths].filter((path) => !existsSync(join(repoRoot, path)));
    expect(missing, 'files named in CONTRIBUTING.md that do not exist').toEqual([]);
  });

  it.each(STEPS)('$file holds what the section says', ({ file, names }) => {
    expect(section, `CONTRIBUTING.md names ${file}`).toContain(file);
    const text = read(file);
    for (const name of names) {
      expect(section, `CONTRIBUTING.md names ${name}`).toContain(name);
      expect(text, `${file} contains ${name}`).toContain(name);
    }
  });

  it('the example is a driver of at most 400 lines of non-test source', () => {
    const lines = sourceFiles(join(exampleDir, 'src')).reduce((sum, file) => sum + readFileSync(file, 'utf8').split('\n').filter((_, i, all) => i < all.length - 1 || all[i] !== '').length, 0);
    expect(lines).toBeGreaterThan(100);
    expect(lines).toBeLessThanOrEqual(400);
  });

  it('the example is private and depends on no workspace package but core, watch and driver', () => {
    const manifest = JSON.parse(read('examples/driver-backend/package.json')) as { private?: boolean; dependencies?: Record<string, string> };
    expect(manifest.private).toBe(true);
    expect(Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith('@kode/')).sort()).toEqual(['@kode/core', '@kode/driver', '@kode/watch']);
    for (const file of sourceFiles(join(exampleDir, 'src'))) {
      const imports = [...readFileSync(file, 'utf8').matchAll(/from '(@kode\/[^']+)'/g)].map((m) => m[1]);
      expect(imports.filter((name) => !['@kode/core', '@kode/driver', '@kode/watch'].includes(name!)), file).toEqual([]);
    }
  });
});
