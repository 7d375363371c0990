import { InvalidArgumentError } from './errors/error-classes';

/**
 * The longest delay a timer can wait: 2^31 − 1 ms (about 24.8 days). Node and browsers treat a
 * longer delay as 1 ms, so every time option is checked against it (docs/contract.md, rule 13).
 */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * The longest command `exec` and `processes.start` accept, in UTF-8 bytes: Linux's
 * `MAX_ARG_STRLEN` (128 KiB) less the terminating NUL, since a command travels as one argument of
 * `bash -c`. Longer scripts belong in a file (`fs.write`, then `exec('bash script.sh')`).
 */
export const MAX_COMMAND_BYTES = 131_071;

/** Options of {@link assertTimeMs}. */
export interface TimeMsCheck {
  /** The option's name as the caller wrote it, for the message (e.g. `'exec timeoutMs'`). */
  name: string;
  /** Smallest accepted value. Default 0. */
  min?: number;
  /** Backend kind, for the error. */
  backend?: string;
}

/**
 * Checks a duration in milliseconds: a finite integer in `[min, MAX_TIMER_MS]`. `undefined`
 * passes (the caller applies its default).
 * @throws InvalidArgumentError naming the option and the accepted range
 */
export function assertTimeMs(value: unknown, check: TimeMsCheck): asserts value is number | undefined {
  if (value === undefined) return;
  const min = check.min ?? 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_TIMER_MS) {
    throw new InvalidArgumentError(
      `${check.name} must be an integer number of milliseconds from ${min} to ${MAX_TIMER_MS} (about 24.8 days), got ${describe(value)}.`,
      { ...(check.backend === undefined ? {} : { backend: check.backend }), hint: 'Timers cannot wait longer than 2^31 - 1 ms.' },
    );
  }
}

/** A delay safe to pass to `setTimeout`: `ms` clamped to `[0, MAX_TIMER_MS]` (NaN → 0). */
export function clampTimerMs(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(Math.ceil(ms), MAX_TIMER_MS);
}

/**
 * Checks a command line: a string with at least one non-space character, no NUL byte and at most
 * {@link MAX_COMMAND_BYTES} UTF-8 bytes.
 * @throws InvalidArgumentError
 */
export function assertCommand(command: unknown, check: { name?: string; backend?: string } = {}): asserts command is string {
  const name = check.name ?? 'command';
  const backend = check.backend === undefined ? {} : { backend: check.backend };
  if (typeof command !== 'string') throw new InvalidArgumentError(`${name} must be a string, got ${describe(command)}.`, backend);
  if (command.trim() === '') throw new InvalidArgumentError(`${name} must not be empty.`, backend);
  if (command.includes('\0')) throw new InvalidArgumentError(`${name} must not contain a NUL byte.`, backend);
  const bytes = Buffer.byteLength(command, 'utf8');
  if (bytes > MAX_COMMAND_BYTES) {
    throw new InvalidArgumentError(`${name} is ${bytes} bytes; the limit is ${MAX_COMMAND_BYTES}.`, {
      ...backend,
      hint: 'Write a long script to a file with fs.write and run that file instead.',
    });
  }
}

/** A short, secret-free description of a value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `a ${value.length}-character string` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
