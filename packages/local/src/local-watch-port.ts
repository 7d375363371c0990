import { type Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { WatchPort, WatchSnapshotRequest, WatchStatEntry, WatchStreamRequest, WatchStreamResult } from '@kode/watch';
import { errnoCode } from './host-errors';
import { fileTypeOf } from './local-driver-fs';
import { isOwnTempPath, OwnTempRecordFilter } from './own-temp-files';
import { spawnGroup } from './process-group';


/** Stderr kept from a streamed command, in characters. */
const MAX_STREAM_STDERR = 64 * 1024;

function abortError(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new Error('aborted');
}

/**
 * The host side of `@kode/watch`'s `WatchPort` for a `LocalSandbox`: `snapshot` walks the host
 * file system with lstat (symlinked directories are reported, not entered), and `stream` runs a
 * command through bash in its own process group and feeds its stdout lines to the strategy.
 * Neither ever reports `fs.write`'s own temporary files (`.<name>.kode-<hex>.tmp`): a backend's
 * temporary files never reach a watch listener (ADR 0130).
 */
export class LocalWatchPort implements WatchPort {
  /** @param env environment for streamed commands (the sandbox's `process.env` + config `env`) */
  constructor(private readonly env: () => NodeJS.ProcessEnv) {}

  /**
   * Stats each path (absolute host paths) and, for a directory, its children (or all descendants
   * with `recursive`). Missing paths, and entries that vanish meanwhile, are left out.
   * @throws the `signal`'s reason when aborted
   */
  async snapshot(request: WatchSnapshotRequest): Promise<WatchStatEntry[]> {
    const { signal } = request;
    const seen = new Map<string, WatchStatEntry>();
    const visit = async (path: string, depth: number): Promise<void> => {
      if (signal?.aborted) throw abortError(signal);
      if (seen.has(path) || (depth > 0 && isOwnTempPath(path))) return;
      let info;
      try {
        info = await lstat(path);
      } catch (error) {
        const code = errnoCode(error);
        if (code === 'ENOENT' || code === 'ENOTDIR') return;
        throw error;
      }
      const entry: WatchStatEntry = { path, type: fileTypeOf(info), size: info.size, mtimeMs: info.mtimeMs };
      seen.set(path, entry);
      if (entry.type !== 'directory' || (depth > 0 && !request.recursive)) return;
      let children: Dirent[];
      try {
        children = await readdir(path, { withFileTypes: true });
      } catch (error) {
        const code = errnoCode(error);
        if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') return;
        throw error;
      }
      await Promise.all(children.map((child) => visit(join(path, child.name), depth + 1)));
    };
    for (const path of request.paths) await visit(path, 0);
    if (signal?.aborted) throw abortError(signal);
    return [...seen.values()];
  }

  /**
   * Runs `command` with bash in its own process group, calling `onLine` for each stdout line
   * (without its `\n`; a final unterminated line is delivered at the end), except the inotify
   * records about `fs.write`'s own temporary files (see `OwnTempRecordFilter`). Resolves when the
   * command ends, with its exit code, or `code: null` when it died by a signal or was stopped by
   * aborting `signal` (which kills the whole group).
   */
  stream(request: WatchStreamRequest): Promise<WatchStreamResult> {
    const { signal } = request;
    if (signal.aborted) return Promise.resolve({ code: null, stderr: '' });
    return new Promise((resolve) => {
      const { child, group } = spawnGroup(request.command, { cwd: '/', env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
      const decoder = new TextDecoder('utf-8');
      let pending = '';
      let stderr = '';
      let stopped = false;
      const stop = (): void => {
        stopped = true;
        void group?.kill({ signal: 'SIGKILL' });
      };
      const deliver = (line: string): void => {
        if (stopped) return;
        try {
          request.onLine(line);
        } catch (error) {
          stderr += `onLine threw: ${error instanceof Error ? error.message : String(error)}\n`;
          stop();
        }
      };
      const filter = new OwnTempRecordFilter(deliver);
      const emit = (text: string, final: boolean): void => {
        const lines = (pending + text).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) filter.push(line);
        if (final && pending !== '') filter.push(pending);
        if (final) filter.flush();
      };
      child.stdout?.on('data', (chunk: Buffer) => emit(decoder.decode(chunk, { stream: true }), false));
      child.stderr?.on('data', (chunk: Buffer) => {
        if (stderr.length < MAX_STREAM_STDERR) stderr += chunk.toString('utf8').slice(0, MAX_STREAM_STDERR - stderr.length);
      });
      const onAbort = stop;
      signal.addEventListener('abort', onAbort, { once: true });
      child.once('error', (error) => {
        if (group !== undefined) return;
        signal.removeEventListener('abort', onAbort);
        resolve({ code: 127, stderr: error.message });
      });
      child.once('close', (code) => {
        signal.removeEventListener('abort', onAbort);
        emit(decoder.decode(), true);
        resolve({ code: stopped ? null : code, stderr });
      });
    });
  }
}
