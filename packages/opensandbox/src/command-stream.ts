import type { RunCommandOpts, Sandbox as SdkSandbox } from '@alibaba-group/opensandbox';
import { streamCommandEvents, type CommandEvent } from './execd-events';

/** How long a finished command waits for its response to close, so the connection is reused (ms). */
const STREAM_CLOSE_WAIT_MS = 5;

/** Longest output line kept whole when the caller sets no cap (bytes). */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/** How long to wait for the command id (the stream's `init` event) after an abort before giving up on the interrupt. */
const INIT_WAIT_AFTER_STOP_MS = 5_000;

/** One run of `POST /command` consumed event by event. */
export interface CommandStreamRequest {
  sdk: SdkSandbox;
  command: string;
  options: RunCommandOpts;
  /** Aborting interrupts the command in the sandbox (by its id) and ends the run as `'aborted'`. */
  signal?: AbortSignal | undefined;
  /** Client-side deadline in ms from the start: past it the command is interrupted and the run ends as `'deadline'`. */
  deadlineMs?: number | undefined;
  /** Each output line, without its line terminator; `truncated` when it was cut at `maxLineBytes`. */
  onLine?: ((stream: 'stdout' | 'stderr', line: string, truncated: boolean) => void) | undefined;
  /** Longest event line kept whole (bytes); longer lines are cut, keeping memory bounded. Default 16 MiB. */
  maxLineBytes?: number | undefined;
  /** The command id, as soon as the server announces it. */
  onInit?: ((id: string) => void) | undefined;
  /** Run in this execd bash session (`POST /session/{id}/run`); `options.envs` and `background` are then ignored. */
  sessionId?: string | undefined;
}

/** How a run ended. */
export type CommandStreamEnd =
  | { kind: 'complete' }
  | { kind: 'error'; name: string; value: string; detail: string }
  | { kind: 'aborted' }
  | { kind: 'deadline' }
  | { kind: 'cut' }
  | { kind: 'failed'; error: unknown };

/** The outcome of {@link runCommandStream}. */
export interface CommandStreamResult {
  /** The execd command id (from the `init` event), when one arrived. */
  id: string | undefined;
  end: CommandStreamEnd;
  /** Milliseconds from the request to the final event (or to the stop). */
  durationMs: number;
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

function lineOf(event: CommandEvent): string {
  const text = typeof event.text === 'string' ? event.text : '';
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/**
 * Runs a command with ONE streaming request and returns at its final event (`execution_complete`
 * or `error`) without waiting for execd's post-completion grace period: the rest of the response
 * is drained in the background. An abort or a passed deadline interrupts the command in the
 * sandbox (`DELETE /command?id=`, awaited so the process tree is gone when this resolves).
 * Never throws: transport failures come back as `{ kind: 'failed' }`.
 */
export async function runCommandStream(request: CommandStreamRequest): Promise<CommandStreamResult> {
  const started = Date.now();
  const { sdk, signal } = request;
  let id: string | undefined;
  let announceId: (value: string | undefined) => void = () => undefined;
  const idKnown = new Promise<string | undefined>((resolve) => (announceId = resolve));

  const iterator = streamCommandEvents({
    sdk,
    command: request.command,
    runOptions: request.options,
    maxLineBytes: request.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    sessionId: request.sessionId,
  })[Symbol.asyncIterator]();
  const pump = (async (): Promise<CommandStreamEnd> => {
    try {
      for (;;) {
        const step = await iterator.next();
        if (step.done) return { kind: 'cut' };
        const event = step.value;
        switch (event.type) {
          case 'init':
            if (typeof event.text === 'string' && event.text !== '') {
              id = event.text;
              announceId(id);
              request.onInit?.(id);
            }
            break;
          case 'stdout':
          case 'stderr':
            request.onLine?.(event.type, lineOf(event), event.truncated === true);
            break;
          case 'execution_complete':
            return { kind: 'complete' };
          case 'error': {
            const err = (event.error ?? {}) as { ename?: unknown; evalue?: unknown; traceback?: unknown };
            const detail = Array.isArray(err.traceback) ? err.traceback.map(String).join('\n') : '';
            return { kind: 'error', name: stringOf(err.ename), value: stringOf(err.evalue), detail };
          }
          default:
            break;
        }
      }
    } catch (error) {
      // Once the server announced the command, a dropped connection means it may have run: a cut, not a connection failure.
      return id !== undefined ? { kind: 'cut' } : { kind: 'failed', error };
    } finally {
      announceId(undefined);
    }
  })();

  const cleanups: Array<() => void> = [];
  const stopped = new Promise<'aborted' | 'deadline'>((resolve) => {
    if (signal) {
      if (signal.aborted) resolve('aborted');
      const onAbort = (): void => resolve('aborted');
      signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
    if (request.deadlineMs !== undefined) {
      const timer = setTimeout(() => resolve('deadline'), Math.max(0, request.deadlineMs));
      cleanups.push(() => clearTimeout(timer));
    }
  });

  try {
    const first = await Promise.race([pump, stopped]);
    if (typeof first === 'object') {
      if (first.kind === 'complete' || first.kind === 'error') await settleBriefly(drain(iterator), STREAM_CLOSE_WAIT_MS);
      // The outcome is unknown: do not leave the command running unobserved.
      else if (id !== undefined) await interruptQuietly(sdk, id);
      return { id, end: first, durationMs: Date.now() - started };
    }
    // Stopped by abort or deadline: make sure the command dies in the sandbox.
    const commandId = id ?? (await withTimeout(idKnown, INIT_WAIT_AFTER_STOP_MS));
    if (commandId !== undefined) await interruptQuietly(sdk, commandId);
    void pump.then((end) => {
      if (end.kind === 'complete' || end.kind === 'error') void drain(iterator);
    });
    return { id: commandId, end: { kind: first }, durationMs: Date.now() - started };
  } finally {
    for (const cleanup of cleanups) cleanup();
  }
}

/** Interrupts a command, ignoring failures (it may have finished already). */
export async function interruptQuietly(sdk: SdkSandbox, id: string): Promise<void> {
  try {
    await sdk.commands.interrupt(id);
  } catch {
    // Already finished, or the sandbox is gone: nothing left to stop.
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    void promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** Reads the rest of a response in the background so its connection is released when the server closes it. */
function drain(iterator: AsyncIterator<CommandEvent>): Promise<void> {
  return (async () => {
    try {
      for (;;) {
        const step = await iterator.next();
        if (step.done) return;
      }
    } catch {
      // The response was cut after its final event; nothing to do.
    }
  })();
}

/**
 * Waits up to `ms` for the rest of a finished command's response. When the server closes it at
 * once (no grace period) the connection goes back to the keep-alive pool before the next request,
 * instead of that request opening a new one; a server that lingers (execd's 1 s grace) costs at
 * most `ms`.
 */
async function settleBriefly(drained: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
