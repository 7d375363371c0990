import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** `.<name>.kode-<12 hex>.tmp`: the temporary file `fs.write` renames over `<name>`. */
const OWN_TEMP_NAME = /^\..*\.kode-[0-9a-f]{12}\.tmp$/s;

/**
 * A fresh temporary path next to `target` (same directory, so the final `rename` is atomic on
 * every file system): `.<name>.kode-<12 hex>.tmp`. See ADR 0130 (docs/decisions/0130-local-write-temp-files-and-overwrite-events.md).
 */
export function ownTempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.kode-${randomBytes(6).toString('hex')}.tmp`);
}

/** Whether `path` (any absolute or relative path) names one of `fs.write`'s temporary files. */
export function isOwnTempPath(path: string): boolean {
  return OWN_TEMP_NAME.test(basename(path));
}

/** The first line of an inotify record: `<EVENTS> /<path>` (events are upper-case flags joined by commas). */
const RECORD_START = /^[A-Z_,]+ \//;

/**
 * Drops the records about `fs.write`'s temporary files from an inotify record stream (format
 * `<EVENTS> <path>//`, a record ends with the first line ending in `//`; a name with newlines
 * spans several lines), passing every other line through unchanged and in order. A line that
 * does not start a record (any other command's output) passes at once. Stateful: one per stream.
 */
export class OwnTempRecordFilter {
  private pending: string[] = [];

  /** @param deliver receives the lines that pass */
  constructor(private readonly deliver: (line: string) => void) {}

  /** Feeds one stdout line (without its `\n`). */
  push(line: string): void {
    if (this.pending.length === 0 && !RECORD_START.test(line)) {
      this.deliver(line);
      return;
    }
    this.pending.push(line);
    if (!line.endsWith('//')) return;
    const lines = this.pending;
    this.pending = [];
    const record = lines.join('\n').slice(0, -2);
    const space = record.indexOf(' /');
    if (space > 0 && isOwnTempPath(record.slice(space + 1))) return;
    for (const pendingLine of lines) this.deliver(pendingLine);
  }

  /** Delivers an unterminated tail as is (the stream ended mid-record). */
  flush(): void {
    const lines = this.pending;
    this.pending = [];
    for (const pendingLine of lines) this.deliver(pendingLine);
  }
}
