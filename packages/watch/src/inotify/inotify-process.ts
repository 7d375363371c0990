import type { WatchPort, WatchStreamResult } from '../watch-port';
import { buildInotifyCommand } from './inotify-command';
import { InotifyRecordParser, type InotifyRecord } from './inotify-parser';

/** How long `stop` waits for the port to settle the aborted stream, in ms. */
const STOP_WAIT_MS = 5000;

/** Options of {@link startInotifyProcess}. */
export interface InotifyProcessOptions {
  port: WatchPort & Required<Pick<WatchPort, 'stream'>>;
  /** Existing directories to watch. */
  paths: readonly string[];
  recursive: boolean;
  /** Receives every event record once the process is started (also before "ready"). */
  onRecord: (record: InotifyRecord) => void;
  /** Called once if the process ends or its stream fails AFTER it became ready, unless stopped. */
  onExit: (reason: string) => void;
  /** Rejects the start when "Watches established." has not arrived in time (ms). */
  readyTimeoutMs: number;
  /** Aborting it stops the process (and rejects a start still waiting for "ready"). */
  signal: AbortSignal;
}

/** A running inotifywait. */
export interface InotifyProcess {
  /** Aborts the stream and waits for it to settle. Idempotent; never rejects. */
  stop(): Promise<void>;
}

/** Why an inotifywait process did not become ready; `code` is its exit code when it exited. */
export class InotifyStartError extends Error {
  constructor(
    message: string,
    readonly code: number | null | undefined,
  ) {
    super(message);
    this.name = 'InotifyStartError';
  }
}

/** Describes why a stream ended, for fallback reasons and errors. */
export function describeInotifyExit(result: WatchStreamResult): string {
  const tail = result.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 500);
  if (result.code === 127) return `inotifywait is not available in the sandbox (exit 127${tail ? `: ${tail}` : ''}).`;
  return `inotifywait exited with code ${String(result.code)}${tail ? `: ${tail}` : ''}.`;
}

/**
 * Runs `inotifywait -m` over `port.stream` and resolves once it reported its watches established.
 * Rejects (after stopping the stream) when the command ends first (e.g. exit 127: not installed),
 * the stream fails, or `readyTimeoutMs` passes.
 */
export function startInotifyProcess(options: InotifyProcessOptions): Promise<InotifyProcess> {
  const abort = new AbortController();
  const parser = new InotifyRecordParser();
  let ready = false;
  let stopped = false;
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const readyPromise = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const streaming = options.port
    .stream({
      command: buildInotifyCommand({ paths: options.paths, recursive: options.recursive }),
      signal: abort.signal,
      onLine: (line) => {
        if (stopped) return;
        const output = parser.push(line);
        if (output === undefined) return;
        if (output.kind === 'ready') {
          ready = true;
          settle?.resolve();
        } else options.onRecord(output.record);
      },
    })
    .then(
      (result) => ({ reason: describeInotifyExit(result), code: result.code }),
      (error: unknown) => ({ reason: `The inotifywait stream failed: ${error instanceof Error ? error.message : String(error)}`, code: undefined }),
    )
    .then(({ reason, code }) => {
      if (stopped) return;
      stopped = true;
      if (ready) options.onExit(reason);
      else settle?.reject(new InotifyStartError(reason, code));
    });
  const stop = async (): Promise<void> => {
    stopped = true;
    abort.abort();
    // The port must settle after an abort; do not let a port that does not hang unwatch forever.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([streaming, new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
    clearTimeout(timer);
  };
  const timer = setTimeout(() => {
    settle?.reject(new InotifyStartError(`inotifywait did not report its watches established within ${options.readyTimeoutMs} ms.`, undefined));
  }, options.readyTimeoutMs);
  const onAbort = (): void => {
    settle?.reject(new InotifyStartError('The watch was closed while inotifywait was starting.', undefined));
    void stop();
  };
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener('abort', onAbort, { once: true });
  void streaming.then(() => options.signal.removeEventListener('abort', onAbort));
  return readyPromise.then(
    () => {
      clearTimeout(timer);
      return { stop };
    },
    async (error: Error) => {
      clearTimeout(timer);
      await stop();
      throw error;
    },
  );
}
