// Packaging checks for every published package: publint (strict), Are-The-Types-Wrong, and the
// tarball's file list (no tests, fixtures or build configs). The tarballs are packed once with
// `npm pack` into a temporary folder; their file lists and sizes are printed and written to
// .test-results/packaging.{md,json} for the release notes.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, formatBytes, publishedPackages, repoRoot, rootBin, run } from './support/repo';

interface PackedFile {
  path: string;
  size: number;
}
interface PackResult {
  name: string;
  version: string;
  size: number;
  unpackedSize: number;
  filename: string;
  files: PackedFile[];
}

/** Paths that must never be published. */
const FORBIDDEN: ReadonlyArray<[RegExp, string]> = [
  [/(^|\/)(test|tests|__tests__|__fixtures__|fixtures|__mocks__|bench|coverage)\//, 'test, fixture or bench folder'],
  [/\.(test|spec|test-d|bench)\.[cm]?[jt]sx?$/, 'test file'],
  [/(^|\/)(vitest|vite|tsup|eslint)\.config\.[cm]?[jt]s$/, 'build or test config'],
  [/(^|\/)tsconfig(\.[\w-]+)?\.json$/, 'tsconfig'],
  [/\.tsbuildinfo$|\.tgz$|(^|\/)\.turbo\//, 'build artefact'],
];

const packages = publishedPackages();
const tmp = mkdtempSync(join(tmpdir(), 'kode-packaging-'));
const packs = new Map<string, PackResult>();

beforeAll(async () => {
  await ensureBuilt();
  // Pack each package once; attw and publint read these tarballs, the file-list tests their listing.
  for (const pkg of packages) {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tmp, '--loglevel=error'], { cwd: pkg.dir, timeoutMs: 60_000 });
    const [result] = JSON.parse(stdout) as PackResult[];
    packs.set(pkg.name, result!);
  }
}, 360_000);

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  if (packs.size === 0) return;
  const rows = [...packs.values()].map((p) => `| ${p.name} | ${p.version} | ${formatBytes(p.size)} | ${formatBytes(p.unpackedSize)} | ${p.files.length} |`);
  const lists = [...packs.values()].map((p) => [`### ${p.name}`, '', ...p.files.map((f) => `- ${f.path} (${formatBytes(f.size)})`), ''].join('\n'));
  const markdown = ['| package | version | tarball | unpacked | files |', '| --- | --- | --- | --- | --- |', ...rows, '', ...lists].join('\n');
  const results = join(repoRoot, '.test-results');
  mkdirSync(results, { recursive: true });
  writeFileSync(join(results, 'packaging.md'), `${markdown}\n`);
  writeFileSync(join(results, 'packaging.json'), `${JSON.stringify([...packs.values()], null, 2)}\n`);
  process.stdout.write(`\nPublished tarballs (npm pack):\n${['| package | version | tarball | unpacked | files |', ...rows].join('\n')}\n`);
});

/** The `bin` entries of a package's manifest: command name → path inside the package. */
function binsOf(dir: string): Array<[string, string]> {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
  return Object.entries(manifest.bin ?? {}).map(([name, path]) => [name, path.replace(/^\.\//, '')]);
}

const packOf = (name: string): PackResult => {
  const pack = packs.get(name);
  if (!pack) throw new Error(`${name} was not packed (see the beforeAll error)`);
  return pack;
};

describe.each(packages)('$name', (pkg) => {
  it('ships no tests, fixtures or build configs', () => {
    const offending = packOf(pkg.name).files.flatMap((file) => FORBIDDEN.filter(([pattern]) => pattern.test(file.path)).map(([, why]) => `${file.path} (${why})`));
    expect(offending).toEqual([]);
  });

  it('ships its build output and manifest', () => {
    const paths = packOf(pkg.name).files.map((file) => file.path);
    expect(paths).toContain('package.json');
    expect(paths.some((path) => path.startsWith('dist/'))).toBe(true);
  });

  it('passes publint --strict', async () => {
    const tarball = readFileSync(join(tmp, packOf(pkg.name).filename));
    const { messages, pkg: manifest } = await publint({ strict: true, level: 'suggestion', pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) } });
    const text = (message: (typeof messages)[number]) => `${message.type}: ${formatMessage(message, manifest) ?? message.code}`;
    // Like `publint --strict`: warnings count as errors; suggestions are printed, not fatal.
    const suggestions = messages.filter((message) => message.type === 'suggestion');
    if (suggestions.length > 0) process.stdout.write(`publint suggestions for ${pkg.name}:\n${suggestions.map((m) => `  ${text(m)}`).join('\n')}\n`);
    expect(messages.filter((message) => message.type !== 'suggestion').map(text)).toEqual([]);
  });

  it(`passes Are-The-Types-Wrong (profile ${pkg.esmOnly ? 'esm-only' : 'strict'})`, async () => {
    const args = [join(tmp, packOf(pkg.name).filename), '--format', 'json', '--profile', pkg.esmOnly ? 'esm-only' : 'strict'];
    const { stdout, code } = await run(rootBin('attw'), args, { timeoutMs: 60_000, check: false });
    const report = JSON.parse(stdout) as { problems?: Record<string, Array<{ kind: string; entrypoint?: string; resolutionKind?: string }>> };
    const ignored = pkg.esmOnly ? new Set(['node10', 'node16-cjs']) : new Set<string>();
    const problems = Object.values(report.problems ?? {})
      .flat()
      .filter((problem) => problem.resolutionKind === undefined || !ignored.has(problem.resolutionKind))
      .map((problem) => `${problem.kind} at ${problem.entrypoint ?? '?'} (${problem.resolutionKind ?? 'all'})`);
    expect(problems).toEqual([]);
    expect(code).toBe(0);
  });
});

// Every command a package declares ships in its tarball with the file it loads, starts with a
// node shebang, and answers `--help` with its usage (exit 0), run from the built workspace package.
describe.each(packages.filter((pkg) => binsOf(pkg.dir).length > 0))('$name bins', (pkg) => {
  it.each(binsOf(pkg.dir))('%s ships and answers --help', async (name, path) => {
    const shipped = packOf(pkg.name).files.map((file) => file.path);
    expect(shipped).toContain(path);
    const source = readFileSync(join(pkg.dir, path), 'utf8');
    expect(source.startsWith('#!/usr/bin/env node\n')).toBe(true);
    const loads = [...source.matchAll(/import '\.\.\/(dist\/[^']+)'/g)].map((match) => match[1]!);
    expect(loads.length, `${path} loads its implementation from dist/`).toBeGreaterThan(0);
    for (const loaded of loads) expect(shipped, `${path} loads ${loaded}`).toContain(loaded);
    const { stdout, code } = await run(process.execPath, [join(pkg.dir, path), '--help'], { timeoutMs: 30_000, check: false });
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: ${name}\\b`));
  });
});
