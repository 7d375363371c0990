// Publishing for real. A Verdaccio registry runs on loopback (storage in a temp folder; `@kode/*`
// local only, everything else proxied to the public registry). The repository's tracked files
// are copied to a temp folder (the working tree is never touched), and the documented release
// flow runs there: `pnpm version-packages` (changeset version) and `pnpm release` (build +
// changeset publish) against Verdaccio. Then two fresh projects install from it:
//   1. a user's: `npm install @kode/opensandbox` alone, then the seed's quick start as ESM, as
//      CommonJS and as TypeScript (tsc --noEmit under node16 and bundler, then run with tsx),
//      against an emulator started here; plus the installed `kode-sandbox doctor` bin;
//   2. a backend author's: `npm install @kode/testkit @kode/tools @kode/local vitest`, then the
//      kit (with the tools group from `@kode/tools/conformance`) against
//      LocalSandbox with vitest.
// Every step is bounded and prints its progress; Verdaccio, the emulator and the temp folders
// are removed whatever happens. Set KODE_KEEP_PUBLISH_TMP=1 to keep the temp folder.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startEmulator, type EmulatorHandle } from '@kode/opensandbox-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedPackages, repoRoot, rootBin, run, type RunOptions, type RunResult } from './support/repo';
import { QUICK_START_OUTPUT, quickStartCjs, quickStartEsm } from './support/seed-quick-start';
import { startVerdaccio, type VerdaccioHandle } from './support/verdaccio';

const API_KEY = 'publish-test-key-81d2';
const started = Date.now();
const tmp = mkdtempSync(join(tmpdir(), 'kode-publish-'));
const copy = join(tmp, 'repo');
const consumer = join(tmp, 'consumer');
const author = join(tmp, 'backend-author');

let registry: VerdaccioHandle | undefined;
let authorInstall: Promise<RunResult> | undefined;
const TSC_CONFIGS = ['esm-node16', 'esm-bundler', 'cjs-node16-skiplibcheck', 'cjs-node16'] as const;
const typechecks = new Map<string, Promise<RunResult>>();
let emulator: EmulatorHandle | undefined;
/** name → version published by the release flow. */
const published = new Map<string, string>();

function progress(message: string): void {
  process.stdout.write(`[publish ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
}

/**
 * The environment of every child: ours without the variables of the pnpm/vitest process that
 * runs this test (npm_config_* would override the registry, VITEST_* would confuse the nested
 * vitest), and never an OPEN_SANDBOX_* of the developer's.
 */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(npm_|NPM_|PNPM_|pnpm_|VITEST|TINYPOOL|OPEN_SANDBOX_|NODE_OPTIONS$|TURBO_)/.test(name)),
  );
  return { ...env, CI: 'true', TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', NO_UPDATE_NOTIFIER: '1', OPENSANDBOX_DISABLE_METRICS: '1', ...extra };
}

/** `text` indented by four spaces, ending in one newline. */
const indent = (text: string): string => `${text.trimEnd().replace(/^/gm, '    ')}\n`;

async function step<T>(label: string, action: () => Promise<T>): Promise<T> {
  progress(`${label}…`);
  const t0 = Date.now();
  const value = await action();
  progress(`${label}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return value;
}

const sh = (command: string, args: readonly string[], options: Omit<RunOptions, 'env'> & { env?: Record<string, string> }) =>
  run(command, args, { ...options, env: childEnv(options.env) });

/** Copies the files git tracks (as they are in the working tree) to `target`. */
function copyTrackedFiles(target: string): number {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter(Boolean);
  let copied = 0;
  for (const file of files) {
    const source = join(repoRoot, file);
    if (!existsSync(source)) continue; // deleted in the working tree
    const destination = join(target, file);
    mkdirSync(dirname(destination), { recursive: true });
    const stat = lstatSync(source);
    if (stat.isSymbolicLink()) symlinkSync(readlinkSync(source), destination);
    else if (stat.isFile()) {
      copyFileSync(source, destination);
      chmodSync(destination, stat.mode & 0o777);
    } else continue;
    copied++;
  }
  return copied;
}

/** The backend author's test file: the kit (with the tools group) against LocalSandbox, as the testkit README shows it. */
const AUTHOR_TEST = `import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSandbox } from '@kode/local';
import { describeConformance } from '@kode/testkit';
import { toolsConformanceCases } from '@kode/tools/conformance';
import { afterAll } from 'vitest';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'kit-as-author-')));
let counter = 0;
afterAll(() => rmSync(base, { recursive: true, force: true }));

describeConformance({
  name: 'LocalSandbox (installed from the registry)',
  create(options) {
    const workDir = join(base, \`sandbox-\${++counter}\`);
    mkdirSync(workDir);
    return new LocalSandbox({ kind: 'local', workDir, ...(options.watch ? { watch: options.watch } : {}) });
  },
  extraCases: toolsConformanceCases,
});
`;

/**
 * Writes the backend author's project and starts its `npm install`; it runs while the user's
 * project is tested, and the author's test awaits it.
 */
function startAuthorInstall(): Promise<RunResult> {
  mkdirSync(join(author, 'test'), { recursive: true });
  writeFileSync(join(author, 'package.json'), `${JSON.stringify({ name: 'fresh-backend-author', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`);
  writeFileSync(join(author, '.npmrc'), `registry=${registry!.url}\n`);
  writeFileSync(join(author, 'test', 'local.conformance.test.ts'), AUTHOR_TEST);
  return step('npm install @kode/testkit @kode/tools @kode/local vitest (fresh project, in the background)', () =>
    sh('npm', ['install', '--save-dev', '@kode/testkit', '@kode/tools', '@kode/local', 'vitest@^3.2.0', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: author, timeoutMs: 300_000 }),
  );
}

beforeAll(async () => {
  const uplink = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8', env: childEnv() }).trim() || 'https://registry.npmjs.org/';
  [registry, emulator] = await Promise.all([
    step('starting Verdaccio', () => startVerdaccio({ dir: join(tmp, 'verdaccio'), uplink })),
    step('starting the OpenSandbox emulator', () => startEmulator({ apiKey: API_KEY })),
  ]);
  progress(`Verdaccio at ${registry.url} (uplink ${uplink}), emulator at ${emulator.url}`);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([registry?.stop(), emulator?.close()]);
  if (process.env.KODE_KEEP_PUBLISH_TMP === '1') progress(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
  progress('cleaned up');
}, 60_000);

describe.sequential('publishing with changesets to a real registry', () => {
  it('releases every public package from a copy of the repository', async () => {
    const reg = registry!;
    const files = copyTrackedFiles(copy);
    progress(`copied ${files} tracked files to ${copy}`);
    await step('pnpm install (copy)', () => sh('pnpm', ['install', '--frozen-lockfile', '--prefer-offline', '--reporter=append-only'], { cwd: copy, timeoutMs: 180_000 }));
    const git = { GIT_AUTHOR_NAME: 'kode release test', GIT_AUTHOR_EMAIL: 'release@kode.invalid', GIT_COMMITTER_NAME: 'kode release test', GIT_COMMITTER_EMAIL: 'release@kode.invalid' };
    await sh('git', ['init', '-q', '-b', 'main'], { cwd: copy, timeoutMs: 30_000 });
    await sh('git', ['add', '-A'], { cwd: copy, timeoutMs: 30_000 });
    await sh('git', ['commit', '-q', '-m', 'snapshot for the release test'], { cwd: copy, env: git, timeoutMs: 30_000 });

    const token = await reg.addUser('kode-release', 'release-password-1');
    // The token goes to the copy's .npmrc; the registry goes to npm_config_registry, which is
    // where `changeset publish` looks for a custom registry (it would use the public one otherwise).
    writeFileSync(join(copy, '.npmrc'), `${reg.authPrefix}:_authToken=${token}\n`);
    // A turbo cache outside the repository, kept between runs on this machine: a rerun with the
    // same sources and changesets builds from it (a cache hit means identical inputs).
    const registryEnv = { npm_config_registry: reg.url, 'npm_config_@kode:registry': reg.url, TURBO_CACHE_DIR: join(tmpdir(), 'kode-publish-turbo-cache'), ...git };

    const version = await step('pnpm version-packages', () => sh('pnpm', ['version-packages'], { cwd: copy, env: registryEnv, timeoutMs: 180_000 }));
    process.stdout.write(version.stdout.split('\n').filter((line) => line.includes('🦋')).join('\n') + '\n');
    const release = await step('pnpm release (turbo build + changeset publish)', () =>
      sh('pnpm', ['release'], { cwd: copy, env: registryEnv, timeoutMs: 420_000, echo: '    ' }),
    );
    expect(release.stdout + release.stderr).toContain('packages published successfully');

    for (const pkg of publishedPackages()) {
      const manifest = JSON.parse(readFileSync(join(copy, 'packages', pkg.dir.split('/').pop()!, 'package.json'), 'utf8')) as { version: string };
      const response = await fetch(`${reg.url}${pkg.name.replace('/', '%2f')}`, { signal: AbortSignal.timeout(10_000) });
      expect(response.status, `${pkg.name} on the registry`).toBe(200);
      const packument = (await response.json()) as { 'dist-tags': Record<string, string>; versions: Record<string, { dependencies?: Record<string, string> }> };
      expect(packument['dist-tags'].latest).toBe(manifest.version);
      // workspace: ranges were replaced by real ones
      expect(JSON.stringify(packument.versions[manifest.version]?.dependencies ?? {})).not.toContain('workspace:');
      published.set(pkg.name, manifest.version);
    }
    const privateOne = await fetch(`${reg.url}@kode%2fe2e`, { signal: AbortSignal.timeout(10_000) });
    expect(privateOne.status).toBe(404);
    progress(`published: ${[...published].map(([name, v]) => `${name}@${v}`).join(', ')}`);
    authorInstall = startAuthorInstall();
    authorInstall.catch(() => undefined); // awaited (and reported) by the backend author's test
  }, 720_000);

  describe('a user installs @kode/opensandbox alone', () => {
    const env = () => ({ OPEN_SANDBOX_ENDPOINT: emulator!.url, OPEN_SANDBOX_API_KEY: API_KEY });
    const runNode = (args: string[]) => sh(process.execPath, args, { cwd: consumer, env: env(), timeoutMs: 90_000 });

    beforeAll(async () => {
      if (published.size === 0) return; // the release test failed and says why
      mkdirSync(consumer, { recursive: true });
      writeFileSync(join(consumer, 'package.json'), `${JSON.stringify({ name: 'fresh-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`);
      writeFileSync(join(consumer, '.npmrc'), `registry=${registry!.url}\n`);
      const install = await step('npm install @kode/opensandbox (fresh project)', () =>
        sh('npm', ['install', '@kode/opensandbox', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: consumer, timeoutMs: 240_000 }),
      );
      process.stdout.write(indent(install.stdout));
      writeFileSync(join(consumer, 'quick-start.mjs'), quickStartEsm());
      writeFileSync(join(consumer, 'quick-start.cjs'), quickStartCjs());
      writeFileSync(join(consumer, 'quick-start.ts'), quickStartEsm());
      writeFileSync(join(consumer, 'quick-start-cjs.cts'), quickStartCjs("import { OpenSandbox } from '@kode/opensandbox';"));
      const compilerOptions = { target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(repoRoot, 'node_modules', '@types')] };
      const tsconfig = (name: string, options: Record<string, string | boolean>, file: string) =>
        writeFileSync(join(consumer, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions: { ...compilerOptions, ...options }, files: [file] }, null, 2));
      tsconfig('esm-node16', { module: 'node16', moduleResolution: 'node16' }, 'quick-start.ts');
      tsconfig('esm-bundler', { module: 'esnext', moduleResolution: 'bundler' }, 'quick-start.ts');
      tsconfig('cjs-node16', { module: 'node16', moduleResolution: 'node16' }, 'quick-start-cjs.cts');
      tsconfig('cjs-node16-skiplibcheck', { module: 'node16', moduleResolution: 'node16', skipLibCheck: true }, 'quick-start-cjs.cts');
      // The typechecks are CPU-bound and independent: start them all now, each test awaits its own.
      for (const name of TSC_CONFIGS) {
        typechecks.set(
          name,
          sh(rootBin('tsc'), ['-p', `tsconfig.${name}.json`], { cwd: consumer, timeoutMs: 180_000, check: false }).then((result) => {
            progress(`tsc -p tsconfig.${name}.json: ${result.code === 0 ? 'no errors' : `exit ${result.code}`}`);
            return result;
          }),
        );
        typechecks.get(name)!.catch(() => undefined);
      }
    }, 300_000);

    it('installs only @kode/opensandbox and what it depends on', () => {
      expect(published.size, 'the release step must have succeeded').toBeGreaterThan(0);
      const manifest = JSON.parse(readFileSync(join(consumer, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      expect(Object.keys(manifest.dependencies)).toEqual(['@kode/opensandbox']);
      const installed = (name: string) => (JSON.parse(readFileSync(join(consumer, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
      expect(installed('@kode/opensandbox')).toBe(published.get('@kode/opensandbox'));
      expect(installed('@kode/core')).toBe(published.get('@kode/core'));
      expect(existsSync(join(consumer, 'node_modules', '@kode', 'testkit'))).toBe(false);
      expect(existsSync(join(consumer, 'node_modules', '@kode', 'opensandbox-emulator'))).toBe(false);
    });

    it('runs the quick start as ESM', async () => {
      const { stdout } = await runNode(['quick-start.mjs']);
      process.stdout.write(indent(`$ node quick-start.mjs\n${stdout}`));
      expect(stdout).toMatch(QUICK_START_OUTPUT);
    });

    it('runs the quick start as CommonJS', async () => {
      const { stdout } = await runNode(['quick-start.cjs']);
      process.stdout.write(indent(`$ node quick-start.cjs\n${stdout}`));
      expect(stdout).toMatch(QUICK_START_OUTPUT);
    });

    const typecheck = async (name: string) => {
      const result = await typechecks.get(name)!;
      expect(`${result.stdout}${result.stderr}`).toBe('');
      expect(result.code).toBe(0);
    };
    it('typechecks the ES module quick start (.ts) under moduleResolution node16, skipLibCheck off', () => typecheck('esm-node16'));
    it('typechecks the ES module quick start (.ts) under moduleResolution bundler, skipLibCheck off', () => typecheck('esm-bundler'));
    it('typechecks the CommonJS quick start (.cts) under moduleResolution node16 (skipLibCheck on, the tsc --init default)', () => typecheck('cjs-node16-skiplibcheck'));
    // dist/index.d.cts imports the SDK's ESM-only types with resolution-mode 'import'
    // (packages/opensandbox/scripts/patch-cjs-types.mjs), so strict CommonJS checking passes too.
    it('typechecks the CommonJS quick start (.cts) under moduleResolution node16, skipLibCheck off', () => typecheck('cjs-node16'));

    it('runs the TypeScript quick start (ESM and CJS) with tsx', async () => {
      for (const file of ['quick-start.ts', 'quick-start-cjs.cts']) {
        const { stdout } = await sh(rootBin('tsx'), [file], { cwd: consumer, env: env(), timeoutMs: 90_000 });
        process.stdout.write(indent(`$ tsx ${file}\n${stdout}`));
        expect(stdout).toMatch(QUICK_START_OUTPUT);
      }
      expect(emulator!.sandboxIds()).toEqual([]); // every run disposed (killed) its sandbox
    });

    it('runs the installed kode-sandbox doctor bin', async () => {
      const result = await sh(join(consumer, 'node_modules', '.bin', 'kode-sandbox'), ['doctor'], { cwd: consumer, env: env(), timeoutMs: 90_000 });
      process.stdout.write(indent(`$ npx kode-sandbox doctor\n${result.stdout}`));
      expect(result.stdout).toContain('All 7 checks passed.');
      const version = await sh(join(consumer, 'node_modules', '.bin', 'kode-sandbox'), ['--version'], { cwd: consumer, timeoutMs: 30_000 });
      expect(version.stdout.trim()).toBe(published.get('@kode/opensandbox'));
    });
  });

  describe('a backend author installs @kode/testkit, @kode/tools and @kode/local', () => {
    it('runs the conformance kit, with the tools group from @kode/tools/conformance, against LocalSandbox with vitest', async () => {
      expect(published.size, 'the release step must have succeeded').toBeGreaterThan(0);
      const install = await authorInstall!;
      process.stdout.write(indent(install.stdout));
      const installed = (name: string) => (JSON.parse(readFileSync(join(author, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
      expect(installed('@kode/testkit')).toBe(published.get('@kode/testkit'));
      expect(installed('@kode/core')).toBe(published.get('@kode/core')); // the kit's dependency, installed by npm

      const report = join(author, 'report.json');
      const kit = await step('vitest run (the kit against LocalSandbox)', () =>
        sh(join(author, 'node_modules', '.bin', 'vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], {
          cwd: author,
          timeoutMs: 300_000,
          check: false,
        }),
      );
      const summary = kit.stdout.split('\n').filter((line) => /Test Files|Tests {2}|Duration/.test(line));
      process.stdout.write(indent(`$ npx vitest run\n${summary.map((line) => line.trim()).join('\n')}`));
      const json = JSON.parse(readFileSync(report, 'utf8')) as {
        numPassedTests: number;
        numFailedTests: number;
        numPendingTests: number;
        numTotalTests: number;
        testResults: Array<{ assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }> }>;
      };
      progress(`kit as a backend author: ${json.numPassedTests} passed, ${json.numFailedTests} failed, ${json.numPendingTests} skipped of ${json.numTotalTests}`);
      // Name each failed case and its first error line, not just the tail of the output.
      const failed = json.testResults
        .flatMap((file) => file.assertionResults)
        .filter((test) => test.status === 'failed')
        .map((test) => `${test.fullName}: ${(test.failureMessages[0] ?? '').split('\n')[0]}`);
      expect(failed, 'cases that failed in the installed kit').toEqual([]);
      expect(json.numFailedTests).toBe(0);
      expect(json.numPassedTests).toBeGreaterThan(20);
      const toolsCases = json.testResults.flatMap((file) => file.assertionResults).filter((test) => / tools\.[a-z-]+/.test(test.fullName));
      expect(toolsCases.length, 'tools.* cases from @kode/tools/conformance').toBeGreaterThan(5);
      expect(toolsCases.every((test) => test.status === 'passed')).toBe(true);
      expect(kit.code).toBe(0);
    }, 660_000);
  });
});
