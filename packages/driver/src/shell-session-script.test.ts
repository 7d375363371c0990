import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { sessionCreateScript, sessionEnvFile, sessionScript } from './shell-session-script';

const run = promisify(execFile);

async function bash(script: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('bash', ['-c', script], { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('shell session scripts', () => {
  const roots: string[] = [];
  afterEach(async () => {
    await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
  });

  async function newRoot(): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), "kode session 'q' "));
    roots.push(root);
    return root;
  }

  it('sessionEnvFile single-quotes values', () => {
    expect(sessionEnvFile({ A: "it's $HOME", B: '' })).toBe(`export A='it'\\''s $HOME'\nexport B=''\n`);
    expect(sessionEnvFile(undefined)).toBe('');
  });

  it('sessionScript quotes the state directory and cwd', () => {
    const script = sessionScript({ stateDir: "/tmp/it's", command: 'true', cwd: '/a b', env: undefined });
    expect(script).toContain(`__kode_state='/tmp/it'\\''s'`);
    expect(script).toContain(`cd -- '/a b' || exit 1`);
  });

  it('create then run: a private state, cd and export persist, exec env is for one command, exit codes kept', async () => {
    const root = await newRoot();
    const stateDir = join(root, 'sessions', 's1');
    const created = await bash(sessionCreateScript({ stateDir, cwd: root, env: { START: "it's $HOME" } }), root);
    expect(created.code, created.stderr).toBe(0);
    expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(stateDir, 'env'))).mode & 0o777).toBe(0o600);
    expect(await bash(sessionCreateScript({ stateDir, cwd: root, env: undefined }), root)).toMatchObject({ code: 1 });

    const step = (command: string, extra: { cwd?: string; env?: Record<string, string> } = {}) =>
      bash(sessionScript({ stateDir, command, cwd: extra.cwd, env: extra.env }), stateDir);
    expect(await step('mkdir -p "a b" && cd "a b" && export NEXT=2; echo out; exit 4')).toMatchObject({ code: 4, stdout: 'out\n' });
    expect((await step('echo "$(pwd)|$START|$NEXT"')).stdout).toBe(`${root}/a b|it's $HOME|2\n`);
    expect((await step('echo "$NEXT|$ONCE"', { env: { NEXT: 'once', ONCE: '1' } })).stdout).toBe('once|1\n');
    expect((await step('echo "$NEXT|${ONCE-unset}"', { cwd: root })).stdout).toBe('2|unset\n');
    expect((await step('pwd')).stdout).toBe(`${root}\n`);
    expect((await readdir(stateDir)).sort()).toEqual(['cwd', 'env']);
  });
});
