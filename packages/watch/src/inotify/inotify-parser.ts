import { normalizePosixPath, type WatchEventType } from '@kode/core';
import { INOTIFY_READY_RECORD } from './inotify-command';

/** One inotifywait record, mapped. */
export interface InotifyRecord {
  type: WatchEventType;
  /** Absolute, normalised path of the entry the event is about. */
  path: string;
  /** The entry is a directory (`ISDIR`). */
  isDirectory: boolean;
  /** The event is about a watched directory itself (`DELETE_SELF` / `MOVE_SELF`). */
  self: boolean;
}

/** What the parser hands back per complete record. */
export type InotifyOutput = { kind: 'ready' } | { kind: 'event'; record: InotifyRecord };

/**
 * Maps one record text (`<EVENTS> <path>` without the `//` terminator) to an event, or
 * `undefined` for records we do not report (e.g. `IGNORED`, `UNMOUNT`, malformed text).
 * `DELETE_SELF`/`MOVE_SELF`/`DELETE`/`MOVED_FROM` → delete; `CREATE`/`MOVED_TO` → create;
 * `MODIFY`/`CLOSE_WRITE` → modify.
 */
export function parseInotifyRecord(text: string): InotifyRecord | undefined {
  const space = text.indexOf(' /');
  if (space <= 0) return undefined;
  const flags = new Set(text.slice(0, space).split(','));
  const path = normalizePosixPath(text.slice(space + 1));
  const isDirectory = flags.has('ISDIR');
  const self = flags.has('DELETE_SELF') || flags.has('MOVE_SELF');
  let type: WatchEventType;
  if (self || flags.has('DELETE') || flags.has('MOVED_FROM')) type = 'delete';
  else if (flags.has('CREATE') || flags.has('MOVED_TO')) type = 'create';
  else if (flags.has('MODIFY') || flags.has('CLOSE_WRITE')) type = 'modify';
  else return undefined;
  return { type, path, isDirectory, self };
}

/**
 * Reassembles records from stdout lines (a name containing newlines spans several lines; see
 * `INOTIFY_FORMAT`). Feed every line, in order, without its `\n`.
 */
export class InotifyRecordParser {
  private pending: string | undefined;

  /** Consumes one line; returns the record it completes, if any. */
  push(line: string): InotifyOutput | undefined {
    const text = this.pending === undefined ? line : `${this.pending}\n${line}`;
    if (!text.endsWith('//')) {
      this.pending = text;
      return undefined;
    }
    this.pending = undefined;
    const body = text.slice(0, -2);
    if (body === INOTIFY_READY_RECORD) return { kind: 'ready' };
    const record = parseInotifyRecord(body);
    return record === undefined ? undefined : { kind: 'event', record };
  }
}
