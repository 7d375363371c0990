import { createHash } from 'node:crypto';
import { FileNotFoundError, hasCapability, type FileStat, type Sandbox, type WatchEvent } from '@kode/core';

/** How a tracked file stands relative to the agent's last read or write of it. */
export type TrackedFileState = 'unread' | 'fresh' | 'changed';

/** A change the tracker attributes to someone other than the agent. */
export interface ExternalChange {
  /** Absolute sandbox path. */
  path: string;
  /**
   * What saw it: a watch event (`'watch'`), a stat comparison before a write (`'stat'`), or the
   * content an edit loaded differing from what the agent last read or wrote (`'content'`).
   */
  via: 'watch' | 'stat' | 'content';
}

/** Options of {@link ReadTracker}. */
export interface ReadTrackerOptions {
  /** The sandbox whose files are tracked. */
  sandbox: Sandbox;
  /**
   * Watch read files with `sandbox.watchFiles` so changes are seen (and reported) as they happen.
   * Default `true`; ignored when the backend declares neither native nor polling watches.
   */
  watch?: boolean;
  /** Most files watched at once; later reads are tracked by stat only. Default 256. */
  maxWatchedFiles?: number;
  /** Called once per detected external change (e.g. to remind the model to re-read). Exceptions are swallowed. */
  onExternalChange?: (change: ExternalChange) => void;
}

/** Outcome of {@link ReadTracker.check}. */
export type WriteCheck =
  | { ok: true }
  | { ok: false; code: 'FILE_NOT_READ' | 'FILE_CHANGED'; message: string; hint: string };

interface Baseline {
  mtimeMs: number;
  size: number;
}

/** Digest of text content, to compare what an edit loads with what the agent last saw. */
function digest(text: string): string {
  // A leading BOM is ignored: some readers keep it, others drop it.
  return createHash('sha256').update(text.startsWith('\uFEFF') ? text.slice(1) : text, 'utf8').digest('base64');
}

interface Entry {
  baseline: Baseline | undefined;
  /** Digest of the full text last read or written, when known (not for binary reads). */
  hash: string | undefined;
  changed: boolean;
  writing: number;
}

function sameStat(a: Baseline, b: Baseline): boolean {
  return a.mtimeMs === b.mtimeMs && a.size === b.size;
}

/**
 * Read-before-write tracking for one sandbox. The fs tools record each read and each of the
 * agent's own writes (with the file's stat after it); before a write they ask {@link check}, which
 * rejects writing an existing file that was never read (`FILE_NOT_READ`) or that changed since
 * the agent last read or wrote it (`FILE_CHANGED`).
 *
 * Changes are seen two ways: watch events (`sandbox.watchFiles`, one watch per tracked file, set
 * up on first read) mark a file changed as soon as they arrive, after a stat shows the file
 * differs from the agent's own last record — so the agent's own writes never count; before
 * every write the current stat (mtime and size) is compared with that record, which covers
 * backends without watches, `watch.mode: 'off'` and the lag of polling watches; and edits, which
 * load the file anyway, compare its content digest with the last one read or written.
 *
 * Owns its watches: call {@link dispose} (idempotent) before disposing the sandbox or dropping the tracker.
 */
export class ReadTracker {
  private readonly sandbox: Sandbox;
  private readonly entries = new Map<string, Entry>();
  private readonly watches = new Map<string, Promise<string | undefined>>();
  private readonly watchEnabled: boolean;
  private readonly maxWatched: number;
  private readonly onExternalChange: ((change: ExternalChange) => void) | undefined;
  private disposed = false;

  constructor(options: ReadTrackerOptions) {
    this.sandbox = options.sandbox;
    const caps = options.sandbox.capabilities;
    this.watchEnabled = (options.watch ?? true) && (hasCapability(caps, 'watch.native') || hasCapability(caps, 'watch.polling'));
    this.maxWatched = options.maxWatchedFiles ?? 256;
    this.onExternalChange = options.onExternalChange;
  }

  /** Whether watch events drive change detection (else stat comparisons only). */
  get watching(): boolean {
    return this.watchEnabled && !this.disposed;
  }

  /** How `path` stands: never read, unchanged since the agent's last read/write, or changed. */
  state(path: string): TrackedFileState {
    const entry = this.entries.get(this.sandbox.fs.resolve(path));
    if (!entry?.baseline) return 'unread';
    return entry.changed ? 'changed' : 'fresh';
  }

  /**
   * Records that the agent read `path`, whose stat (taken before the read) is `stat`; `content` is
   * the whole text read (omit it for binary files).
   */
  recordRead(path: string, stat: FileStat, content?: string): void {
    this.remember(this.sandbox.fs.resolve(path), stat, content);
  }

  /** Records the agent's own write of `content` to `path`; `stat` is the file's stat after the write. */
  recordWrite(path: string, stat: FileStat, content?: string): void {
    this.remember(this.sandbox.fs.resolve(path), stat, content);
  }

  /**
   * Marks a write of `path` in flight: watch events for it are ignored until the returned function
   * is called (after {@link recordWrite}), so the agent's own write is never an external change.
   */
  beginWrite(path: string): () => void {
    const entry = this.entry(this.sandbox.fs.resolve(path));
    entry.writing++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      entry.writing--;
    };
  }

  /**
   * Whether the agent may write `path` now. `current` is the file's stat now, or `null` when it
   * does not exist (creating a new file is always allowed). A mismatch found here is reported
   * to `onExternalChange` once.
   */
  check(path: string, current: FileStat | null): WriteCheck {
    const abs = this.sandbox.fs.resolve(path);
    if (current === null) return { ok: true };
    const entry = this.entries.get(abs);
    if (!entry?.baseline) {
      return {
        ok: false,
        code: 'FILE_NOT_READ',
        message: `${abs} exists but has not been read in this session; refusing to overwrite it blind.`,
        hint: 'Read it with fs_read first, then retry the write or edit.',
      };
    }
    if (!entry.changed && !sameStat(entry.baseline, current)) {
      entry.changed = true;
      this.notify({ path: abs, via: 'stat' });
    }
    if (entry.changed) {
      return {
        ok: false,
        code: 'FILE_CHANGED',
        message: `${abs} changed since it was last read (by something other than this agent).`,
        hint: 'Read it again with fs_read, then redo the change against the new content.',
      };
    }
    return { ok: true };
  }

  /**
   * Resolves once every watch requested so far is live (or has failed, which leaves that file to
   * stat comparisons). Reads start watches without waiting; await this to make sure later changes
   * are seen as they happen.
   */
  async whenWatching(): Promise<void> {
    await Promise.all([...this.watches.values()]);
  }

  /**
   * For edits, after loading the file: whether `content` is what the agent last read or wrote.
   * Catches changes a stat cannot see (same size within the backend's mtime resolution). Passes
   * when no digest is on record.
   */
  checkContent(path: string, content: string): WriteCheck {
    const abs = this.sandbox.fs.resolve(path);
    const entry = this.entries.get(abs);
    if (!entry?.baseline || entry.hash === undefined || entry.hash === digest(content)) return { ok: true };
    if (!entry.changed) {
      entry.changed = true;
      this.notify({ path: abs, via: 'content' });
    }
    return {
      ok: false,
      code: 'FILE_CHANGED',
      message: `${abs} changed since it was last read (its content differs from what this agent read or wrote).`,
      hint: 'Read it again with fs_read, then redo the change against the new content.',
    };
  }

  /** Stops every watch. Idempotent; the tracker keeps working by stat comparisons afterwards. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const ids = await Promise.all([...this.watches.values()]);
    this.watches.clear();
    const live = ids.filter((id): id is string => id !== undefined);
    await Promise.all(live.map((id) => this.sandbox.unwatchFiles(id).catch(() => undefined)));
  }

  private entry(abs: string): Entry {
    let entry = this.entries.get(abs);
    if (!entry) {
      entry = { baseline: undefined, hash: undefined, changed: false, writing: 0 };
      this.entries.set(abs, entry);
    }
    return entry;
  }

  private remember(abs: string, stat: FileStat, content: string | undefined): void {
    const entry = this.entry(abs);
    entry.baseline = { mtimeMs: stat.mtimeMs, size: stat.size };
    entry.hash = content === undefined ? undefined : digest(content);
    entry.changed = false;
    this.ensureWatch(abs);
  }

  private notify(change: ExternalChange): void {
    try {
      this.onExternalChange?.(change);
    } catch {
      // A listener's failure must not break the tool call that detected the change.
    }
  }

  private ensureWatch(abs: string): void {
    if (!this.watching || this.watches.has(abs) || this.watches.size >= this.maxWatched) return;
    const listener = (event: WatchEvent): void => {
      void this.onWatchEvent(abs, event);
    };
    // One pending promise per path: concurrent reads never create duplicate watches.
    const pending = this.sandbox
      .watchFiles([abs], listener, { recursive: false, onError: () => undefined })
      .then(
        async (id) => {
          if (this.disposed) {
            await this.sandbox.unwatchFiles(id).catch(() => undefined);
            return undefined;
          }
          return id;
        },
        () => undefined,
      );
    this.watches.set(abs, pending);
  }

  private async onWatchEvent(abs: string, event: WatchEvent): Promise<void> {
    const entry = this.entries.get(abs);
    if (!entry?.baseline || entry.changed || entry.writing > 0 || this.disposed) return;
    let current: Baseline | null;
    if (event.type === 'delete') {
      current = null;
    } else {
      try {
        const stat = await this.sandbox.fs.stat(abs);
        current = { mtimeMs: stat.mtimeMs, size: stat.size };
      } catch (error) {
        if (!FileNotFoundError.isInstance(error)) return;
        current = null;
      }
    }
    // Re-check after the stat: the agent may have written (and re-recorded) the file meanwhile.
    if (entry.changed || entry.writing > 0 || !entry.baseline) return;
    if (current !== null && sameStat(entry.baseline, current)) return;
    entry.changed = true;
    this.notify({ path: abs, via: 'watch' });
  }
}
