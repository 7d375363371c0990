import { DEFAULT_MAX_OUTPUT_BYTES } from './exec';

/**
 * Collects one output stream of a command up to a byte cap, for backends implementing `exec`.
 * Bytes past the cap are dropped and `truncated` is set; the cut never splits a UTF-8 character.
 */
export class OutputBuffer {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  private cut = false;
  private readonly encoder = new TextEncoder();

  /** @param maxBytes cap in bytes; default 10 MiB */
  constructor(readonly maxBytes: number = DEFAULT_MAX_OUTPUT_BYTES) {}

  /** Appends raw bytes (or UTF-8 text). */
  append(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? this.encoder.encode(data) : data;
    if (this.cut) return;
    const room = this.maxBytes - this.size;
    if (bytes.length <= room) {
      this.chunks.push(bytes);
      this.size += bytes.length;
      return;
    }
    let end = room;
    // Step back over UTF-8 continuation bytes so a character is never split.
    while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    if (end > 0) this.chunks.push(bytes.subarray(0, end));
    this.size += end;
    this.cut = true;
  }

  /** True once something was dropped. */
  get truncated(): boolean {
    return this.cut;
  }

  /** Bytes kept so far. */
  get byteLength(): number {
    return this.size;
  }

  /** The kept output, UTF-8 decoded. */
  text(): string {
    return new TextDecoder().decode(Buffer.concat(this.chunks));
  }
}
