import { execFileSync } from 'node:child_process';
import { stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Sandbox } from '@kode/core';
import { createToolState, fsEditTool, fsMultiEditTool, fsReadTool, fsWriteTool, type ExternalChange, type ToolState } from '../src/index';
import { errorOf, localSandbox, okData } from './helpers';

describe.each(['native', 'polling', 'off'] as const)('read-before-write tracker (watch mode %s)', (mode) => {
  let sandbox: Sandbox;
  let dir: string;
  let close: () => Promise<void>;
  let state: ToolState;
  const changes: ExternalChange[] = [];

  beforeAll(async () => {
    ({ sandbox, dir, close } = await localSandbox({ watch: mode }));
    state = createToolState({ sandbox, trackReads: { onExternalChange: (c) => changes.push(c) } });
  });

  afterAll(async () => {
    await state.dispose();
    await close();
  });

  it('allows creating new files, refuses overwriting or editing an existing file never read', async () => {
    okData(await fsWriteTool.execute({ path: 't/new.txt', content: 'new\n' }, { sandbox, state }));
    await sandbox.fs.write('t/existing.txt', 'old\n');
    const error = errorOf(await fsWriteTool.execute({ path: 't/existing.txt', content: 'x' }, { sandbox, state }), 'FILE_NOT_READ');
    expect(error.hint).toContain('fs_read');
    errorOf(await fsEditTool.execute({ path: 't/existing.txt', old_string: 'old', new_string: 'x' }, { sandbox, state }), 'FILE_NOT_READ');
    errorOf(await fsMultiEditTool.execute({ edits: [{ path: 't/existing.txt', old_string: 'old', new_string: 'x' }] }, { sandbox, state }), 'FILE_NOT_READ');
    expect(await sandbox.fs.read('t/existing.txt')).toBe('old\n');
    expect(state.tracker?.state('t/existing.txt')).toBe('unread');
  });

  it('after a read, the agent may write and edit the same file repeatedly (its own writes never count)', async () => {
    await sandbox.fs.write('t/own.txt', 'a\n');
    okData(await fsReadTool.execute({ path: 't/own.txt' }, { sandbox, state }));
    okData(await fsWriteTool.execute({ path: 't/own.txt', content: 'b\n' }, { sandbox, state }));
    okData(await fsWriteTool.execute({ path: 't/own.txt', content: 'c\nd\n' }, { sandbox, state }));
    okData(await fsEditTool.execute({ path: 't/own.txt', old_string: 'c', new_string: 'C' }, { sandbox, state }));
    okData(await fsMultiEditTool.execute({ edits: [{ path: 't/own.txt', old_string: 'C', new_string: 'E' }, { path: 't/own.txt', old_string: 'd', new_string: 'D' }] }, { sandbox, state }));
    expect(await sandbox.fs.read('t/own.txt')).toBe('E\nD\n');
    // The file written by the agent itself in the first case needs no read either.
    okData(await fsWriteTool.execute({ path: 't/new.txt', content: 'newer\n' }, { sandbox, state }));
    expect(state.tracker?.state('t/own.txt')).toBe('fresh');
  });

  it('refuses writing a file changed by someone else since the read, until it is read again', async () => {
    await sandbox.fs.write('t/shared.txt', 'v1\n');
    okData(await fsReadTool.execute({ path: 't/shared.txt' }, { sandbox, state }));
    await state.tracker?.whenWatching();
    // Another writer, straight on the host (not through the tools).
    await writeFile(join(dir, 't/shared.txt'), 'v2 from elsewhere\n');
    if (mode !== 'off') {
      await vi.waitFor(() => expect(changes.map((c) => c.path)).toContain(`${sandbox.workDir}/t/shared.txt`), { timeout: 10_000, interval: 20 });
      expect(changes.find((c) => c.path.endsWith('t/shared.txt'))?.via).toBe('watch');
    }
    const error = errorOf(await fsEditTool.execute({ path: 't/shared.txt', old_string: 'v2', new_string: 'v3' }, { sandbox, state }), 'FILE_CHANGED');
    expect(error.hint).toContain('Read it again');
    errorOf(await fsWriteTool.execute({ path: 't/shared.txt', content: 'mine' }, { sandbox, state }), 'FILE_CHANGED');
    expect(await sandbox.fs.read('t/shared.txt')).toBe('v2 from elsewhere\n');
    okData(await fsReadTool.execute({ path: 't/shared.txt' }, { sandbox, state }));
    okData(await fsEditTool.execute({ path: 't/shared.txt', old_string: 'v2', new_string: 'v3' }, { sandbox, state }));
    // None of the agent's own writes was reported as an external change.
    expect(changes.filter((c) => !c.path.endsWith('t/shared.txt'))).toEqual([]);
  });

  it('sees a same-size change through the stat comparison when no event arrived in time', async () => {
    await sandbox.fs.write('t/same.txt', 'aaaa\n');
    okData(await fsReadTool.execute({ path: 't/same.txt' }, { sandbox, state }));
    await writeFile(join(dir, 't/same.txt'), 'bbbb\n');
    const future = new Date(Date.now() + 60_000);
    await utimes(join(dir, 't/same.txt'), future, future);
    errorOf(await fsWriteTool.execute({ path: 't/same.txt', content: 'c' }, { sandbox, state }), 'FILE_CHANGED');
  });
});

describe('tracker content check', () => {
  it('catches a change that keeps size and mtime when an edit loads the file', async () => {
    const { sandbox, dir, close } = await localSandbox({ watch: 'off' });
    try {
      const changes: ExternalChange[] = [];
      const state = createToolState({ sandbox, trackReads: { onExternalChange: (c) => changes.push(c) } });
      await sandbox.fs.write('c.txt', '\uFEFFalpha\n');
      const before = await stat(join(dir, 'c.txt'));
      okData(await fsReadTool.execute({ path: 'c.txt' }, { sandbox, state }));
      // A BOM file read and edited by the agent itself is not a change.
      okData(await fsEditTool.execute({ path: 'c.txt', old_string: 'alpha', new_string: 'gamma' }, { sandbox, state }));
      const own = await stat(join(dir, 'c.txt'));
      execFileSync('cp', ['-p', join(dir, 'c.txt'), join(dir, 'ref')]);
      await writeFile(join(dir, 'c.txt'), '\uFEFFdelta\n');
      execFileSync('touch', ['-r', join(dir, 'ref'), join(dir, 'c.txt')]);
      expect((await stat(join(dir, 'c.txt'))).mtimeMs).toBe(own.mtimeMs);
      expect(before.size).toBe(own.size);
      const error = errorOf(await fsEditTool.execute({ path: 'c.txt', old_string: 'delta', new_string: 'x' }, { sandbox, state }), 'FILE_CHANGED');
      expect(error.message).toContain('content differs');
      expect(changes).toEqual([{ path: `${sandbox.workDir}/c.txt`, via: 'content' }]);
      expect(await sandbox.fs.read('c.txt')).toBe('\uFEFFdelta\n');
    } finally {
      await close();
    }
  });
});

describe('tracker lifecycle', () => {
  it('works without watches and stops its watches on dispose', async () => {
    const { sandbox, close } = await localSandbox();
    try {
      const state = createToolState({ sandbox, trackReads: { watch: false } });
      expect(state.tracker?.watching).toBe(false);
      await sandbox.fs.write('a.txt', 'a');
      okData(await fsReadTool.execute({ path: 'a.txt' }, { sandbox, state }));
      await sandbox.fs.write('a.txt', 'changed!');
      errorOf(await fsWriteTool.execute({ path: 'a.txt', content: 'x' }, { sandbox, state }), 'FILE_CHANGED');
      const watched = createToolState({ sandbox, trackReads: true });
      expect(watched.tracker?.watching).toBe(true);
      okData(await fsReadTool.execute({ path: 'a.txt' }, { sandbox, state: watched }));
      await watched.dispose();
      await watched.dispose();
      expect(watched.tracker?.watching).toBe(false);
      // After dispose the tracker still checks by stat.
      okData(await fsWriteTool.execute({ path: 'a.txt', content: 'y' }, { sandbox, state: watched }));
    } finally {
      await close();
    }
  });

  it('rejects a state that belongs to another sandbox', async () => {
    const one = await localSandbox();
    const two = await localSandbox();
    try {
      const state = createToolState({ sandbox: one.sandbox });
      errorOf(await fsReadTool.execute({ path: 'x' }, { sandbox: two.sandbox, state }), 'INVALID_ARGUMENT');
    } finally {
      await one.close();
      await two.close();
    }
  });
});
