// `kode-sandbox doctor` end to end: the source CLI runs in a child process (through tsx with the
// `@kode/source` condition, exactly as the bin would run once built) against emulators started
// here, once per situation the doctor must diagnose.
import { spawn } from 'node:child_process';
import { createServer as createHttpServer, request, type Server } from 'node:http';
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

/**
 * A server in front of `upstream` that answers every direct execd endpoint lookup
 * (`GET /v1/sandboxes/{id}/endpoints/44772`) with the first endpoint it saw, like a Docker server
 * in host network mode (every sandbox's execd is the host's 127.0.0.1:44772). Everything else,
 * server-proxied execd traffic included, is passed through unchanged.
 */
async function startSharedExecdServer(upstream: EmulatorHandle): Promise<{ url: string; close(): Promise<void> }> {
  let first: string | undefined;
  const server: Server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const directLookup = req.method === 'GET' && /^\/v1\/sandboxes\/[^/]+\/endpoints\/44772$/.test(url.pathname) && url.searchParams.get('use_server_proxy') !== 'true';
    const forward = request({ host: '127.0.0.1', port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      if (!directLookup || answer.statusCode !== 200) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      let text = '';
      answer.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      answer.on('end', () => {
        const body = JSON.parse(text) as { endpoint: string };
        first ??= body.endpoint;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...body, endpoint: first }));
      });
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let secured: EmulatorHandle;
let unreachable: EmulatorHandle;
let plain: EmulatorHandle;
/** Its lifecycle server listens on 127.0.0.1 (its `url` names the public host). */
const unreachableUrl = () => `http://127.0.0.1:${unreachable.port}`;

beforeAll(async () => {
  [secured, unreachable, plain] = await Promise.all([
    startEmulator({ apiKey: API_KEY }),
    // Hands out execd endpoints on 127.0.0.2 while the sandboxes listen on 127.0.0.1 only: like a
    // Docker bridge address this machine cannot route to. The server proxy still works.
    startEmulator({ publicHost: '127.0.0.2' }),
    startEmulator(),
  ]);
});

afterAll(async () => {
  await Promise.all([secured?.close(), unreachable?.close(), plain?.close()]);
});

describe.concurrent('kode-sandbox doctor', () => {
  it('passes all seven checks in order against a healthy server, reading OPEN_SANDBOX_* variables', async () => {
    const run = await runCli(['doctor'], { OPEN_SANDBOX_ENDPOINT: secured.url, OPEN_SANDBOX_API_KEY: API_KEY, OPEN_SANDBOX_IMAGE: 'ubuntu:22.04' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const steps = run.stdout.split('\n').filter((line) => /^[✔✖!-] \d\/7 /.test(line));
    expect(steps.map((line) => line.slice(0, 6))).toEqual(['✔ 1/7 ', '✔ 2/7 ', '✔ 3/7 ', '✔ 4/7 ', '✔ 5/7 ', '✔ 6/7 ', '✔ 7/7 ']);
    expect(run.stdout).toContain('image ubuntu:22.04');
    expect(run.stdout).toContain('API key: accepted');
    expect(run.stdout).toContain('inotifywait: found at /');
    expect(run.stdout).toMatch(/6\/7 sandbox isolation: second sandbox \S+ has an execd of its own/);
    expect(run.stdout).toContain('All 7 checks passed.');
    expect(run.stdout).not.toContain(API_KEY);
    // Not a TTY: one plain line per step, no spinner frames or cursor control.
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stdout).not.toContain('\r');
  });

  it('fails on a wrong API key saying the key was rejected (not "prepare an API key"), never printing the key', async () => {
    const { code, report, run } = await runJson(['doctor', '--endpoint', secured.url, '--api-key', 'wrong-key-123']);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(outcomes(report)).toEqual({ endpoint: 'pass', 'api-key': 'fail', create: 'skip', inotify: 'skip', 'execd-direct': 'skip', isolation: 'skip', dispose: 'skip' });
    expect(report.checks[1]!.detail).toContain('the server rejected the API key');
    expect(report.checks[1]!.detail).toContain('INVALID_API_KEY');
    expect(adviceOf(report, 'api-key')).toContain('The server rejected the API key you gave');
    expect(adviceOf(report, 'api-key')).toContain('OPEN_SANDBOX_API_KEY');
    expect(adviceOf(report, 'api-key')).not.toContain('If your server enables auth');
    expect(run.stdout).not.toContain('wrong-key-123');
  });

  it('fails without a key when the server requires one, advising to prepare one', async () => {
    const { code, report } = await runJson(['doctor', '--endpoint', secured.url]);
    expect(code).toBe(1);
    expect(report.checks[1]).toMatchObject({ id: 'api-key', outcome: 'fail' });
    expect(report.checks[1]!.detail).toContain('none is set');
    expect(report.checks[1]!.detail).toContain('MISSING_API_KEY');
    expect(adviceOf(report, 'api-key')).toContain('If your server enables auth, prepare an API key');
  });

  it('fails on an image the server cannot pull, with the seed advice about pulling images', async () => {
    const run = await runCli(['doctor', '--endpoint', secured.url, '--image', 'registry.invalid/nothing:1'], { OPEN_SANDBOX_API_KEY: API_KEY });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✖ 3\/7 sandbox creation: .*DOCKER::SANDBOX_IMAGE_PULL_FAILED/);
    expect(run.stdout).toContain('Docker cannot pull the required images');
    expect(run.stdout).toContain('"registry.invalid/nothing:1"');
    expect(run.stdout).toMatch(/- 4\/7 inotifywait: needs sandbox creation/);
    expect(run.stdout).toContain('1 check failed, 4 skipped');
  });

  it('only warns (exit 0) when the image has no inotifywait and the watch mode is polling, the default', async () => {
    const { code, report } = await runJson(['doctor', '--endpoint', secured.url, '--image', 'kode/minimal'], { OPEN_SANDBOX_API_KEY: API_KEY });
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(outcomes(report)).toEqual({ endpoint: 'pass', 'api-key': 'pass', create: 'pass', inotify: 'warn', 'execd-direct': 'pass', isolation: 'pass', dispose: 'pass' });
    expect(report.checks[3]!.detail).toContain("fine, watch.mode is 'polling'");
    expect(adviceOf(report, 'inotify')).toMatch(/--watch native/);
  });

  it('fails when the image has no inotifywait and --watch native is given, and still checks execd and disposes', async () => {
    const { code, report } = await runJson(['doctor', '--endpoint', secured.url, '--image', 'kode/minimal', '--watch', 'native'], { OPEN_SANDBOX_API_KEY: API_KEY });
    expect(code).toBe(1);
    expect(outcomes(report)).toEqual({ endpoint: 'pass', 'api-key': 'pass', create: 'pass', inotify: 'fail', 'execd-direct': 'pass', isolation: 'pass', dispose: 'pass' });
    expect(adviceOf(report, 'inotify')).toMatch(/inotify-tools/);
    expect(adviceOf(report, 'inotify')).toMatch(/falls back to polling/);
  });

  it('fails when execd is not reachable directly, suggesting useServerProxy: true', async () => {
    const { code, report } = await runJson(['doctor', '--endpoint', unreachableUrl()]);
    expect(code).toBe(1);
    expect(outcomes(report)).toEqual({ endpoint: 'pass', 'api-key': 'pass', create: 'pass', inotify: 'pass', 'execd-direct': 'fail', isolation: 'pass', dispose: 'pass' });
    expect(report.checks[4]!.detail).toContain('127.0.0.2');
    expect(adviceOf(report, 'execd-direct')).toContain('useServerProxy: true');
  });

  it('accepts an unreachable execd when --use-server-proxy is set (a warning, exit 0)', async () => {
    const { code, report } = await runJson(['doctor', '--endpoint', unreachableUrl(), '--use-server-proxy']);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.checks[4]).toMatchObject({ id: 'execd-direct', outcome: 'warn' });
  });

  it('fails when two sandboxes get the same execd endpoint (Docker in host network mode), naming network_mode', async () => {
    const shared = await startSharedExecdServer(plain);
    try {
      const { code, report } = await runJson(['doctor', '--endpoint', shared.url]);
      expect(code).toBe(1);
      expect(outcomes(report)).toEqual({ endpoint: 'pass', 'api-key': 'pass', create: 'pass', inotify: 'pass', 'execd-direct': 'pass', isolation: 'fail', dispose: 'pass' });
      expect(report.checks[5]!.detail).toMatch(/two sandboxes got the same execd endpoint 127\.0\.0\.1:\d+(\/proxy\/44772)?: the second sandbox's commands would run in the first/);
      expect(adviceOf(report, 'isolation')).toContain('network_mode = "bridge"');
    } finally {
      await shared.close();
    }
  });

  it('names another web server at the endpoint by its page title instead of printing the page', async () => {
    const page = `<!DOCTYPE html><html><head><title>Intranet portal</title></head><body>${'<p>news item</p>'.repeat(400)}</body></html>`;
    const web = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    try {
      const { code, report, run } = await runJson(['doctor', '--endpoint', `http://127.0.0.1:${(web.address() as { port: number }).port}`]);
      expect(code).toBe(1);
      expect(report.checks[1]).toMatchObject({ id: 'api-key', outcome: 'fail' });
      expect(report.checks[1]!.detail).toContain('an HTML page titled "Intranet portal"');
      expect(adviceOf(report, 'api-key')).toContain("server's root URL");
      expect(run.stdout).not.toContain('news item');
    } finally {
      await new Promise<void>((resolve) => web.close(() => resolve()));
    }
  });

  it('fails when nothing answers at the endpoint, with the reachability advice', async () => {
    const port = await closedPort();
    const run = await runCli(['doctor', '--endpoint', `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✖ 1\/7 endpoint: no answer from http:\/\/127\.0\.0\.1:\d+/);
    expect(run.stdout).toContain('Verify that the OpenSandbox server endpoint is reachable');
    expect(run.stdout).toContain('1 check failed, 6 skipped');
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
    expect(plain.sandboxIds()).toEqual([]);
  });
});
