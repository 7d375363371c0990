/** Go's `syscall.Signal.String()` texts, as envd reports them in `status`/`error` ("signal: killed"). */
const GO_SIGNAL_TEXT: Record<string, number> = {
  hangup: 1,
  interrupt: 2,
  quit: 3,
  'illegal instruction': 4,
  'trace/breakpoint trap': 5,
  aborted: 6,
  'bus error': 7,
  'floating point exception': 8,
  killed: 9,
  'user defined signal 1': 10,
  'segmentation fault': 11,
  'user defined signal 2': 12,
  'broken pipe': 13,
  'alarm clock': 14,
  terminated: 15,
};

/**
 * The contract's exit code for an envd end event: envd reports `exitCode: -1` and
 * `error: "signal: killed"` for a process killed by a signal; we return `128 + n` then.
 */
export function exitCodeFromEnd(exitCode: number, error: string | undefined): number {
  if (exitCode >= 0) return exitCode;
  const match = /signal: (.+)$/.exec(error ?? '');
  const n = match ? GO_SIGNAL_TEXT[match[1]!.trim()] : undefined;
  return n === undefined ? 128 + 9 : 128 + n;
}
