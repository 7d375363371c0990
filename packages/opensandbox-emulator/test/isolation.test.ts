// Isolation like a container: files, processes, env, profiles, exits, crashes and clean shutdown.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionConfig, Sandbox, SandboxManager } from '@alibaba-group/opensandbox';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isProcessAlive, listProcessTree } from '@kode/isolation';
import { startEmulator, type EmulatorHandle } from '../src/index';

/** Host pids whose command line mentions `text` (e.g. an emulator's state directory). */
function processesMentioning(text: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(text) && isProcessAlive(Number(name))) out.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

describe('sandboxes are isolated from each other and from the host', () => {
  let emu: EmulatorHandle;
  let config: ConnectionConfig;
  let a: Sandbox;
  let b: Sandbox;

  beforeAll(async () => {
    emu = await startEmulator();
    config = new ConnectionConfig({ domain: emu.domain });
    [a, b] = await Promise.all([
      Sandbox.create({ image: 'ubuntu', connectionConfig: config, env: { WHO: 'a' } }),
      Sandbox.create({ image: 'kode/minimal', connectionConfig: config, env: { WHO: 'b' } }),
    ]);
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('files written in one sandbox are invisible in the other', async () => {
    await a.files.writeFiles([
      { path: '/workspace/secret.txt', data: 'only-a' },
      { path: '/tmp/a-tmp', data: 'x' },
      { path: '/root/a-home', data: 'x' },
    ]);
    const probe = await b.commands.run('ls /workspace /tmp /root; test -e /workspace/secret.txt && echo LEAK || echo none');
    expect(probe.logs.stdout.map((m) => m.text)).not.toContain('secret.txt');
    expect(probe.logs.stdout.at(-1)?.text).toBe('none');
    await expect(b.files.readFile('/workspace/secret.txt')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('each sandbox has its own pid namespace: processes of the other are not visible', async () => {
    await a.commands.run('sleep 4321', { background: true });
    const inA = await a.commands.run('ps -eo args | grep -c "^sleep 4321"');
    expect(inA.logs.stdout[0]?.text).toBe('1');
    const inB = await b.commands.run('ps -eo args | grep -c "^sleep 4321" || true');
    expect(inB.logs.stdout[0]?.text).toBe('0');
    const count = await b.commands.run('ls /proc | grep -c "^[0-9]"');
    expect(Number(count.logs.stdout[0]?.text)).toBeLessThan(20);
    const pid1 = await b.commands.run('cat /proc/1/comm');
    expect(pid1.logs.stdout[0]?.text).toBe('bwrap');
  });

  it('create-time env reaches commands (and the entrypoint), per sandbox', async () => {
    expect((await a.commands.run('echo $WHO')).logs.stdout[0]?.text).toBe('a');
    expect((await b.commands.run('echo $WHO; tr "\\0" "\\n" < /proc/$(pgrep -f "^tail -f /dev/null")/environ | grep ^WHO=')).logs.stdout.map((m) => m.text)).toEqual(['b', 'WHO=b']);
    expect((await a.commands.run('echo $OPENSANDBOX_ID')).logs.stdout[0]?.text).toBe(a.id);
  });

  it('the host file system is not writable and host-only paths are absent', async () => {
    const run = await a.commands.run(`touch /usr/kode-test 2>&1; test -e ${emu.stateDir} && echo visible || echo hidden`);
    expect(run.logs.stdout.map((m) => m.text).join('\n')).toMatch(/Read-only file system/);
    expect(run.logs.stdout.at(-1)?.text).toBe('hidden');
  });

  it('inotifywait is available in full profiles and hidden in kode/minimal', async () => {
    const full = await a.commands.run('command -v inotifywait');
    expect(full.exitCode).toBe(0);
    expect(full.logs.stdout[0]?.text).toMatch(/inotifywait$/);
    const minimal = await b.commands.run('command -v inotifywait');
    expect(minimal.exitCode).toBe(1);
    const other = await b.commands.run('command -v ls && ls --version | head -1');
    expect(other.exitCode).toBe(0);
  });

  it('volumes: host paths (rw / ro / subPath) and PVCs shared between sandboxes', async () => {
    const hostDir = await mkdtemp(join(tmpdir(), 'kode-vol-'));
    try {
      await mkdir(join(hostDir, 'sub'));
      await writeFile(join(hostDir, 'marker.txt'), 'host-marker\n');
      const volumes = [
        { name: 'rw', host: { path: hostDir }, mountPath: '/mnt/rw' },
        { name: 'ro', host: { path: hostDir }, mountPath: '/mnt/ro', readOnly: true },
        { name: 'sub', host: { path: hostDir }, mountPath: '/mnt/sub', subPath: 'sub' },
        { name: 'data', pvc: { claimName: 'shared-claim' }, mountPath: '/data' },
      ];
      const one = await Sandbox.create({ image: 'ubuntu', connectionConfig: config, volumes });
      const run = await one.commands.run('cat /mnt/rw/marker.txt; echo w > /mnt/rw/from-sandbox; echo x > /mnt/ro/nope 2>/dev/null || echo ro-refused; echo s > /mnt/sub/in-sub; echo p > /data/p.txt');
      expect(run.logs.stdout.map((m) => m.text)).toEqual(['host-marker', 'ro-refused']);
      expect(await readFile(join(hostDir, 'from-sandbox'), 'utf8')).toBe('w\n');
      expect(await readFile(join(hostDir, 'sub', 'in-sub'), 'utf8')).toBe('s\n');
      const two = await Sandbox.create({ image: 'ubuntu', connectionConfig: config, volumes: [{ name: 'data', pvc: { claimName: 'shared-claim' }, mountPath: '/pvc' }] });
      expect((await two.commands.run('cat /pvc/p.txt')).logs.stdout[0]?.text).toBe('p');
      const missing = await Sandbox.create({ image: 'ubuntu', connectionConfig: config, volumes: [{ name: 'gone', host: { path: '/nonexistent-kode' }, mountPath: '/x' }] }).catch((e: unknown) => e);
      expect(missing).toMatchObject({ statusCode: 400, error: { code: 'VOLUME::HOST_PATH_NOT_FOUND' } });
      for (const s of [one, two]) {
        await s.kill();
        await s.close();
      }
    } finally {
      await rm(hostDir, { recursive: true, force: true });
    }
  });

  it('kill leaves no process behind', async () => {
    const victim = await Sandbox.create({ image: 'debian', connectionConfig: config });
    await victim.commands.run('sleep 999 & (sleep 998 &) ; sleep 997 </dev/null >/dev/null 2>&1 &', { background: true });
    await vi.waitFor(async () => expect((await victim.commands.run('pgrep -c -f "^sleep 99[789]"')).logs.stdout[0]?.text).toBe('3'), { timeout: 5000 });
    const pid = emu.sandboxPid(victim.id)!;
    const tree = listProcessTree(pid);
    expect(tree.length).toBeGreaterThanOrEqual(5);
    await victim.kill();
    await victim.close();
    expect([pid, ...tree].filter(isProcessAlive)).toEqual([]);
    expect(emu.sandboxIds()).not.toContain(victim.id);
  });

  it('an entrypoint that exits ends the sandbox (Failed / Terminated), like a container', async () => {
    const manager = SandboxManager.create({ connectionConfig: config });
    const failing = await Sandbox.create({ image: 'ubuntu', connectionConfig: config, entrypoint: ['sh', '-c', 'sleep 0.3; exit 3'] });
    const ok = await Sandbox.create({ image: 'ubuntu', connectionConfig: config, entrypoint: ['sh', '-c', 'sleep 0.3'] });
    await vi.waitFor(async () => expect((await manager.getSandboxInfo(failing.id)).status).toMatchObject({ state: 'Failed', reason: 'CONTAINER_EXITED_ERROR' }), { timeout: 5000 });
    await vi.waitFor(async () => expect((await manager.getSandboxInfo(ok.id)).status).toMatchObject({ state: 'Terminated', reason: 'CONTAINER_EXITED' }), { timeout: 5000 });
    expect(await failing.isHealthy()).toBe(false);
    await failing.kill();
    await ok.kill();
    await Promise.all([failing.close(), ok.close(), manager.close()]);
  });

  it('a crashed execd makes the sandbox Failed and unreachable', async () => {
    const crash = await Sandbox.create({ image: 'ubuntu', connectionConfig: config });
    const run = await crash.commands.run('kill -9 $(pgrep -f "^/.*node /opt/opensandbox/execd.cjs")', { background: true });
    expect(run.id).toBeDefined();
    await vi.waitFor(async () => expect((await crash.getInfo()).status.state).toBe('Failed'), { timeout: 5000 });
    expect(await crash.isHealthy()).toBe(false);
    await crash.kill();
    await crash.close();
  });
});

describe('clean shutdown', () => {
  it('close() kills every sandbox process and removes the state directory', async () => {
    const emu = await startEmulator();
    const config = new ConnectionConfig({ domain: emu.domain });
    const boxes = await Promise.all([Sandbox.create({ image: 'ubuntu', connectionConfig: config }), Sandbox.create({ image: 'python', connectionConfig: config })]);
    await boxes[0].commands.run('setsid sleep 777 >/dev/null 2>&1 &');
    await boxes[1].commands.run('nohup sleep 778 >/dev/null 2>&1 &');
    await boxes[1].pause();
    const pids = boxes.flatMap((s) => {
      const pid = emu.sandboxPid(s.id)!;
      return [pid, ...listProcessTree(pid)];
    });
    expect(pids.length).toBeGreaterThanOrEqual(8);
    await emu.close();
    await emu.close(); // idempotent
    expect(pids.filter(isProcessAlive)).toEqual([]);
    expect(existsSync(emu.stateDir)).toBe(false);
    await Promise.all(boxes.map((s) => s.close()));
  });
});

describe('close() during a create', () => {
  it('leaves no sandbox process behind', async () => {
    const emu = await startEmulator();
    const inFlight = fetch(`${emu.url}/v1/sandboxes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image: { uri: 'ubuntu' }, entrypoint: ['tail', '-f', '/dev/null'], resourceLimits: {} }),
    }).then((r) => r.status, () => 'connection closed');
    // wait until the sandbox's bubblewrap process exists, then close mid-create
    await vi.waitFor(() => expect(processesMentioning(emu.stateDir).length).toBeGreaterThan(0), { timeout: 5000, interval: 5 });
    await emu.close();
    expect(processesMentioning(emu.stateDir)).toEqual([]);
    expect([503, 202, 'connection closed']).toContain(await inFlight);
    expect(emu.sandboxIds()).toEqual([]);
  });
});

describe('a killed host takes its sandboxes with it', () => {
  it('SIGKILL of the emulator process leaves no sandbox process behind', async () => {
    const fixture = join(import.meta.dirname, 'fixtures', 'host-then-hang.ts');
    const host = spawn(process.execPath, ['--import', 'tsx', fixture], { cwd: join(import.meta.dirname, '..', '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    const { pids, stateDir } = await new Promise<{ pids: number[]; stateDir: string }>((resolve, reject) => {
      let out = '';
      host.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as { pids: number[]; stateDir: string });
      });
      host.on('exit', (code) => reject(new Error(`fixture exited early (${code})`)));
    });
    expect(pids.length).toBeGreaterThanOrEqual(4);
    expect(pids.every(isProcessAlive)).toBe(true);
    const exited = new Promise((resolve) => host.on('exit', resolve));
    host.kill('SIGKILL');
    await vi.waitFor(() => expect(pids.filter(isProcessAlive)).toEqual([]), { timeout: 10_000, interval: 50 });
    // the dead emulator's state directory is swept by the next emulator that starts
    await exited;
    expect(existsSync(stateDir)).toBe(true);
    const next = await startEmulator();
    expect(existsSync(stateDir)).toBe(false);
    await next.close();
  });
});
