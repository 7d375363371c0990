/**
 * An fsnotify-like directory watcher on top of `inotifywait -m` (from inotify-tools), the way envd's
 * WatchDir behaves: one inotify event may carry several operations, each reported separately, with
 * names relative to the watched directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { relative } from 'node:path';

/** `filesystem.EventType` JSON names. */
export type EventTypeName = 'EVENT_TYPE_CREATE' | 'EVENT_TYPE_WRITE' | 'EVENT_TYPE_REMOVE' | 'EVENT_TYPE_RENAME' | 'EVENT_TYPE_CHMOD';

/** One raw event: absolute path and operation. */
export interface RawWatchEvent {
  path: string;
  name: string;
  type: EventTypeName;
}

/** Maps inotify flags to envd operations in envd's order (create, rename, chmod, write, remove). */
function operations(flags: string[]): EventTypeName[] {
  const has = (...names: string[]): boolean => names.some((n) => flags.includes(n));
  const out: EventTypeName[] = [];
  if (has('CREATE', 'MOVED_TO')) out.push('EVENT_TYPE_CREATE');
  if (has('MOVED_FROM', 'MOVE_SELF')) out.push('EVENT_TYPE_RENAME');
  if (has('ATTRIB')) out.push('EVENT_TYPE_CHMOD');
  if (has('MODIFY')) out.push('EVENT_TYPE_WRITE');
  if (has('DELETE', 'DELETE_SELF')) out.push('EVENT_TYPE_REMOVE');
  return out;
}

/** A running watcher. */
export class InotifyWatcher {
  private child: ChildProcess | undefined;
  private stopped = false;

  private constructor(
    private readonly root: string,
    private readonly onEvent: (event: RawWatchEvent) => void,
    private readonly onEnd: (error?: Error) => void,
  ) {}

  /** Starts watching `root`; resolves once inotify watches are established. */
  static start(options: {
    root: string;
    recursive: boolean;
    onEvent: (event: RawWatchEvent) => void;
    onEnd: (error?: Error) => void;
  }): Promise<InotifyWatcher> {
    const watcher = new InotifyWatcher(options.root, options.onEvent, options.onEnd);
    return watcher.run(options.recursive).then(() => watcher);
  }

  private run(recursive: boolean): Promise<void> {
    const args = ['-m', '--no-newline', '--format', '%e %w%f%0', '-e', 'create,modify,delete,delete_self,moved_from,moved_to,move_self,attrib'];
    if (recursive) args.push('-r');
    args.push('--', this.root);
    const child = spawn('inotifywait', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      let stderr = '';
      let pending = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        if (!ready && stderr.includes('Watches established.')) {
          ready = true;
          resolve();
        }
      });
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        pending += chunk;
        let index: number;
        while ((index = pending.indexOf('\0')) >= 0) {
          const record = pending.slice(0, index);
          pending = pending.slice(index + 1);
          this.dispatch(record);
        }
      });
      child.on('error', (error) => {
        if (!ready) reject(error);
        else this.finish(error);
      });
      child.on('close', (code) => {
        if (!ready) reject(new Error(`inotifywait exited with ${String(code)}: ${stderr.trim()}`));
        else this.finish(this.stopped ? undefined : new Error(`inotifywait exited with ${String(code)}`));
      });
    });
  }

  private dispatch(record: string): void {
    const space = record.indexOf(' ');
    if (space < 0) return;
    const flags = record.slice(0, space).split(',');
    const path = record.slice(space + 1);
    const name = relative(this.root, path);
    for (const type of operations(flags)) this.onEvent({ path, name: name === '' ? '.' : name, type });
  }

  private finish(error?: Error): void {
    if (this.stopped && error === undefined) {
      this.onEnd();
      return;
    }
    this.onEnd(error);
  }

  /** Stops watching. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.child?.kill('SIGKILL');
  }
}
