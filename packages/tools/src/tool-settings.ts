/** Which program `fs_grep` runs: detect (`'auto'`), force one, or read files from the client. */
export type GrepEngine = 'auto' | 'rg' | 'grep' | 'read';

/**
 * Limits and switches shared by the tools. Every field has a default; pass overrides through
 * {@link createToolState}'s `settings`.
 */
export interface ToolSettings {
  /** Characters of one output text (stdout, stderr, logs) returned inline before the rest is spilled to a file. Default 30 000. */
  maxOutputChars: number;
  /** Bytes `exec` keeps per stream for `bash_run` (and so the most a spill file holds). Default 10 MiB. */
  execMaxOutputBytes: number;
  /** Default `bash_run` timeout in milliseconds when the call sets none. Default 120 000. */
  defaultTimeoutMs: number;
  /**
   * Run foreground `bash_run` commands in one shell session per {@link ToolState} when the sandbox
   * declares `exec.sessions`, so `cd` and `export` persist from call to call as agents expect (a
   * call's `cwd` then persists too). Default `true`; `false` (the opt-out) gives every call a fresh
   * shell in the work directory. Without a `state`, or without `exec.sessions`, calls always get a
   * fresh shell. Note: OpenSandbox's execd sessions merge stderr into stdout.
   */
  bashSessions: boolean;
  /** Lines `fs_read` returns when the call sets no `limit`. Default 2000. */
  readDefaultLines: number;
  /** Characters of numbered content `fs_read` returns in one call; past it the read stops at a line boundary. Default 100 000. */
  readMaxChars: number;
  /** Characters of one line `fs_read` and `fs_grep` show; longer lines are cut with a marker. Default 2000 (`fs_read`); `fs_grep` uses at most 300. */
  maxLineChars: number;
  /** Largest file, in bytes, that `fs_read`/`fs_edit` load. Default 20 MiB. */
  maxFileBytes: number;
  /** How `fs_grep` searches. Default `'auto'`: `rg` when present, else `grep`, else reading files. */
  grepEngine: GrepEngine;
  /** Bytes of raw `rg`/`grep` output `fs_grep` accepts from the sandbox. Default 8 MiB. */
  grepMaxOutputBytes: number;
}

/** The defaults of {@link ToolSettings}. Frozen. */
export const DEFAULT_TOOL_SETTINGS: Readonly<ToolSettings> = Object.freeze({
  maxOutputChars: 30_000,
  execMaxOutputBytes: 10 * 1024 * 1024,
  defaultTimeoutMs: 120_000,
  bashSessions: true,
  readDefaultLines: 2000,
  readMaxChars: 100_000,
  maxLineChars: 2000,
  maxFileBytes: 20 * 1024 * 1024,
  grepEngine: 'auto',
  grepMaxOutputBytes: 8 * 1024 * 1024,
});
