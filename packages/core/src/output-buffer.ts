import { DEFAULT_MAX_OUTPUT_BYTES } from './exec';

/**
 * Collects one output stream of a command up to a byte cap. Bytes past the cap are dropped and
 * `truncated` is set; the cut never splits a UTF-8 character. Memory is O(`maxBytes`) whatever the
 * size of the chunks appended. Text chunks are kept as strings (no per-chunk encoding), so
 * line-based transports pay only a length count per line.
 */
export class OutputBuffer {
  private readonly chunks: Array<string | Uint8Array> = [];
  private size = 0;
  private cut = false;
  private binary = false;

  /** @param maxBytes cap in bytes; default 10 MiB */
  constructor(readonly maxBytes: number = DEFAULT_MAX_OUTPUT_BYTES) {}

  /** Appends raw bytes (or UTF-8 text). Ignored once the cap was reached. */
  append(data: Uint8Array | string): void {
    if (this.cut) return;
    const room = this.maxBytes - this.size;
    if (typeof data === 'string') {
      const length = Buffer.byteLength(data, 'utf8'); // counts without encoding
      if (length <= room) {
        this.chunks.push(data);
        this.size += length;
        return;
      }
      // Encode only what can be kept: room + 1 UTF-16 units are at least room + 1 bytes.
      this.keepPrefix(Buffer.from(data.slice(0, room + 1), 'utf8'), room);
      return;
    }
    if (data.length <= room) {
      this.chunks.push(data);
      this.binary = true;
      this.size += data.length;
      return;
    }
    this.keepPrefix(data, room);
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
    if (!this.binary) return this.chunks.join('');
    return new TextDecoder().decode(Buffer.concat(this.chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c))));
  }

  private keepPrefix(bytes: Uint8Array, room: number): void {
    let end = room;
    // Step back over UTF-8 continuation bytes so a character is never split.
    while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    if (end > 0) {
      this.chunks.push(bytes.slice(0, end));
      this.binary = true;
    }
    this.size += end;
    this.cut = true;
  }
}
