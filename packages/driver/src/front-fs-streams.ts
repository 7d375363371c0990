import {
  assertCapability,
  hasErrorCode,
  InvalidArgumentError,
  sanitizeError,
  UnsupportedCapabilityError,
  type ByteSource,
  type FileStat,
  type ReadStreamOptions,
  type StreamProgress,
  type WriteStreamOptions,
} from '@kode/core';
import { assertOptions, checkFunction, checkSignal } from './arguments';
import type { FrontContext } from './driver-sandbox';

/** Resolves `path`, checks readiness and confinement; returns the absolute target (FrontFs's rule). */
export type ResolveTarget = (path: string, operation: string, entryItself: boolean) => Promise<string>;

const STREAM_OPTION_KEYS = ['signal', 'onProgress'] as const;

/** Milliseconds `dispose()` waits for stopped writes to remove their temporary files. */
export const WRITE_SETTLE_TIMEOUT_MS = 10_000;

/**
 * `.<name>.kode-<12 hex>.tmp` next to `target` (same directory, so the final rename is atomic),
 * the name local's watch port already hides (docs/decisions/0130-local-write-temp-files-and-overwrite-events.md).
 */
export function streamTempPathFor(target: string): string {
  const slash = target.lastIndexOf('/');
  const dir = slash <= 0 ? '' : target.slice(0, slash);
  const name = target.slice(slash + 1);
  const hex = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${dir}/.${name}.kode-${hex}.tmp`;
}

function isByteSource(value: unknown): value is ByteSource {
  if (typeof value !== 'object' || value === null) return false;
  if (value instanceof Uint8Array) return false; // a whole buffer belongs to fs.write
  return typeof (value as { getReader?: unknown }).getReader === 'function' || Symbol.asyncIterator in value || Symbol.iterator in value;
}

/** One pull-based iterator over any {@link ByteSource}; `close` releases it (cancels a web stream). */
function openSource(source: ByteSource): { next(): Promise<IteratorResult<unknown>>; close(reason: unknown): Promise<void> } {
  if (typeof (source as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    return { next: () => reader.read() as Promise<IteratorResult<unknown>>, close: (reason) => reader.cancel(reason) };
  }
  const iterator =
    Symbol.asyncIterator in source ? (source as AsyncIterable<unknown>)[Symbol.asyncIterator]() : (source as Iterable<unknown>)[Symbol.iterator]();
  return {
    next: async () => iterator.next(),
    close: async () => {
      await iterator.return?.();
    },
  };
}

function report(onProgress: ((progress: StreamProgress) => void) | undefined, progress: StreamProgress): void {
  if (onProgress === undefined) return;
  try {
    onProgress(progress);
  } catch {
    // A throwing progress callback must not break the transfer.
  }
}

/**
 * The contract's streaming rules (docs/contract.md) over a driver's `openReadStream` /
 * `writeStream`: capability gate, option checks, progress, abort, and atomic replacement: a write
 * goes to a temporary name next to the target that is renamed over it only once every byte
 * arrived, and is removed on abort or failure, on every backend.
 */
export class FrontFsStreams {
  readonly #ctx: FrontContext;
  readonly #target: ResolveTarget;
  /** Writes in progress, settled once their temporary file is renamed or removed. */
  readonly #writing = new Set<Promise<void>>();

  /** @internal built by `FrontFs` */
  constructor(context: FrontContext, target: ResolveTarget) {
    this.#ctx = context;
    this.#target = target;
  }

  /**
   * Opens a file as a `ReadableStream` of chunks (pull-based: one chunk in flight, O(chunk) memory).
   * Opening is retried on transient failures; the bytes are not. Aborting `signal` errors the
   * stream with `signal.reason`; cancelling the stream releases the transfer.
   * @throws UnsupportedCapabilityError, InvalidArgumentError (bad options, a directory), FileNotFoundError
   */
  async readStream(path: string, options?: ReadStreamOptions): Promise<ReadableStream<Uint8Array>> {
    const { backend, driver } = this.#ctx;
    assertCapability(driver.capabilities, 'fs.streaming', backend);
    const { signal, onProgress } = this.#options(options, 'fs.readStream');
    const target = await this.#target(path, 'readStream', false);
    const open = driver.fs.openReadStream?.bind(driver.fs);
    if (open === undefined) throw this.#missing('openReadStream');
    if (signal?.aborted) throw signal.reason;
    const transfer = new AbortController();
    this.#ctx.disposing?.throwIfAborted();
    const opened = await this.#ctx.call(`readStream ${target}`, () => open(target, { signal: transfer.signal }), { idempotent: true, signal });
    const reader = opened.stream.getReader();
    const totalBytes = opened.size;
    let bytes = 0;
    let settled = false;
    let output: ReadableStreamDefaultController<Uint8Array> | undefined;
    let finish: () => void = () => undefined;
    void this.#ctx.busy(() => new Promise<void>((resolve) => (finish = resolve)));
    const settle = (): void => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      this.#ctx.disposing?.removeEventListener('abort', onDispose);
      finish();
    };
    const disposing = this.#ctx.disposing;
    const stop = (reason: unknown): void => {
      if (settled) return;
      settle();
      transfer.abort(reason);
      output?.error(reason);
      reader.cancel(reason).catch(() => undefined);
    };
    const onAbort = (): void => stop(signal?.reason);
    const onDispose = (): void => stop(disposing?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    disposing?.addEventListener('abort', onDispose, { once: true });
    const secrets = driver.secrets;
    return new ReadableStream<Uint8Array>(
      {
        start(controller) {
          output = controller;
        },
        async pull(controller) {
          let result: Awaited<ReturnType<typeof reader.read>>;
          try {
            result = await reader.read();
          } catch (error) {
            if (settled) return;
            settle();
            throw sanitizeError(error, { secrets, backend, operation: `readStream ${target}` });
          }
          if (settled) return;
          if (result.done) {
            settle();
            controller.close();
            return;
          }
          bytes += result.value.byteLength;
          controller.enqueue(result.value);
          report(onProgress, totalBytes === undefined ? { bytes } : { bytes, totalBytes });
        },
        async cancel(reason) {
          if (!settled) settle();
          transfer.abort(reason);
          await reader.cancel(reason).catch(() => undefined);
        },
      },
      { highWaterMark: 0 },
    );
  }

  /**
   * Writes `source` to a temporary name next to `path`, then renames it over `path`: `path` holds
   * the old content or the whole new one, never a part. On abort (rejects with `signal.reason`) or
   * any failure the temporary file is removed. Never retried (a stream cannot be replayed).
   * @throws UnsupportedCapabilityError, InvalidArgumentError (bad options or source, a directory at `path`, a chunk that is not a `Uint8Array`)
   */
  async writeStream(path: string, source: ByteSource, options?: WriteStreamOptions): Promise<{ bytes: number }> {
    const { backend, driver } = this.#ctx;
    assertCapability(driver.capabilities, 'fs.streaming', backend);
    const { signal, onProgress } = this.#options(options, 'fs.writeStream');
    if (!isByteSource(source)) {
      throw new InvalidArgumentError('fs.writeStream source must be a ReadableStream or an (async) iterable of Uint8Array chunks.', { backend });
    }
    const target = await this.#target(path, 'writeStream', false);
    const write = driver.fs.writeStream?.bind(driver.fs);
    if (write === undefined) throw this.#missing('writeStream');
    const existing = await this.#statOrUndefined(target);
    if (existing?.type === 'directory') throw new InvalidArgumentError(`Cannot write ${target}: it is a directory.`, { backend });
    if (signal?.aborted) throw signal.reason;

    const temp = streamTempPathFor(target);
    const transfer = new AbortController();
    const disposing = this.#ctx.disposing;
    const onAbort = (): void => transfer.abort(signal?.reason);
    const onDispose = (): void => transfer.abort(disposing?.reason);
    disposing?.throwIfAborted();
    signal?.addEventListener('abort', onAbort, { once: true });
    disposing?.addEventListener('abort', onDispose, { once: true });
    const state = { bytes: 0, sourceError: undefined as unknown };
    let settle: () => void = () => undefined;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this.#writing.add(settled);
    try {
      await this.#ctx.busy(() =>
        this.#ctx.call(`writeStream ${target}`, () => write(temp, pullChunks({ source, signal: transfer.signal, state, onProgress, backend }), { signal: transfer.signal }), {
          signal,
        }),
      );
      if (signal?.aborted) throw signal.reason;
      disposing?.throwIfAborted();
      await this.#ctx.call(`writeStream ${target}`, () => driver.fs.rename(temp, target));
      return { bytes: state.bytes };
    } catch (error) {
      transfer.abort(error);
      await driver.fs.remove(temp, { type: 'file' }).catch(() => undefined);
      if (signal?.aborted) throw signal.reason;
      if (disposing?.aborted) throw disposing.reason;
      throw state.sourceError ?? error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      disposing?.removeEventListener('abort', onDispose);
      this.#writing.delete(settled);
      settle();
    }
  }

  /**
   * For `dispose()`, after it aborted `disposing`: resolves once every write in progress has
   * stopped and removed its temporary file (so the driver is still there to remove it), or after
   * `timeoutMs`. Never rejects.
   * @internal
   */
  async settleWrites(timeoutMs: number = WRITE_SETTLE_TIMEOUT_MS): Promise<void> {
    if (this.#writing.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    try {
      await Promise.race([Promise.all(this.#writing), bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  #options(options: unknown, name: string): { signal: AbortSignal | undefined; onProgress: ((progress: StreamProgress) => void) | undefined } {
    const backend = this.#ctx.backend;
    const o = assertOptions(options, { name: `${name} options`, known: STREAM_OPTION_KEYS, backend });
    return {
      signal: checkSignal(o.signal, { name: `${name} signal`, backend }),
      onProgress: checkFunction<(progress: StreamProgress) => void>(o.onProgress, { name: `${name} onProgress`, backend }),
    };
  }

  async #statOrUndefined(target: string): Promise<FileStat | undefined> {
    try {
      return await this.#ctx.call(`stat ${target}`, () => this.#ctx.driver.fs.stat(target), { idempotent: true });
    } catch (error) {
      if (hasErrorCode(error, 'FILE_NOT_FOUND')) return undefined;
      throw error;
    }
  }

  #missing(method: string): UnsupportedCapabilityError {
    const backend = this.#ctx.backend;
    return new UnsupportedCapabilityError(`The ${backend} driver declares fs.streaming but has no ${method}.`, { backend, capability: 'fs.streaming' });
  }
}

/**
 * The driver's view of `source`: checked `Uint8Array` chunks (empty ones skipped), pulled one at a
 * time, counted once the driver asks for the next, ending with `signal.reason` as soon as it aborts
 * (even while the source is waiting). A failure of the source itself is kept in `state.sourceError`
 * so the caller sees it rather than the transport's reaction to it.
 */
async function* pullChunks(pull: {
  source: ByteSource;
  signal: AbortSignal;
  state: { bytes: number; sourceError: unknown };
  onProgress: ((progress: StreamProgress) => void) | undefined;
  backend: string;
}): AsyncGenerator<Uint8Array> {
  const { source, signal, state, onProgress, backend } = pull;
  const input = openSource(source);
  // One abort listener per pull, removed when the pull settles. (Racing every pull against one
  // long-lived "aborted" promise would keep every chunk reachable from that promise's reactions.)
  const nextOrAbort = (): Promise<IteratorResult<unknown>> =>
    new Promise((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      input.next().then(
        (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
        (error: Error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  let finished = false;
  try {
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = await nextOrAbort();
      } catch (error) {
        if (!signal.aborted) state.sourceError = error;
        throw error;
      }
      if (next.done === true) {
        finished = true;
        return;
      }
      const chunk = next.value;
      if (!(chunk instanceof Uint8Array)) {
        const error = new InvalidArgumentError(`fs.writeStream source yielded ${typeof chunk === 'string' ? 'a string' : typeof chunk}; chunks must be Uint8Array.`, { backend });
        state.sourceError = error;
        throw error;
      }
      if (chunk.byteLength === 0) continue;
      yield chunk;
      state.bytes += chunk.byteLength;
      report(onProgress, { bytes: state.bytes });
    }
  } finally {
    if (!finished) void input.close(signal.reason).catch(() => undefined);
  }
}
