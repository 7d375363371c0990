import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sandbox, WatchMode } from '@kode/core';
import { LocalSandbox } from '@kode/local';
import { expect } from 'vitest';
import type { ToolResult } from '../src/index';

/** A fresh, initialised LocalSandbox in its own temporary host directory. */
export async function localSandbox(options: { watch?: WatchMode } = {}): Promise<{ sandbox: Sandbox; dir: string; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kode-tools-test-'));
  const sandbox = new LocalSandbox({ kind: 'local', workDir: dir, ...(options.watch === undefined ? {} : { watch: { mode: options.watch, pollIntervalMs: 100 } }) });
  await sandbox.init();
  return {
    sandbox,
    dir: sandbox.workDir,
    async close() {
      await sandbox.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Asserts a successful result and returns its data. */
export function okData<T>(result: ToolResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.data;
}

/** Asserts a failed result with `code` and returns the error. */
export function errorOf<T>(result: ToolResult<T>, code: string): Extract<ToolResult<T>, { ok: false }>['error'] {
  expect(result.ok, `expected a ${code} error, got ${JSON.stringify(result)}`).toBe(false);
  if (result.ok) throw new Error('unreachable');
  expect(result.error.code).toBe(code);
  return result.error;
}
