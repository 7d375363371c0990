/**
 * Quotes `value` as one POSIX shell word: wrapped in single quotes, with embedded single quotes
 * written as `'\''`. Safe for spaces, `$(...)`, backticks, newlines and leading dashes (callers
 * should still put `--` before paths given to commands that parse options).
 */
export function quoteShellArg(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_./=:@%+-]+$/.test(value) && !value.startsWith('-')) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Joins `args` into one shell command line, each quoted with {@link quoteShellArg}. */
export function shellCommand(args: readonly string[]): string {
  return args.map(quoteShellArg).join(' ');
}
