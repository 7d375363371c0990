import type { Sandbox, WatchEvent, WatchEventType, WatchFilesOptions } from '@kode/core';
import { waitUntil } from './wait';

/** Records the events of one watch and waits for expected ones with a bounded timeout. */
export class WatchRecorder {
  /** Every event received, in order. */
  readonly events: WatchEvent[] = [];
  /** Events received after {@link WatchRecorder.mark} was called. */
  readonly afterMark: WatchEvent[] = [];
  private marked = false;
  /** The watch id, once started. */
  id = '';

  /** The listener to hand to `watchFiles`. */
  readonly listener = (event: WatchEvent): void => {
    this.events.push(event);
    if (this.marked) this.afterMark.push(event);
  };

  /** Starts a watch on `paths` in `sandbox` feeding this recorder; resolves once it is live. */
  static async start(sandbox: Sandbox, paths: string[], options?: WatchFilesOptions): Promise<WatchRecorder> {
    const recorder = new WatchRecorder();
    recorder.id = await sandbox.watchFiles(paths, recorder.listener, options);
    return recorder;
  }

  /** From now on, also collect events into {@link WatchRecorder.afterMark}. */
  mark(): void {
    this.marked = true;
  }

  /** Whether an event for `path` (of one of `types`, default any) has been received. */
  has(path: string, types?: readonly WatchEventType[]): boolean {
    return this.events.some((e) => e.path === path && (types === undefined || types.includes(e.type)));
  }

  /**
   * Waits until an event for `path` of one of `types` arrives, and returns the first such event.
   * @throws Error after `timeoutMs`, listing what did arrive
   */
  async waitFor(path: string, options: { types?: readonly WatchEventType[]; timeoutMs: number }): Promise<WatchEvent> {
    try {
      return await waitUntil(() => this.events.find((e) => e.path === path && (options.types === undefined || options.types.includes(e.type))), {
        timeoutMs: options.timeoutMs,
        what: `a ${options.types?.join('/') ?? 'any'} event for ${path}`,
      });
    } catch (error) {
      throw new Error(`${(error as Error).message} Received: ${this.summary()}`, { cause: error });
    }
  }

  /** A short description of what arrived, for failure messages. */
  summary(limit = 20): string {
    const shown = this.events.slice(-limit).map((e) => `${e.type} ${e.path} (${e.via})`);
    return this.events.length === 0 ? 'no events' : `${this.events.length} events, last: ${shown.join('; ')}`;
  }
}
