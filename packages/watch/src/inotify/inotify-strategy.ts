import { isPathInside } from '@kode/core';
import type { NativeWatchFactory, NativeWatchHandle, NativeWatchRequest } from '../native-strategy';
import type { WatchPort } from '../watch-port';
import type { InotifyRecord } from './inotify-parser';
import { planInotifyWatch, planningPaths, type InotifyPlan } from './inotify-plan';
import { InotifyStartError, startInotifyProcess, type InotifyProcess } from './inotify-process';

type StreamingPort = WatchPort & Required<Pick<WatchPort, 'stream'>>;

function hasStream(port: WatchPort): port is StreamingPort {
  return typeof port.stream === 'function';
}

/** Default time to wait for inotifywait's "Watches established.", in ms. */
export const DEFAULT_NATIVE_READY_TIMEOUT_MS = 10_000;

/** Options of {@link createInotifyWatchFactory}. */
export interface InotifyWatchFactoryOptions {
  /** Must implement `stream`. */
  port: WatchPort;
  /** Default 10 000 ms. */
  readyTimeoutMs?: number | undefined;
}

/**
 * The built-in native strategy: `inotifywait -m` over `port.stream` (one process for recursive
 * directory targets, one for flat directories, as needed). Resolves once every process reported
 * its watches established. When a watched directory disappears, or a directory on the way to a
 * not-yet-existing target appears, it re-arms: starts processes for the new plan, stops the old
 * ones and calls `request.resync()` so nothing in between is lost. A process that ends on its own
 * (or a failed re-arm) calls `request.fail(reason)`, which makes the registry fall back to polling.
 * @throws Error (rejects) when inotifywait is missing (exit 127), exits early or is not ready in time
 */
export function createInotifyWatchFactory(options: InotifyWatchFactoryOptions): NativeWatchFactory {
  const { port } = options;
  if (!hasStream(port)) throw new TypeError('createInotifyWatchFactory needs a port with stream().');
  const streamingPort = port;
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_NATIVE_READY_TIMEOUT_MS;
  return async (request) => {
    const watch = new InotifyWatch(request, { port: streamingPort, readyTimeoutMs });
    try {
      await watch.start();
    } catch (error) {
      // inotifywait exits 1 when a directory vanished between planning and watching: plan again,
      // once. Missing inotifywait (127), timeouts and transport failures fall back at once.
      if (!(error instanceof InotifyStartError) || error.code !== 1 || request.signal.aborted) throw error;
      await watch.start();
    }
    return watch;
  };
}

class InotifyWatch implements NativeWatchHandle {
  private processes: InotifyProcess[] = [];
  private plan: InotifyPlan | undefined;
  private rearming: Promise<void> | undefined;
  private rearmAgain = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly newDirectories = new Set<string>();
  private resyncingDirectories = false;

  constructor(
    private readonly request: NativeWatchRequest,
    private readonly options: { port: StreamingPort; readyTimeoutMs: number },
  ) {
    request.signal.addEventListener('abort', () => void this.close(), { once: true });
  }

  async start(): Promise<void> {
    const { plan, processes } = await this.launch();
    this.plan = plan;
    this.processes = processes;
  }

  /**
   * Stops every inotifywait process; resolves once they have ended. Idempotent: every call (the
   * abort listener's and the registry's) waits for the same stop, so `unwatch` never resolves
   * while a process is still running.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      const processes = this.processes;
      this.processes = [];
      await Promise.all(processes.map((p) => p.stop()));
    })();
    return this.closing;
  }

  /** Plans from a fresh snapshot and starts the processes; all ready, or all stopped and rejected. */
  private async launch(): Promise<{ plan: InotifyPlan; processes: InotifyProcess[] }> {
    const entries = await this.options.port.snapshot({
      paths: planningPaths(this.request.paths),
      recursive: false,
      signal: this.request.signal,
    });
    const plan = planInotifyWatch({ targets: this.request.paths, recursive: this.request.recursive, entries });
    const groups = [
      { paths: plan.recursiveDirs, recursive: true },
      { paths: plan.flatDirs, recursive: false },
    ].filter((g) => g.paths.length > 0);
    const started = await Promise.allSettled(
      groups.map((group) =>
        startInotifyProcess({
          port: this.options.port,
          paths: group.paths,
          recursive: group.recursive,
          readyTimeoutMs: this.options.readyTimeoutMs,
          signal: this.request.signal,
          onRecord: (record) => this.onRecord(record),
          onExit: (reason) => this.onProcessExit(reason),
        }),
      ),
    );
    const processes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failure = started.find((s) => s.status === 'rejected');
    if (failure !== undefined || this.closed) {
      await Promise.all(processes.map((p) => p.stop()));
      if (failure !== undefined) throw failure.reason;
    }
    return { plan, processes };
  }

  private onRecord(record: InotifyRecord): void {
    if (this.closed) return;
    this.request.emit({ type: record.type, path: record.path });
    const plan = this.plan;
    if (plan === undefined) return;
    if (record.type === 'create' && record.isDirectory && plan.recursiveDirs.some((root) => isPathInside(root, record.path))) {
      this.resyncNewDirectory(record.path);
    }
    const rootGone = record.type === 'delete' && plan.roots.has(record.path);
    const stepAppeared = record.type === 'create' && record.isDirectory && plan.armPoints.has(record.path);
    if (rootGone || stepAppeared) this.rearm();
  }

  /**
   * inotifywait -r adds a watch on a new directory only after its CREATE event, so entries made in
   * it before that (mkdir -p a/b && echo > a/b/f) are never reported, and a directory moved in
   * brings its contents silently. Snapshot such directories (batched: one resync at a time, the
   * directories seen meanwhile go into the next) and report what is in them.
   */
  private resyncNewDirectory(path: string): void {
    this.newDirectories.add(path);
    if (this.resyncingDirectories) return;
    this.resyncingDirectories = true;
    void (async () => {
      while (this.newDirectories.size > 0 && !this.closed) {
        const paths = [...this.newDirectories];
        this.newDirectories.clear();
        await this.request.resync({ paths });
      }
      this.resyncingDirectories = false;
    })();
  }

  private onProcessExit(reason: string): void {
    if (this.closed) return;
    void this.close();
    this.request.fail(reason);
  }

  private rearm(): void {
    if (this.rearming !== undefined) {
      this.rearmAgain = true;
      return;
    }
    this.rearming = (async () => {
      do {
        this.rearmAgain = false;
        const old = this.processes;
        let next;
        try {
          next = await this.launch();
        } catch (error) {
          if (!this.closed) this.onProcessExit(`Re-arming inotifywait failed: ${error instanceof Error ? error.message : String(error)}`);
          return;
        }
        if (this.closed) {
          await Promise.all(next.processes.map((p) => p.stop()));
          return;
        }
        this.plan = next.plan;
        this.processes = next.processes;
        await Promise.all(old.map((p) => p.stop()));
        await this.request.resync();
      } while (this.rearmAgain && !this.closed);
    })().finally(() => {
      this.rearming = undefined;
    });
  }
}
