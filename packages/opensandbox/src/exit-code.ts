/** Signal numbers by the names Go (`signal: killed`) and POSIX (`SIGKILL`) use. */
const SIGNALS: Readonly<Record<string, number>> = {
  hangup: 1,
  sighup: 1,
  interrupt: 2,
  sigint: 2,
  quit: 3,
  sigquit: 3,
  aborted: 6,
  sigabrt: 6,
  'bus error': 7,
  sigbus: 7,
  'floating point exception': 8,
  sigfpe: 8,
  killed: 9,
  sigkill: 9,
  'user defined signal 1': 10,
  sigusr1: 10,
  'segmentation fault': 11,
  sigsegv: 11,
  'user defined signal 2': 12,
  sigusr2: 12,
  'broken pipe': 13,
  sigpipe: 13,
  'alarm clock': 14,
  sigalrm: 14,
  terminated: 15,
  sigterm: 15,
};

/** Exit code reported for a process killed by a signal whose number execd did not say. */
export const UNKNOWN_SIGNAL_EXIT_CODE = 128 + 9;

/**
 * The contract's exit code from execd's report: `value` is the decimal exit code (`"-1"` when the
 * process was killed by a signal) and `detail` the Go error text (`"exit status 3"`,
 * `"signal: terminated"`). A signal death becomes `128 + n`. Returns `undefined` when `value` is
 * not a number (the command could not start).
 */
export function exitCodeOf(report: { value: string; detail: string }): number | undefined {
  const value = report.value.trim();
  if (!/^-?\d+$/.test(value)) return undefined;
  const code = Number(value);
  if (code >= 0) return code;
  const match = /signal:\s*([a-z0-9 /]+)/i.exec(report.detail) ?? /\b(SIG[A-Z0-9]+)\b/.exec(report.detail);
  const name = match?.[1]?.trim().toLowerCase();
  const number = name === undefined ? undefined : (SIGNALS[name] ?? (/^\d+$/.test(name) ? Number(name) : undefined));
  return number === undefined ? UNKNOWN_SIGNAL_EXIT_CODE : 128 + number;
}
