import { BackendError, quoteShellArg } from '@kode/core';
import { runCommandStream } from './command-stream';
import type { OpenSandboxContext } from './context';

/** One entry of a snapshot (the `WatchStatEntry` shape of `@kode/watch`). */
export interface SnapshotEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  mtimeMs: number;
}

/** Largest environment value used to carry the path list (Linux caps one argument or variable at 128 KiB). */
const ENV_CHUNK_CHARS = 96 * 1024;
/** Server-side limit of one snapshot command. */
const SNAPSHOT_TIMEOUT_SECONDS = 60;

/**
 * The shell script of one snapshot. Paths arrive shell-quoted in `KODE_WATCH_P<n>` environment
 * variables (so any number of paths fits, whatever the 128 KiB single-argument limit); ONE `find`
 * walks them all (paths are absolute, so none is taken for an expression) and each entry is printed as `<type> <size> <mtime> <path>\0`: GNU find's `-printf` where available,
 * else `stat -c` (busybox) with the raw mode in hex.
 */
function snapshotScript(chunks: number, recursive: boolean): string {
  const vars = Array.from({ length: chunks }, (_, i) => `$KODE_WATCH_P${i}`).join(' ');
  const depth = recursive ? '' : ' -maxdepth 1';
  return [
    `eval "set -- ${vars}"`,
    `if find / -maxdepth 0 -printf '' >/dev/null 2>&1; then`,
    `  find "$@"${depth} -printf '%y %s %T@ %p\\0' 2>/dev/null`,
    'else',
    `  find "$@"${depth} -exec stat -c 'x%f %s %Y %n' {} + 2>/dev/null | tr '\\n' '\\0'`,
    'fi',
    'exit 0',
  ].join('\n');
}

function typeOf(token: string): SnapshotEntry['type'] {
  if (token.startsWith('x')) {
    const kind = Number.parseInt(token.slice(1), 16) & 0o170000;
    return kind === 0o100000 ? 'file' : kind === 0o040000 ? 'directory' : kind === 0o120000 ? 'symlink' : 'other';
  }
  return token === 'f' ? 'file' : token === 'd' ? 'directory' : token === 'l' ? 'symlink' : 'other';
}

/** `1700000000.123456789` (seconds, any precision) → whole milliseconds, truncated like a `Date` from the files API. */
function mtimeMsOf(token: string): number {
  const [seconds = '0', fraction = ''] = token.split('.');
  return Number(seconds) * 1000 + Number((fraction + '000').slice(0, 3));
}

/** Parses the NUL-terminated records of {@link snapshotScript}. */
export function parseSnapshot(output: string): SnapshotEntry[] {
  const entries: SnapshotEntry[] = [];
  const seen = new Set<string>();
  for (const record of output.split('\0')) {
    const first = record.indexOf(' ');
    const second = record.indexOf(' ', first + 1);
    const third = record.indexOf(' ', second + 1);
    if (first <= 0 || second <= first || third <= second) continue;
    const path = record.slice(third + 1);
    if (!path.startsWith('/') || seen.has(path)) continue;
    seen.add(path);
    entries.push({
      type: typeOf(record.slice(0, first)),
      size: Number(record.slice(first + 1, second)) || 0,
      mtimeMs: mtimeMsOf(record.slice(second + 1, third)),
      path,
    });
  }
  return entries;
}

/**
 * The `WatchPort` of an OpenSandbox: `snapshot` is ONE exec of a find script whatever the number
 * of paths; `stream` runs a long-lived command over `commands.runStream` and interrupts it in the
 * sandbox when the signal aborts.
 */
export class OpenSandboxWatchPort {
  constructor(private readonly ctx: OpenSandboxContext) {}

  /** Stats every path (and a directory's descendants, or children when not `recursive`) in one request. Missing paths are absent. */
  async snapshot(request: { paths: string[]; recursive: boolean; signal?: AbortSignal }): Promise<SnapshotEntry[]> {
    if (request.paths.length === 0) return [];
    const envs: Record<string, string> = {};
    let chunk: string[] = [];
    let size = 0;
    let count = 0;
    for (const path of request.paths) {
      const quoted = quoteShellArg(path);
      if (size + quoted.length + 1 > ENV_CHUNK_CHARS && chunk.length > 0) {
        envs[`KODE_WATCH_P${count++}`] = chunk.join(' ');
        chunk = [];
        size = 0;
      }
      chunk.push(quoted);
      size += quoted.length + 1;
    }
    envs[`KODE_WATCH_P${count++}`] = chunk.join(' ');

    const lines: string[] = [];
    const sdk = this.ctx.client();
    const result = await runCommandStream({
      sdk,
      command: snapshotScript(count, request.recursive),
      options: { workingDirectory: '/', envs, timeoutSeconds: SNAPSHOT_TIMEOUT_SECONDS },
      signal: request.signal,
      onLine: (stream, line) => {
        if (stream === 'stdout') lines.push(line);
      },
    });
    switch (result.end.kind) {
      case 'complete':
      case 'error':
        return parseSnapshot(lines.join('\n'));
      case 'aborted':
        throw request.signal?.reason ?? new BackendError('OpenSandbox: snapshot aborted.', { backend: 'opensandbox' });
      case 'failed':
        throw this.ctx.toError(result.end.error, { operation: 'watch snapshot' });
      case 'deadline':
      case 'cut':
        throw new BackendError('OpenSandbox: the watch snapshot command ended without a result.', { backend: 'opensandbox', retryable: true });
    }
  }

  /** Runs `command` in `workDir`, calling `onLine` per stdout line; resolves when it ends (`code: null` when stopped via `signal`). */
  async stream(request: { command: string; onLine: (line: string) => void; signal: AbortSignal }): Promise<{ code: number | null; stderr: string }> {
    const stderr: string[] = [];
    const sdk = this.ctx.client();
    const result = await runCommandStream({
      sdk,
      command: request.command,
      options: { workingDirectory: this.ctx.workDir },
      signal: request.signal,
      onLine: (stream, line) => {
        if (stream === 'stdout') request.onLine(line);
        else if (stderr.length < 200) stderr.push(line);
      },
    });
    const text = stderr.join('\n');
    switch (result.end.kind) {
      case 'complete':
        return { code: 0, stderr: text };
      case 'error': {
        const code = /^-?\d+$/.test(result.end.value) ? Number(result.end.value) : 127;
        return { code: code < 0 ? null : code, stderr: text || result.end.value };
      }
      case 'aborted':
      case 'deadline':
        return { code: null, stderr: text };
      case 'failed':
        throw this.ctx.toError(result.end.error, { operation: 'watch stream' });
      case 'cut':
        throw new BackendError('OpenSandbox: the watch stream was cut before the command ended.', { backend: 'opensandbox', retryable: true });
    }
  }
}
