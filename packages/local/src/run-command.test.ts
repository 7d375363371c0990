import { join } from 'node:path';
import { FileNotFoundError } from '@kode/core';
import { describe, expect, it } from 'vitest';
import { runCommand } from './run-command';
import { tempDir } from '../test/local-fixtures';

describe('runCommand', () => {
  it('maps a cwd that vanished before the spawn to FileNotFoundError', async () => {
    const gone = join(await tempDir(), 'gone');
    const sink = (): void => undefined;
    const error = await runCommand({ command: 'true', cwd: gone, env: process.env, timeoutMs: 0, signal: new AbortController().signal, onStdout: sink, onStderr: sink }).catch((e: unknown) => e);
    expect(FileNotFoundError.isInstance(error)).toBe(true);
    expect((error as FileNotFoundError).path).toBe(gone);
  });
});
