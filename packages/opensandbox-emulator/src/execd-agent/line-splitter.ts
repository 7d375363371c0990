import { StringDecoder } from 'node:string_decoder';

/** Splits output into lines on `\n` or `\r` (`\r\n` once); blank lines become "\n" (execd's rules). */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private buf = '';
  private pendingCr = false;

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    let s = this.decoder.write(chunk);
    if (s === '') return;
    if (this.pendingCr && s.charCodeAt(0) === 10) s = s.slice(1);
    this.pendingCr = false;
    let start = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.emit(this.buf + s.slice(start, i));
      this.buf = '';
      if (c === 13) {
        if (i + 1 < s.length) {
          if (s.charCodeAt(i + 1) === 10) i++;
        } else {
          this.pendingCr = true;
        }
      }
      start = i + 1;
    }
    this.buf += s.slice(start);
  }

  /** Flushes a final line without a terminator. */
  end(): void {
    this.buf += this.decoder.end();
    if (this.buf !== '') this.emit(this.buf);
    this.buf = '';
  }

  private emit(line: string): void {
    this.onLine(line === '' ? '\n' : line);
  }
}
