import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Sandbox } from '@kode/core';
import { bashKillTool, bashLogsTool, bashRunTool, createToolState, fsReadTool, type ToolState } from '../src/index';
import { errorOf, localSandbox, okData } from './helpers';

let sandbox: Sandbox;
let close: () => Promise<void>;
let state: ToolState;

beforeAll(async () => {
  ({ sandbox, close } = await localSandbox());
  state = createToolState({ sandbox, settings: { maxOutputChars: 2000 } });
});

afterAll(async () => {
  await state.dispose();
  await close();
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('bash_run (foreground)', () => {
  it('returns the exit code with stdout and stderr kept apart; a non-zero exit is data', async () => {
    const data = okData(await bashRunTool.execute({ cmd: 'echo out; echo err >&2; exit 3' }, { sandbox, state }));
    expect(data).toMatchObject({ background: false, code: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false, outputLimitReached: false });
    expect(data.background === false && data.note).toBeFalsy();
  });

  it('runs in cwd', async () => {
    await sandbox.fs.mkdir('sub/dir');
    const data = okData(await bashRunTool.execute({ cmd: 'pwd', cwd: 'sub/dir' }, { sandbox, state }));
    expect(data.background === false && data.stdout.trim()).toBe(`${sandbox.workDir}/sub/dir`);
  });

  it('kills a command that runs past timeout_ms and says so', async () => {
    const started = Date.now();
    const data = okData(await bashRunTool.execute({ cmd: 'sleep 30', timeout_ms: 300 }, { sandbox, state }));
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(data).toMatchObject({ background: false, code: 124, timedOut: true });
    expect(data.background === false && data.note).toContain('background: true');
  });

  it('cuts huge output with a marker and saves the full text to a readable file', async () => {
    const data = okData(await bashRunTool.execute({ cmd: 'seq 1 50000; seq 1 3000 >&2' }, { sandbox, state }));
    if (data.background) throw new Error('expected foreground');
    expect(data.stdout.length).toBeLessThan(2600);
    expect(data.stdout).toMatch(/^1\n2\n/);
    expect(data.stdout).toMatch(/\n50000\n$/);
    expect(data.stdout).toMatch(/\[\.\.\. \d+ characters \(\d+ lines\) of stdout cut here; the full stdout \(288894 characters, 50000 lines\) is saved at \//);
    expect(data.stdoutFile).toBeDefined();
    expect(data.stdout).toContain(data.stdoutFile);
    expect(await sandbox.fs.read(data.stdoutFile!)).toBe(Array.from({ length: 50000 }, (_, i) => `${i + 1}\n`).join(''));
    expect(data.stderrFile).toBeDefined();
    expect(data.note).toContain('cut');
    const viaTool = okData(await fsReadTool.execute({ path: data.stdoutFile!, offset: 49999 }, { sandbox }));
    expect(viaTool.content).toMatch(/49999\t49999\n\s+50000\t50000$/);
  });

  it('rejects invalid input naming the field, without running anything', async () => {
    expect(errorOf(await bashRunTool.execute({ cmd: '' }, { sandbox }), 'INVALID_INPUT').field).toBe('cmd');
    expect(errorOf(await bashRunTool.execute({ cmd: 'true', timeout_ms: -1 }, { sandbox }), 'INVALID_INPUT').field).toBe('timeout_ms');
    expect(errorOf(await bashRunTool.execute({ command: 'true' } as never, { sandbox }), 'INVALID_INPUT').message).toMatch(/`cmd`|command/);
  });

  it('turns an abort into an ABORTED result and kills the command', async () => {
    const controller = new AbortController();
    const pidFile = `${sandbox.workDir}/abort.pid`;
    const pending = bashRunTool.execute({ cmd: `echo $$ > ${pidFile}; exec sleep 30` }, { sandbox, signal: controller.signal });
    await vi.waitFor(async () => expect((await sandbox.fs.read(pidFile)).trim()).toMatch(/^\d+$/), { timeout: 10_000, interval: 20 });
    const pid = Number((await sandbox.fs.read(pidFile)).trim());
    controller.abort(new Error('user stop'));
    const result = await pending;
    errorOf(result, 'ABORTED');
    await vi.waitFor(() => expect(isAlive(pid)).toBe(false), { timeout: 10_000, interval: 20 });
  });

  it('returns ABORTED at once for an already aborted signal', async () => {
    errorOf(await bashRunTool.execute({ cmd: 'true' }, { sandbox, signal: AbortSignal.abort() }), 'ABORTED');
  });
});

describe('bash_run background, bash_logs, bash_kill', () => {
  it('starts a process that outlives the call, reads its output incrementally, and kills its whole tree', async () => {
    const dir = sandbox.workDir;
    const script = [
      `echo $$ > ${dir}/bg.pid`,
      `sleep 600 & echo $! > ${dir}/bg-child.pid`,
      'echo one',
      `while [ ! -f ${dir}/go ]; do sleep 0.05; done`,
      'echo two',
      'wait',
    ].join('; ');
    const started = okData(await bashRunTool.execute({ cmd: script, background: true }, { sandbox, state }));
    if (!started.background) throw new Error('expected background');
    const id = started.shellId;
    expect(started.note).toContain('bash_logs');

    let seen = '';
    await vi.waitFor(
      async () => {
        const logs = okData(await bashLogsTool.execute({ shell_id: id }, { sandbox, state }));
        seen += logs.output;
        expect(logs.running).toBe(true);
        expect(seen).toBe('one\n');
      },
      { timeout: 10_000, interval: 25 },
    );
    const pid = Number((await sandbox.fs.read('bg.pid')).trim());
    const child = Number((await sandbox.fs.read('bg-child.pid')).trim());
    expect(isAlive(pid)).toBe(true);
    expect(isAlive(child)).toBe(true);

    // Only output written since the previous call comes back.
    const quiet = okData(await bashLogsTool.execute({ shell_id: id }, { sandbox, state }));
    expect(quiet.output).toBe('');
    expect(quiet.status).toContain('no new output');
    await sandbox.fs.write('go', '');
    await vi.waitFor(
      async () => {
        const logs = okData(await bashLogsTool.execute({ shell_id: id }, { sandbox, state }));
        seen += logs.output;
        expect(seen).toBe('one\ntwo\n');
      },
      { timeout: 10_000, interval: 25 },
    );

    const killed = okData(await bashKillTool.execute({ shell_id: id }, { sandbox, state }));
    expect(killed).toMatchObject({ shellId: id, wasRunning: true, running: false });
    expect(isAlive(pid)).toBe(false);
    await vi.waitFor(() => expect(isAlive(child)).toBe(false), { timeout: 10_000, interval: 20 });

    const again = okData(await bashKillTool.execute({ shell_id: id }, { sandbox, state }));
    expect(again.wasRunning).toBe(false);
    expect(again.status).toContain('already finished');
    const final = okData(await bashLogsTool.execute({ shell_id: id }, { sandbox, state }));
    expect(final.running).toBe(false);
    expect(final.status).toMatch(/exited with code/);
  });

  it('bash_kill also stops children left behind by a finished background command', async () => {
    const dir = sandbox.workDir;
    const started = okData(await bashRunTool.execute({ cmd: `sleep 600 & echo $! > ${dir}/orphan.pid; echo spawned`, background: true }, { sandbox, state }));
    if (!started.background) throw new Error('expected background');
    const logs = okData(await bashLogsTool.execute({ shell_id: started.shellId, wait_ms: 10_000 }, { sandbox, state }));
    expect(logs.running).toBe(false);
    const orphan = Number((await sandbox.fs.read('orphan.pid')).trim());
    expect(isAlive(orphan)).toBe(true);
    const killed = okData(await bashKillTool.execute({ shell_id: started.shellId }, { sandbox, state }));
    expect(killed.wasRunning).toBe(false);
    await vi.waitFor(() => expect(isAlive(orphan)).toBe(false), { timeout: 10_000, interval: 20 });
  });

  it('waits for a background command with wait_ms and reports its exit code', async () => {
    const started = okData(await bashRunTool.execute({ cmd: 'echo building; exit 7', background: true }, { sandbox, state }));
    if (!started.background) throw new Error('expected background');
    const logs = okData(await bashLogsTool.execute({ shell_id: started.shellId, wait_ms: 10_000 }, { sandbox, state }));
    expect(logs).toMatchObject({ running: false, code: 7, output: 'building\n' });
  });

  it('without a state, bash_logs returns all output each time', async () => {
    const started = okData(await bashRunTool.execute({ cmd: 'echo a; echo b', background: true }, { sandbox }));
    if (!started.background) throw new Error('expected background');
    const first = okData(await bashLogsTool.execute({ shell_id: started.shellId, wait_ms: 10_000 }, { sandbox }));
    const second = okData(await bashLogsTool.execute({ shell_id: started.shellId }, { sandbox }));
    expect(first.output).toBe('a\nb\n');
    expect(second.output).toBe('a\nb\n');
  });

  it('spills long background output to a file', async () => {
    const started = okData(await bashRunTool.execute({ cmd: 'seq 1 20000', background: true }, { sandbox, state }));
    if (!started.background) throw new Error('expected background');
    const logs = okData(await bashLogsTool.execute({ shell_id: started.shellId, wait_ms: 10_000 }, { sandbox, state }));
    expect(logs.outputFile).toBeDefined();
    expect(logs.output).toContain('of logs cut here');
    expect((await sandbox.fs.read(logs.outputFile!)).split('\n').length).toBe(20001);
  });

  it('reports unknown ids as PROCESS_NOT_FOUND', async () => {
    expect(errorOf(await bashLogsTool.execute({ shell_id: 'no-such-id' }, { sandbox, state }), 'PROCESS_NOT_FOUND').field).toBe('shell_id');
    errorOf(await bashKillTool.execute({ shell_id: 'no-such-id' }, { sandbox, state }), 'PROCESS_NOT_FOUND');
    expect(errorOf(await bashKillTool.execute({ shell_id: 'x', signal: 'SIGSTOP' } as never, { sandbox }), 'INVALID_INPUT').field).toBe('signal');
  });
});

describe('bash_run shell session', () => {
  it('keeps cd and export between calls with a ToolState on a backend with exec.sessions', async () => {
    const own = createToolState({ sandbox });
    try {
      await sandbox.fs.mkdir('session/inner', { recursive: true });
      okData(await bashRunTool.execute({ cmd: 'cd session/inner && export KODE_TOOLS_X=kept' }, { sandbox, state: own }));
      const data = okData(await bashRunTool.execute({ cmd: 'echo "$(pwd)|$KODE_TOOLS_X"' }, { sandbox, state: own }));
      expect(data.background === false && data.stdout).toBe(`${sandbox.workDir}/session/inner|kept\n`);
    } finally {
      await own.dispose();
    }
  });

  it('opts out with bashSessions: false, and without a state: every call is a fresh shell in workDir', async () => {
    const fresh = createToolState({ sandbox, settings: { bashSessions: false } });
    try {
      okData(await bashRunTool.execute({ cmd: 'cd / && export KODE_TOOLS_Y=lost' }, { sandbox, state: fresh }));
      const data = okData(await bashRunTool.execute({ cmd: 'echo "$(pwd)|$KODE_TOOLS_Y"' }, { sandbox, state: fresh }));
      expect(data.background === false && data.stdout).toBe(`${sandbox.workDir}|\n`);
      okData(await bashRunTool.execute({ cmd: 'cd /' }, { sandbox }));
      const stateless = okData(await bashRunTool.execute({ cmd: 'pwd' }, { sandbox }));
      expect(stateless.background === false && stateless.stdout).toBe(`${sandbox.workDir}\n`);
    } finally {
      await fresh.dispose();
    }
  });

  it('closes its session on dispose: the next call of a disposed state runs in a fresh shell', async () => {
    const own = createToolState({ sandbox });
    okData(await bashRunTool.execute({ cmd: 'export KODE_TOOLS_Z=1' }, { sandbox, state: own }));
    const session = await own.shellSession();
    await own.dispose();
    expect(await own.shellSession()).toBeUndefined();
    await expect(session?.exec('true')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
