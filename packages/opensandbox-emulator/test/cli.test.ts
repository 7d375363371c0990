// The CLI: prints its URL, serves, and removes every sandbox on SIGTERM/SIGINT.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from '@kode/isolation';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const cli = join(import.meta.dirname, '..', 'src', 'cli.ts');

function startCli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(line);
    });
    child.on('exit', (code) => reject(new Error(`cli exited with ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, url, exited, stderr: () => stderr };
}

describe('kode-opensandbox-emulator CLI', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('prints the URL, serves, and on %s removes every sandbox', async (signal) => {
    const run = startCli(['--port', '0', '--api-key', 'cli-key', '--routing', 'gateway', '--fault', 'latency:route=GET /health,ms=1']);
    const url = await run.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const headers = { 'content-type': 'application/json', 'OPEN-SANDBOX-API-KEY': 'cli-key' };
    const created = await fetch(`${url}/v1/sandboxes`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ image: { uri: 'ubuntu' }, entrypoint: ['tail', '-f', '/dev/null'], resourceLimits: {} }),
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const ep = (await (await fetch(`${url}/v1/sandboxes/${id}/endpoints/44772`, { headers })).json()) as { endpoint: string; headers: Record<string, string> };
    expect(ep.headers['OpenSandbox-Ingress-To']).toBe(`${id}-44772`);
    const sandboxes = (await (await fetch(`${url}/_emulator/sandboxes`, { headers })).json()) as { pid: number }[];
    const pid = sandboxes[0]!.pid;
    expect(isProcessAlive(pid)).toBe(true);
    expect(((await (await fetch(`${url}/_emulator/faults`, { headers })).json()) as unknown[]).length).toBe(1);
    run.child.kill(signal);
    expect(await run.exited).toBe(0);
    expect(isProcessAlive(pid)).toBe(false);
    expect(run.stderr()).toContain('removing 1 sandbox');
  });

  it('--image NAME=PROFILE aliases an image; unknown images name the known ones and the option', async () => {
    const run = startCli(['--port', '0', '--image', 'opensandbox/code-interpreter:latest=minimal']);
    const url = await run.url;
    const create = (uri: string) =>
      fetch(`${url}/v1/sandboxes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image: { uri }, entrypoint: ['tail', '-f', '/dev/null'], resourceLimits: {} }) });
    const created = await create('opensandbox/code-interpreter:latest');
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const ep = (await (await fetch(`${url}/v1/sandboxes/${id}/endpoints/44772`)).json()) as { endpoint: string };
    const res = await fetch(`http://${ep.endpoint}/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: 'command -v inotifywait || echo hidden' }) });
    expect(await res.text()).toContain('"text":"hidden"'); // the minimal profile's look
    const unknown = await create('nosuch/image:1');
    expect(unknown.status).toBe(500);
    const body = (await unknown.json()) as { code: string; message: string };
    expect(body.code).toBe('DOCKER::SANDBOX_IMAGE_PULL_FAILED');
    expect(body.message).toContain('Known images: opensandbox/code-interpreter:latest, ubuntu, debian, python, kode/minimal');
    expect(body.message).toContain('--image nosuch/image:1=');
    expect(body.message).not.toMatch(/docker login|pull access denied/);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('rejects bad flags with usage and exit code 2', async () => {
    const run = startCli(['--routing', 'sideways']);
    run.url.catch(() => undefined);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('--routing must be direct, server-proxy or gateway');
    expect(run.stderr()).toContain('Usage: kode-opensandbox-emulator');
    for (const [args, message] of [
      [['--image', 'x=nosuchprofile'], 'unknown profile "nosuchprofile"'],
      [['--image', 'justaname'], '--image expects NAME=PROFILE'],
      [['--profile', 'slow'], '--profile must be fast or real'],
    ] as const) {
      const bad = startCli([...args]);
      bad.url.catch(() => undefined);
      expect(await bad.exited).toBe(2);
      expect(bad.stderr()).toContain(message);
    }
  });

  it('names the package to install when bubblewrap is missing', async () => {
    const run = startCli(['--port', '0'], { ...process.env, PATH: '/nonexistent' });
    run.url.catch(() => undefined);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('apt-get install -y bubblewrap');
  });
});
