import { quoteShellArg } from '@kode/core';

/** The inotify events the native strategy asks for (`-e`). */
export const INOTIFY_EVENTS = ['create', 'modify', 'close_write', 'delete', 'moved_from', 'moved_to', 'delete_self', 'move_self'] as const;

/**
 * The `--format` of every record: `<EVENTS> <%w%f>//`. A record's end is the first line that ends
 * with `//`: a normalised path never contains `//` and a file name never contains `/`, so the only
 * `//` of a record is its terminator (a watched directory's own events print `<dir>/` + `//`).
 * Names containing newlines therefore arrive as several lines that the parser joins back.
 */
export const INOTIFY_FORMAT = '%e %w%f//';

/** The stdout record the wrapper prints once inotifywait reports "Watches established.". */
export const INOTIFY_READY_RECORD = 'KODE_INOTIFY_READY';

/** The stderr line inotifywait prints when its watches are in place. */
const ESTABLISHED = 'Watches established.';

/** What {@link buildInotifyCommand} needs. */
export interface InotifyCommandOptions {
  /** Existing absolute directories to watch. */
  paths: readonly string[];
  /** `-r`: watch every directory below, including ones created later. */
  recursive: boolean;
}

/**
 * Builds the POSIX `sh` command that runs `inotifywait -m` on `paths` with every path quoted by
 * `quoteShellArg` after `--`. inotifywait's stdout (the records) goes straight to the command's
 * stdout; its stderr goes through a `read` loop that forwards every line to stderr, prints
 * {@link INOTIFY_READY_RECORD} on stdout when it sees "Watches established.", and exits with
 * inotifywait's own exit status (127 when it is not installed), so the command's exit code is
 * inotifywait's. No bash-only syntax; fd 3 carries the original stdout past the pipe.
 */
export function buildInotifyCommand(options: InotifyCommandOptions): string {
  const args = [
    'inotifywait',
    '-m',
    ...(options.recursive ? ['-r'] : []),
    ...INOTIFY_EVENTS.flatMap((event) => ['-e', event]),
    '--format',
    quoteShellArg(INOTIFY_FORMAT),
    '--',
    ...options.paths.map(quoteShellArg),
  ].join(' ');
  const loop = [
    'while IFS= read -r line; do case $line in',
    `${quoteShellArg(ESTABLISHED)}) printf '%s\\n' ${quoteShellArg(`${INOTIFY_READY_RECORD}//`)};;`,
    'KODE_EXIT:*) exit "${line#KODE_EXIT:}";;',
    `*) printf '%s\\n' "$line" >&2;;`,
    'esac; done',
  ].join(' ');
  return `{ { ${args} 2>&1 >&3 3>&-; echo "KODE_EXIT:$?"; } | ${loop}; } 3>&1`;
}
