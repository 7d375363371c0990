// `kode-e2b list` / `kode-e2b gc` end to end: the source CLI in a child process against the
// emulator (E2B_API_KEY / E2B_API_URL from the environment), with real sandboxes created here.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { GcReport } from '@kode/driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2BEmulator, type E2BEmulator } from '@kode/e2b-emulator';
import packageJson from '../package.json';
import { E2BSandbox } from '../src/index';

const packageDir = join(import.meta.dirname, '..');
let emulator: E2BEmulator;
const opened: E2BSandbox[] = [];

beforeAll(async () => {
  emulator = await startE2BEmulator();
});
afterAll(async () => {
  for (const sandbox of opened) await sandbox.dispose().catch(() => undefined);
  await emulator?.close();
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('E2B_')));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@kode/source', 'src/cli.ts', ...args], {
      cwd: packageDir,
      env: { ...clean, E2B_API_KEY: emulator.apiKey, E2B_API_URL: emulator.apiUrl, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kode-e2b ${args.join(' ')} did not finish in 60 s\n${stdout}\n${stderr}`));
    }, 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function createTagged(tag: string): Promise<string> {
  const sandbox = new E2BSandbox({ kind: 'e2b', apiKey: emulator.apiKey, apiUrl: emulator.apiUrl, sandboxUrl: emulator.sandboxUrl, metadata: { tag } });
  opened.push(sandbox);
  await sandbox.init();
  return sandbox.getSandboxId();
}

async function idsWith(tag: string): Promise<string[]> {
  return (await E2BSandbox.list({ apiKey: emulator.apiKey, apiUrl: emulator.apiUrl, metadata: { tag } })).map((e) => e.sandboxId).sort();
}

describe('kode-e2b list / gc', () => {
  it('lists, dry-runs, spares young sandboxes, then kills the strays', async () => {
    const tag = `gc${Date.now().toString(36)}`;
    const other = `keep${Date.now().toString(36)}`;
    const ids = [await createTagged(tag), await createTagged(tag)].sort();
    const kept = await createTagged(other);

    const list = await runCli(['list', '--metadata', `tag=${tag}`]);
    expect(list.code, list.stderr).toBe(0);
    for (const id of ids) expect(list.stdout).toMatch(new RegExp(`^${id}\\s+running .*base .*kode\\.sdk=kode-e2b`, 'm'));
    expect(list.stdout).not.toContain(kept);
    expect(list.stdout).toContain('2 sandboxes');

    const json = await runCli(['list', '--metadata', `tag=${tag}`, '--state', 'Running', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as Array<{ sandboxId: string }>).map((e) => e.sandboxId).sort()).toEqual(ids);
    const paused = await runCli(['list', '--metadata', `tag=${tag}`, '--state', 'paused']);
    expect(paused.stdout).toBe('0 sandboxes\n');

    const dry = await runCli(['gc', '--metadata', `tag=${tag}`, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    for (const id of ids) expect(dry.stdout).toContain(`would kill ${id}`);
    expect(dry.stdout).toContain('dry run: would kill 2 of 2');
    expect(await idsWith(tag)).toEqual(ids);

    const young = await runCli(['gc', '--metadata', `tag=${tag}`, '--older-than', '1h', '--json']);
    expect(young.code, young.stderr).toBe(0);
    expect(JSON.parse(young.stdout) as GcReport).toEqual({ matched: 2, actions: [], dryRun: false });
    expect(await idsWith(tag)).toEqual(ids);

    const gc = await runCli(['gc', '--metadata', `tag=${tag}`, '--metadata', 'kode.sdk=kode-e2b']);
    expect(gc.code, gc.stderr).toBe(0);
    for (const id of ids) expect(gc.stdout).toContain(`killed ${id}`);
    expect(gc.stdout).toContain('killed 2 of 2');
    expect(await idsWith(tag)).toEqual([]);
    expect(await idsWith(other)).toEqual([kept]);
  });

  it('reports a failed kill, kills the rest and exits 1', async () => {
    const tag = `fail${Date.now().toString(36)}`;
    const ids = [await createTagged(tag), await createTagged(tag)].sort();
    emulator.injectFault({ plane: 'api', match: /^DELETE \/sandboxes\//, status: 500, body: { code: 500, message: 'injected kill failure' } });
    const gc = await runCli(['gc', '--metadata', `tag=${tag}`]);
    expect(gc.code).toBe(1);
    expect(gc.stdout).toMatch(/^failed to kill i[0-9a-f]+: E2B kill sandbox i[0-9a-f]+ failed: .*injected kill failure$/m);
    expect(gc.stdout).toContain('killed 1 of 2 matching sandboxes; 1 kill failed.');
    expect((await idsWith(tag)).length).toBe(1);
    expect(ids).toEqual(expect.arrayContaining(await idsWith(tag)));
  });

  it('refuses bad usage with exit code 2 and a clear message', async () => {
    const bare = await runCli(['gc', '--older-than', '1h']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('gc needs at least one --metadata');
    expect(bare.stderr).toContain('kode.sdk=kode-e2b');
    expect(bare.stderr).toContain("every matching sandbox of the API key's team");
    const all = await runCli(['gc', '--all', '--older-than', '1d', '--dry-run']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('dry run: would kill 0 of');
    // Every parse error takes this path (the messages are checked in src/cli/args.test.ts).
    const bad = await runCli(['list', '--state', 'stopped']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('kode-e2b: --state must be running or paused, got "stopped".\nRun `kode-e2b --help`.\n');
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toBe(packageJson.version);
  });

  it('fails a wrong key with exit code 1, naming the problem and never the key', async () => {
    const run = await runCli(['list'], { E2B_API_KEY: 'e2b_wrong_cli_secret' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('E2B list sandboxes failed');
    expect(run.stderr).toContain('Check the E2B API key');
    expect(run.stderr).not.toContain('e2b_wrong_cli_secret');
    const gc = await runCli(['gc', '--all', '--api-key', 'e2b_wrong_cli_secret']);
    expect(gc.code).toBe(1);
    expect(gc.stderr).not.toContain('e2b_wrong_cli_secret');
  });
});
