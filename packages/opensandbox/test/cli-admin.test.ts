// `kode-sandbox list` / `kode-sandbox gc` end to end: the source CLI in a child process against an
// emulator, with real sandboxes created here and then garbage-collected.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OpenSandbox } from '../src/index';
import type { GcReport } from '../src/cli/sandbox-admin';
import { useEmulator } from './emulator-harness';

const packageDir = join(import.meta.dirname, '..');
const fixture = useEmulator();
const opened: OpenSandbox[] = [];

afterAll(async () => {
  for (const sandbox of opened) await sandbox.dispose().catch(() => undefined);
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: readonly string[]): Promise<CliRun> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OPEN_SANDBOX_')));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@kode/source', 'src/cli.ts', ...args], {
      cwd: packageDir,
      env: { ...clean, OPEN_SANDBOX_ENDPOINT: fixture.emulator.url, OPENSANDBOX_DISABLE_METRICS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kode-sandbox ${args.join(' ')} did not finish in 60 s\n${stdout}\n${stderr}`));
    }, 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function createTagged(tag: string): Promise<string> {
  const sandbox = new OpenSandbox(fixture.options({ metadata: { tag } }));
  opened.push(sandbox);
  await sandbox.init();
  return sandbox.getSandboxId();
}

async function idsWith(tag: string): Promise<string[]> {
  return (await OpenSandbox.list({ endpoint: fixture.emulator.url, metadata: { tag } })).map((e) => e.sandboxId).sort();
}

describe('kode-sandbox list / gc', () => {
  it('lists, dry-runs, spares young sandboxes, then kills the strays', async () => {
    const tag = `gc${Date.now().toString(36)}`;
    const other = `keep${Date.now().toString(36)}`;
    const ids = [await createTagged(tag), await createTagged(tag)].sort();
    const kept = await createTagged(other);

    const list = await runCli(['list', '--metadata', `tag=${tag}`]);
    expect(list.code, list.stderr).toBe(0);
    for (const id of ids) expect(list.stdout).toMatch(new RegExp(`^${id}\\s+Running .*ubuntu .*kode\\.sdk=kode-opensandbox`, 'm'));
    expect(list.stdout).not.toContain(kept);
    expect(list.stdout).toContain('2 sandboxes');

    const json = await runCli(['list', '--metadata', `tag=${tag}`, '--state', 'Running', '--json']);
    expect((JSON.parse(json.stdout) as Array<{ sandboxId: string }>).map((e) => e.sandboxId).sort()).toEqual(ids);

    const dry = await runCli(['gc', '--metadata', `tag=${tag}`, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    for (const id of ids) expect(dry.stdout).toContain(`would kill ${id}`);
    expect(dry.stdout).toContain('dry run: would kill 2 of 2');
    expect(await idsWith(tag)).toEqual(ids);

    const young = await runCli(['gc', '--metadata', `tag=${tag}`, '--older-than', '1h', '--json']);
    expect(young.code, young.stderr).toBe(0);
    expect(JSON.parse(young.stdout) as GcReport).toEqual({ matched: 2, actions: [], dryRun: false });
    expect(await idsWith(tag)).toEqual(ids);

    const gc = await runCli(['gc', '--metadata', `tag=${tag}`, '--metadata', 'kode.sdk=kode-opensandbox']);
    expect(gc.code, gc.stderr).toBe(0);
    for (const id of ids) expect(gc.stdout).toContain(`killed ${id}`);
    expect(gc.stdout).toContain('killed 2 of 2');
    expect(await idsWith(tag)).toEqual([]);
    expect(await idsWith(other)).toEqual([kept]);
  });

  it('refuses gc without a metadata filter unless --all, and bad durations', async () => {
    const bare = await runCli(['gc', '--older-than', '1h']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('gc needs at least one --metadata');
    const all = await runCli(['gc', '--all', '--older-than', '1d', '--dry-run']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('dry run: would kill 0 of');
    const bad = await runCli(['gc', '--metadata', 'a=b', '--older-than', '10']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--older-than must be a duration');
  });
});
