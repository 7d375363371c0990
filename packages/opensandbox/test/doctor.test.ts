// `kode-sandbox doctor` end to end: the source CLI runs in a child process (through tsx with the
// `@kode/source` condition, exactly as the bin would run once built) against emulators started
// here, once per situation the doctor must diagnose.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startEmulator, type EmulatorHandle } from '@kode/opensandbox-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../src/cli/doctor';

const packageDir = join(import.meta.dirname, '..');
const API_KEY = 'doctor-test-key-6f1e';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `kode-sandbox <args>` from source with only the given OPEN_SANDBOX_* variables. */
function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OPEN_SANDBOX_') && name !== 'CI'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@kode/source', 'src/cli.ts', ...args], {
      cwd: packageDir,
      env: { ...clean, ...env, OPENSANDBOX_DISABLE_METRICS: '1' },
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

async function runJson(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; report: DoctorReport; run: CliRun }> {
  const run = await runCli([...args, '--json'], env);
  let report: DoctorReport;
  try {
    report = JSON.parse(run.stdout) as DoctorReport;
  } catch {
    throw new Error(`no JSON report (exit ${run.code})\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
  }
  return { code: run.code, report, run };
}

const outcomes = (report: DoctorReport) => Object.fromEntries(report.checks.map((check) => [check.id, check.outcome]));
const adviceOf = (report: DoctorReport, id: string) => (report.checks.find((check) => check.id === id)?.advice ?? []).join('\n');

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let secured: EmulatorHandle;
let unreachable: EmulatorHandle;
/** Its lifecycle server listens on 127.0.0.1 (its `url` names the public host). */
const unreachableUrl = () => `http://127.0.0.1:${unreachable.port}`;

beforeAll(async () => {
  [secured, unreachable] = await Promise.all([
    startEmulator({ apiKey: API_KEY }),
    // Hands out execd endpoints on 127.0.0.2 while the sandboxes listen on 127.0.0.1 only: like a
    // Docker bridge address this machine cannot route to. The server proxy still works.
    startEmulator({ publicHost: '127.0.0.2' }),
  ]);
});

afterAll(async () => {
  await Promise.all([secured?.close(), unreachable?.close()]);
});

describe.concurrent('kode-sandbox doctor', () => {
  it('passes all six checks in order against a healthy server, reading OPEN_SANDBOX_* variables', async () => {
    const run = await runCli(['doctor'], { OPEN_SANDBOX_ENDPOINT: secured.url, OPEN_SANDBOX_API_KEY: API_KEY, OPEN_SANDBOX_IMAGE: 'ubuntu:22.04' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const steps = run.stdout.split('\n').filter((line) => /^[✔✖!-] \d\/6 /.test(line));
    expect(steps.map((line) => line.slice(0, 6))).toEqual(['✔ 1/6 ', '✔ 2/6 ', '✔ 3/6 ', '✔ 4/6 ', '✔ 5/6 ', '✔ 6/6 ']);
    expect(run.stdout).toContain('image ubuntu:22.04');
    expect(run.stdout).toContain('API key: accepted');
    expect(run.stdout).toContain('inotifywait: found at /');
    expect(run.stdout).toContain('All 6 checks passed.');
    expect(run.stdout).not.toContain(API_KEY);
    // Not a TTY: one plain line per step, no spinner frames or cursor control.
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stdout).not.toContain('\r');
  });

  it('fails on a wrong API key with the auth advice, never printing the key', async () => {
    const { code, report, run } = await runJson(['doctor', '--endpoint', secured.url, '--api-key', 'wrong-key-123']);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(outcomes(report)).toEqual({ endpoint: 'pass', 'api-key': 'fail', create: 'skip', inotify: 'skip', 'execd-direct': 'skip', dispose: 'skip' });
    expect(report.checks[1]!.detail).toContain('INVALID_API_KEY');
    expect(adviceOf(report, 'api-key')).toContain('OPEN_SANDBOX_API_KEY');
    expect(run.stdout).not.toContain('wrong-key-123');
  });

  it('fails without a key when the server requires one', async () => {
    const { code, report } = await runJson(['doctor', '--endpoint', secured.url]);
    expect(code).toBe(1);
    expect(report.checks[1]).toMatchObject({ id: 'api-key', outcome: 'fail' });
    expect(report.checks[1]!.detail).toContain('MISSING_API_KEY');
  });

  it('fails on an image the server cannot pull, with the seed advice about pulling images', async () => {
    const run = await runCli(['doctor', '--endpoint', secured.url, '--image', 'registry.invalid/nothing:1'], { OPEN_SANDBOX_API_KEY: API_KEY });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✖ 3\/6 sandbox creation: .*DOCKER::SANDBOX_IMAGE_PULL_FAILED/);
    expect(run.stdout).toContain('Docker cannot pull the required images');
    expect(run.stdout).toContain('"registry.invalid/nothing:1"');
    expect(run.stdout).toMatch(/- 4\/6 inotifywait: needs sandbox creation/);
    expect(run.stdout).toContain('1 check failed, 3 skipped');
  });

  it('fails when the image has no inotifywait, and still checks execd and disposes', async () => {
    const { code, report } = await runJson(['doctor', '--endpoint', secured.url, '--image', 'kode/minimal'], { OPEN_SANDBOX_API_KEY: API_KEY });
    expect(code).toBe(1);
    expect(outcomes(report)).toEqual({ endpoint: 'pass', 'api-key': 'pass', create: 'pass', inotify: 'fail', 'execd-direct': 'pass', dispose: 'pass' });
    expect(adviceOf(report, 'inotify')).toMatch(/inotify-tools/);
    expect(adviceOf(report, 'inotify')).toMatch(/falls back to polling/);
  });

  it('fails when execd is not reachable directly, suggesting useServerProxy: true', async () => {
    const { code, report } = await runJson(['doctor', '--endpoint', unreachableUrl()]);
    expect(code).toBe(1);
    expect(outcomes(report)).toEqual({ endpoint: 'pass', 'api-key': 'pass', create: 'pass', inotify: 'pass', 'execd-direct': 'fail', dispose: 'pass' });
    expect(report.checks[4]!.detail).toContain('127.0.0.2');
    expect(adviceOf(report, 'execd-direct')).toContain('useServerProxy: true');
  });

  it('accepts an unreachable execd when --use-server-proxy is set (a warning, exit 0)', async () => {
    const { code, report } = await runJson(['doctor', '--endpoint', unreachableUrl(), '--use-server-proxy']);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.checks[4]).toMatchObject({ id: 'execd-direct', outcome: 'warn' });
  });

  it('fails when nothing answers at the endpoint, with the reachability advice', async () => {
    const port = await closedPort();
    const run = await runCli(['doctor', '--endpoint', `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✖ 1\/6 endpoint: no answer from http:\/\/127\.0\.0\.1:\d+/);
    expect(run.stdout).toContain('Verify that the OpenSandbox server endpoint is reachable');
    expect(run.stdout).toContain('1 check failed, 5 skipped');
  });

  it('exits 2 on bad usage', async () => {
    const unknown = await runCli(['doctor', '--nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--nope'");
    const badEndpoint = await runCli(['doctor', '--endpoint', 'not a url']);
    expect(badEndpoint.code).toBe(2);
    expect(badEndpoint.stderr).toContain('--endpoint must be a full URL');
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: kode-sandbox doctor');
  });
});

describe('after the doctor runs', () => {
  it('leaves no sandbox behind', () => {
    expect(secured.sandboxIds()).toEqual([]);
    expect(unreachable.sandboxIds()).toEqual([]);
  });
});
