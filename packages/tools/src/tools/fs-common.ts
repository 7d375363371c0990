import { FileNotFoundError, type FileStat, type Sandbox } from '@kode/core';
import type { ReadTracker } from '../read-tracker';
import { ToolFailure } from '../tool-error';

/** `sandbox.fs.stat(path)`, or `null` when the path does not exist. */
export async function statOrNull(sandbox: Sandbox, path: string): Promise<FileStat | null> {
  try {
    return await sandbox.fs.stat(path);
  } catch (error) {
    if (FileNotFoundError.isInstance(error)) return null;
    throw error;
  }
}

/** @throws ToolFailure `IS_DIRECTORY` when `stat` is a directory */
export function assertNotDirectory(path: string, stat: FileStat | null, field = 'path'): void {
  if (stat?.type === 'directory') {
    throw new ToolFailure('IS_DIRECTORY', `${path} is a directory, not a file.`, { field, hint: 'List it with fs_glob (e.g. pattern "*" with cwd set to it).' });
  }
}

/** @throws ToolFailure `FILE_NOT_READ` / `FILE_CHANGED` when the tracker refuses the write */
export function assertWritable(tracker: ReadTracker | undefined, target: { path: string; stat: FileStat | null; field?: string }): void {
  if (!tracker) return;
  const { path, stat, field = 'path' } = target;
  const check = tracker.check(path, stat);
  if (!check.ok) throw new ToolFailure(check.code, check.message, { hint: check.hint, field });
}

/** @throws ToolFailure `FILE_CHANGED` when the loaded content is not what the agent last saw */
export function assertUnchangedContent(tracker: ReadTracker | undefined, target: { path: string; content: string; field?: string }): void {
  if (!tracker) return;
  const { path, content, field = 'path' } = target;
  const check = tracker.checkContent(path, content);
  if (!check.ok) throw new ToolFailure(check.code, check.message, { hint: check.hint, field });
}

/**
 * Writes `data` to `path` as the agent's own write: the tracker ignores watch events for it while
 * it is in flight and records the file's stat after it (one extra stat, only with a tracker).
 */
export async function writeTracked(options: { sandbox: Sandbox; tracker: ReadTracker | undefined; path: string; data: string }): Promise<void> {
  const { sandbox, tracker, path, data } = options;
  const done = tracker?.beginWrite(path);
  try {
    await sandbox.fs.write(path, data);
    if (tracker) tracker.recordWrite(path, await sandbox.fs.stat(path), data);
  } finally {
    done?.();
  }
}
