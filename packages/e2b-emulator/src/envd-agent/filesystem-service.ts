/** `filesystem.Filesystem` as envd implements it (stat, mkdir, move, list, remove, watch). */
import { randomUUID } from 'node:crypto';
import { lstat, mkdir, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { RpcError, type ServerStream } from './connect-protocol';
import { entryFromStats, entryInfo, goErrnoText, type EntryInfoJson } from './entry-info';
import { InotifyWatcher, type RawWatchEvent } from './inotify-watcher';

/** Resolves request paths like envd's `ExpandAndResolve` (relative → home, `~` → home). */
export type PathResolver = (path: string) => string;

interface FilesystemEventJson {
  name: string;
  type: RawWatchEvent['type'];
  entry?: EntryInfoJson;
}

interface WatchRequest {
  path?: string;
  recursive?: boolean;
  includeEntry?: boolean;
  allowNetworkMounts?: boolean;
}

function str(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new RpcError('invalid_argument', `${field} must be a string`);
  return value;
}

/** The Filesystem service of one sandbox. */
export class FilesystemService {
  private readonly pollWatchers = new Map<string, { watcher: InotifyWatcher; events: FilesystemEventJson[]; error?: Error }>();

  constructor(private readonly resolve: PathResolver) {}

  /** Unary methods by name. */
  unary(method: string): ((message: Record<string, unknown>) => Promise<unknown>) | undefined {
    switch (method) {
      case 'Stat':
        return (m) => this.stat(m);
      case 'MakeDir':
        return (m) => this.makeDir(m);
      case 'Move':
        return (m) => this.move(m);
      case 'ListDir':
        return (m) => this.listDir(m);
      case 'Remove':
        return (m) => this.remove(m);
      case 'CreateWatcher':
        return (m) => this.createWatcher(m);
      case 'GetWatcherEvents':
        return (m) => Promise.resolve(this.getWatcherEvents(m));
      case 'RemoveWatcher':
        return (m) => Promise.resolve(this.removeWatcher(m));
      default:
        return undefined;
    }
  }

  private async stat(m: Record<string, unknown>): Promise<unknown> {
    const path = this.resolve(str(m.path, 'path'));
    return { entry: await entryInfo(path) };
  }

  private async makeDir(m: Record<string, unknown>): Promise<unknown> {
    const path = this.resolve(str(m.path, 'path'));
    let existing: Awaited<ReturnType<typeof stat>> | undefined;
    try {
      existing = await stat(path);
    } catch (error) {
      // envd: only "does not exist" lets the directory be made; ENOTDIR and the like are internal.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new RpcError('internal', `error getting file info: stat ${path}: ${goErrnoText(error)}`);
    }
    if (existing?.isDirectory()) throw new RpcError('already_exists', `directory already exists: ${path}`);
    if (existing) throw new RpcError('invalid_argument', `path already exists but it is not a directory: ${path}`);
    try {
      await mkdir(path, { recursive: true });
    } catch (error) {
      throw new RpcError('internal', `error creating directory: ${(error as Error).message}`);
    }
    return { entry: await entryInfo(path) };
  }

  private async move(m: Record<string, unknown>): Promise<unknown> {
    const source = this.resolve(str(m.source, 'source'));
    const destination = this.resolve(str(m.destination, 'destination'));
    try {
      await mkdir(dirname(destination), { recursive: true });
    } catch (error) {
      throw new RpcError('internal', `error creating directories: ${(error as Error).message}`);
    }
    try {
      await rename(source, destination);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new RpcError('not_found', `source file not found: ${source}`);
      throw new RpcError('internal', `error renaming: ${(error as Error).message}`);
    }
    return { entry: await entryInfo(destination) };
  }

  private async listDir(m: Record<string, unknown>): Promise<unknown> {
    const requested = this.resolve(str(m.path, 'path'));
    const depthRaw = m.depth ?? 0;
    if (typeof depthRaw !== 'number' || !Number.isInteger(depthRaw) || depthRaw < 0) throw new RpcError('invalid_argument', 'depth must be a uint32');
    const depth = depthRaw === 0 ? 1 : depthRaw;
    let resolved: string;
    try {
      resolved = await realpath(requested);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new RpcError('not_found', `path not found: lstat ${requested}: no such file or directory`);
      if (code === 'ELOOP') throw new RpcError('failed_precondition', `cyclic symlink or chain >255 links at "${requested}"`);
      // Go's EvalSymlinks reports a bare errno here ("not a directory"), without the path.
      throw new RpcError('internal', `error resolving symlink: ${goErrnoText(error)}`);
    }
    const info = await stat(resolved);
    if (!info.isDirectory()) throw new RpcError('invalid_argument', `path is not a directory: ${resolved}`);
    const entries: EntryInfoJson[] = [];
    await this.walk({ root: resolved, requested, dir: resolved, level: 1, depth }, entries);
    return { entries };
  }

  /**
   * Like envd's walk (Go's `filepath.WalkDir`): lexical order, symlinks not entered, each entry
   * built from the resolved path, then given the path under the REQUESTED directory.
   */
  private async walk(
    { root, requested, dir, level, depth }: { root: string; requested: string; dir: string; level: number; depth: number },
    out: EntryInfoJson[],
  ): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (error) {
      throw new RpcError('internal', `error reading directory ${root}: ${(error as Error).message}`);
    }
    for (const name of names) {
      const path = join(dir, name);
      const stats = await lstat(path).catch(() => undefined);
      if (!stats) continue;
      const entry = await entryFromStats(path, stats);
      entry.path = join(requested, relative(root, path));
      out.push(entry);
      if (stats.isDirectory() && level < depth) await this.walk({ root, requested, dir: path, level: level + 1, depth }, out);
    }
  }

  private async remove(m: Record<string, unknown>): Promise<unknown> {
    const path = this.resolve(str(m.path, 'path'));
    try {
      await rm(path, { recursive: true, force: true });
    } catch (error) {
      throw new RpcError('internal', `error removing file or directory: ${(error as Error).message}`);
    }
    return {};
  }

  private async checkWatchable(request: WatchRequest): Promise<string> {
    const path = this.resolve(str(request.path, 'path'));
    const info = await stat(path).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new RpcError('not_found', `path ${path} not found: stat ${path}: no such file or directory`);
      throw new RpcError('internal', `error statting path ${path}: stat ${path}: ${goErrnoText(error)}`);
    });
    if (!info.isDirectory()) throw new RpcError('invalid_argument', `path ${path} not a directory: %!w(<nil>)`);
    return path;
  }

  private async toEvent(raw: RawWatchEvent, includeEntry: boolean): Promise<FilesystemEventJson> {
    const event: FilesystemEventJson = { name: raw.name, type: raw.type };
    // envd attaches an entry only to events whose path should still exist (create, write, chmod).
    if (includeEntry && (raw.type === 'EVENT_TYPE_CREATE' || raw.type === 'EVENT_TYPE_WRITE' || raw.type === 'EVENT_TYPE_CHMOD')) {
      const stats = await lstat(raw.path).catch(() => undefined);
      if (stats) event.entry = await entryFromStats(raw.path, stats);
    }
    return event;
  }

  /** Server-streaming WatchDir: `start` first, then `filesystem` events and keepalives. */
  async watchDir(message: Record<string, unknown>, stream: ServerStream, keepaliveMs: number | undefined): Promise<void> {
    const request = message as WatchRequest;
    const path = await this.checkWatchable(request);
    let chain = Promise.resolve();
    const watcher = await InotifyWatcher.start({
      root: path,
      recursive: request.recursive === true,
      onEvent: (raw) => {
        chain = chain.then(async () => stream.send({ filesystem: await this.toEvent(raw, request.includeEntry === true) }));
      },
      onEnd: (error) => {
        void chain.then(() => stream.end(error ? new RpcError('internal', `watcher error: ${error.message}`) : undefined));
      },
    });
    stream.send({ start: {} });
    const timer = keepaliveMs ? setInterval(() => stream.send({ keepalive: {} }), keepaliveMs) : undefined;
    stream.onClose(() => {
      if (timer) clearInterval(timer);
      watcher.stop();
    });
  }

  private async createWatcher(m: Record<string, unknown>): Promise<unknown> {
    const request = m as WatchRequest;
    const path = await this.checkWatchable(request);
    const id = randomUUID();
    const state: { watcher?: InotifyWatcher; events: FilesystemEventJson[]; error?: Error } = { events: [] };
    let chain = Promise.resolve();
    const watcher = await InotifyWatcher.start({
      root: path,
      recursive: request.recursive === true,
      onEvent: (raw) => {
        chain = chain.then(async () => {
          state.events.push(await this.toEvent(raw, request.includeEntry === true));
        });
      },
      onEnd: (error) => {
        if (error) state.error = error;
      },
    });
    this.pollWatchers.set(id, { watcher, events: state.events, get error() { return state.error; } });
    return { watcherId: id };
  }

  private getWatcherEvents(m: Record<string, unknown>): unknown {
    const id = str(m.watcherId, 'watcherId');
    const entry = this.pollWatchers.get(id);
    if (!entry) throw new RpcError('not_found', `watcher with id ${id} not found`);
    if (entry.error) throw new RpcError('internal', `watcher error: ${entry.error.message}`);
    return { events: entry.events.splice(0) };
  }

  private removeWatcher(m: Record<string, unknown>): unknown {
    const id = str(m.watcherId, 'watcherId');
    const entry = this.pollWatchers.get(id);
    if (!entry) throw new RpcError('not_found', `watcher with id ${id} not found`);
    entry.watcher.stop();
    this.pollWatchers.delete(id);
    return {};
  }

  /** Stops every watcher (agent shutdown). */
  close(): void {
    for (const { watcher } of this.pollWatchers.values()) watcher.stop();
    this.pollWatchers.clear();
  }
}
