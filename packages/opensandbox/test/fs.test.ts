import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileNotFoundError, InvalidArgumentError, OpenSandbox } from '../src/index';
import { useEmulator } from './emulator-harness';

/** fs details beyond the conformance kit. */
const fixture = useEmulator();
let sandbox: OpenSandbox;

beforeAll(async () => {
  sandbox = new OpenSandbox(fixture.options());
  await sandbox.init();
}, 60_000);

afterAll(async () => {
  await sandbox?.dispose();
});

describe('fs', () => {
  it('list of a file raises InvalidArgumentError', async () => {
    await sandbox.fs.write('plain.txt', 'x');
    await expect(sandbox.fs.list('plain.txt')).rejects.toSatisfy((e) => InvalidArgumentError.isInstance(e));
  });

  it('mkdir without recursive needs the parent and refuses an existing directory', async () => {
    await expect(sandbox.fs.mkdir('no-parent/child', { recursive: false })).rejects.toSatisfy((e) => FileNotFoundError.isInstance(e));
    await sandbox.fs.mkdir('solo', { recursive: false });
    expect((await sandbox.fs.stat('solo')).type).toBe('directory');
    await expect(sandbox.fs.mkdir('solo', { recursive: false })).rejects.toSatisfy((e) => InvalidArgumentError.isInstance(e));
    await sandbox.fs.mkdir('solo');
  });

  it('mkdir of an existing directory leaves its mode alone', async () => {
    await sandbox.exec('mkdir -p keep-mode && chmod 1777 keep-mode');
    await sandbox.fs.mkdir('keep-mode');
    expect((await sandbox.exec('stat -c %a keep-mode')).stdout).toBe('1777\n');
  });

  it('glob of a missing cwd or a file cwd is empty; absolute and limit work', async () => {
    expect(await sandbox.fs.glob('**', { cwd: '/no/such/place' })).toEqual([]);
    expect(await sandbox.fs.glob('**', { cwd: 'plain.txt' })).toEqual([]);
    await sandbox.exec('mkdir -p gl/a && touch gl/a/1.ts gl/a/2.ts gl/3.ts');
    expect(await sandbox.fs.glob('**/*.ts', { cwd: 'gl', absolute: true, limit: 2 })).toEqual([`${sandbox.workDir}/gl/3.ts`, `${sandbox.workDir}/gl/a/1.ts`]);
  });

  it('temp paths are fresh and usable', async () => {
    const a = await sandbox.fs.temp('x-');
    const b = await sandbox.fs.temp('x-');
    expect(a).not.toBe(b);
    await sandbox.fs.write(a, 'ok');
    expect(await sandbox.fs.read(a)).toBe('ok');
    await expect(sandbox.fs.temp('bad/prefix')).rejects.toSatisfy((e) => InvalidArgumentError.isInstance(e));
  });
});
