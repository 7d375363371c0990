import { FilesystemEventType, type FilesystemEvent, type WatchHandle } from 'e2b';
import { normalizePosixPath, quoteShellArg } from '@kode/core';
import type { NativeChange, NativeWatchFactory, NativeWatchHandle, WatchPort, WatchSnapshotRequest, WatchStatEntry } from '@kode/watch';
import { runScript, type E2BContext } from './e2b-context';
import { entryType } from './entry-type';

function parentOf(path: string): string {
  const index = path.lastIndexOf('/');
  return index <= 0 ? '/' : path.slice(0, index);
}

/** `find -printf %T@` (`seconds.nanoseconds`) to ms, truncated like envd's timestamps (no float rounding). */
function findTimeToMs(value: string): number {
  const [seconds = '0', fraction = ''] = value.split('.');
  return Number(seconds) * 1000 + Number(fraction.padEnd(3, '0').slice(0, 3));
}

const FIND_TYPES: Record<string, WatchStatEntry['type']> = { f: 'file', d: 'directory', l: 'symlink' };

/**
 * The `WatchPort` of an E2B sandbox: `snapshot` is ONE `commands.run` of GNU `find` over every
 * path (`-printf` type, size, mtime, path; NUL-separated so any file name is safe).
 */
export function createE2BWatchPort(context: E2BContext): WatchPort {
  return {
    async snapshot(request: WatchSnapshotRequest): Promise<WatchStatEntry[]> {
      const depth = request.recursive ? '' : ' -maxdepth 1';
      const paths = request.paths.map((p) => quoteShellArg(p)).join(' ');
      const script = `for p in ${paths}; do [ -e "$p" ] || [ -L "$p" ] || continue; find "$p"${depth} -printf '%y\\t%s\\t%T@\\t%p\\0' 2>/dev/null; done; exit 0`;
      const result = await runScript(context, { script, operation: 'snapshot watched paths', ...(request.signal ? { signal: request.signal } : {}) });
      const entries: WatchStatEntry[] = [];
      for (const record of result.stdout.split('\0')) {
        const [type, size, mtime, ...rest] = record.split('\t');
        const path = rest.join('\t');
        if (!type || !path) continue;
        entries.push({ path: normalizePosixPath(path), type: FIND_TYPES[type] ?? 'other', size: Number(size), mtimeMs: findTimeToMs(mtime ?? '0') });
      }
      return entries;
    },
  };
}

function changeType(type: FilesystemEvent['type']): NativeChange['type'] | undefined {
  switch (type) {
    case FilesystemEventType.CREATE:
      return 'create';
    case FilesystemEventType.WRITE:
      return 'modify';
    case FilesystemEventType.REMOVE:
    case FilesystemEventType.RENAME:
      // A rename is reported on the old name; the new name arrives as `create`.
      return 'delete';
    case FilesystemEventType.CHMOD:
      return undefined;
  }
}

/**
 * E2B's own watch API as the native strategy: one `files.watchDir` stream per watched directory
 * (recursive when asked; a watched file is covered by a non-recursive watch of its parent), with
 * `includeEntry` so events carry the real mtime, and no stream deadline (`timeoutMs: 0`). A
 * directory created under a recursive watch is snapshotted once, so entries made in it before the
 * watch covered it are still reported. When a stream ends unexpectedly the registry falls back to
 * polling.
 */
export function createE2BNativeWatch(context: E2BContext): NativeWatchFactory {
  return async (request) => {
    const client = context.client();
    const dirs = new Map<string, boolean>();
    for (const path of request.paths) {
      const info = await client.files.getInfo(path).catch(() => undefined);
      // lstat semantics (envd types a link by its target): a watched link is watched as an entry
      // of its parent, never followed into the directory it points to, as polling does.
      if (info !== undefined && entryType(info) === 'directory') dirs.set(path, request.recursive || (dirs.get(path) ?? false));
      else if (!dirs.has(parentOf(path))) dirs.set(parentOf(path), false);
    }
    const handles: WatchHandle[] = [];
    let closed = false;
    const close = async (): Promise<void> => {
      closed = true;
      await Promise.all(handles.map((h) => h.stop().catch(() => undefined)));
    };
    try {
      for (const [dir, recursive] of dirs) {
        const handle = await client.files.watchDir(
          dir,
          (event) => {
            const type = changeType(event.type);
            if (!type || closed) return;
            const mtime = event.entry?.modifiedTime?.getTime();
            const path = normalizePosixPath(`${dir}/${event.name}`);
            request.emit({ type, path, ...(type !== 'delete' && mtime !== undefined ? { mtimeMs: mtime } : {}) });
            // A recursive watch starts watching a new directory only after reporting it, so
            // entries made inside it meanwhile would be missed: snapshot it once (as inotify does).
            if (type === 'create' && recursive && event.entry !== undefined && entryType(event.entry) === 'directory') void request.resync({ paths: [path] });
          },
          {
            recursive,
            includeEntry: true,
            timeoutMs: 0,
            onExit: (error) => {
              if (!closed) request.fail(`E2B watchDir stream for ${dir} ended${error ? `: ${error.message}` : ''}`);
            },
          },
        );
        handles.push(handle);
      }
    } catch (error) {
      await close();
      throw context.fail(error, { operation: 'watch (files.watchDir)' });
    }
    request.signal.addEventListener('abort', () => void close(), { once: true });
    const result: NativeWatchHandle = { close };
    return result;
  };
}
