/** Signal numbers by name (Linux), for `128 + n` exit codes. */
const SIGNAL_NUMBERS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
};

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

/** The number of a signal name such as `'SIGTERM'`. */
export function signalNumber(name: string): number | undefined {
  return SIGNAL_NUMBERS[name];
}

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
