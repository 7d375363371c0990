import type { OutputBuffer } from '@kode/core';

/**
 * One output stream of a running command as the front handles it: every chunk a driver reports
 * (text or bytes) goes into the stream's {@link OutputBuffer} (the result) and, decoded as UTF-8,
 * to the caller's `onStdout`/`onStderr` callback. A multi-byte character split across byte chunks
 * is held back until complete; {@link end} hands over what is still held (an incomplete sequence
 * at the very end becomes U+FFFD, as in the result), so the callback's chunks add up to the
 * result's text (docs/contract.md, rule 4). A throwing callback is ignored: it must not break the
 * command's bookkeeping. Owned by one `exec` call; not reusable.
 */
export class OutputSink {
  readonly #buffer: OutputBuffer;
  readonly #callback: ((chunk: string) => void) | undefined;
  readonly #decoder = new TextDecoder();
  #ended = false;

  /**
   * @param buffer keeps the result's text (capped by the buffer itself)
   * @param callback receives decoded text; `undefined` when the caller passed none
   */
  constructor(buffer: OutputBuffer, callback: ((chunk: string) => void) | undefined) {
    this.#buffer = buffer;
    this.#callback = callback;
  }

  /** Takes one chunk from the driver. Ignored after {@link end} (the result is already taken). */
  push(chunk: string | Uint8Array): void {
    if (this.#ended) return;
    this.#buffer.append(chunk);
    if (this.#callback === undefined) return;
    if (typeof chunk === 'string') {
      // Bytes still held (an incomplete sequence) come before this text, as in the result.
      this.#deliver(this.#decoder.decode());
      this.#deliver(chunk);
    } else {
      this.#deliver(this.#decoder.decode(chunk, { stream: true }));
    }
  }

  /** The command ended: delivers what the decoder still holds. Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#callback !== undefined) this.#deliver(this.#decoder.decode());
  }

  #deliver(text: string): void {
    if (text === '') return;
    try {
      this.#callback?.(text);
    } catch {
      // A throwing output callback must not break the command's bookkeeping.
    }
  }
}
