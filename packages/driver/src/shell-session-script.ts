import { quoteShellArg } from '@kode/core';

/**
 * Shell sessions as "one `bash` per command" (docs/decisions/0150-shell-sessions.md): a session is
 * a private state directory holding `env` (the `export` lines to source) and `cwd` (one line).
 * Each command is a fresh `bash -c` of {@link sessionScript}, which restores that state, runs the
 * command and records the state again when it exits. Any backend that can run `bash -c` in a
 * process group it can kill implements `DriverSessions` on these scripts (local, E2B).
 */

/** What {@link sessionScript} runs. */
export interface SessionScriptRequest {
  /** Absolute path of the session's state directory (created by {@link sessionCreateScript} or by the driver). */
  stateDir: string;
  /** The user's command line (any bash). */
  command: string;
  /** Absolute directory to `cd` to before the command (it persists), or `undefined` for the session's own. */
  cwd: string | undefined;
  /** Variables exported for this command only (previous values restored afterwards), or `undefined`. */
  env: Record<string, string> | undefined;
}

/**
 * The content of a new session's `env` file: one `export NAME='value'` line per variable.
 * Names must already be validated (`checkEnv`); values are single-quoted.
 */
export function sessionEnvFile(env: Record<string, string> | undefined): string {
  return Object.entries(env ?? {})
    .map(([name, value]) => `export ${name}=${quoteShellArg(value)}\n`)
    .join('');
}

/**
 * A `bash` script that creates a session's state directory `stateDir` (mode 0700, its parent
 * created too; it must not exist yet) with its `env` file ({@link sessionEnvFile}) and `cwd` file
 * (mode 0600). Exits non-zero, with the reason on stderr, when any step fails. For backends that
 * create the state with a command (E2B); local writes the same two files with `node:fs`.
 */
export function sessionCreateScript(options: { stateDir: string; cwd: string; env: Record<string, string> | undefined }): string {
  const dir = quoteShellArg(options.stateDir);
  const parent = quoteShellArg(options.stateDir.slice(0, Math.max(1, options.stateDir.lastIndexOf('/'))));
  return [
    'set -e',
    'umask 077',
    `mkdir -p -- ${parent}`,
    `mkdir -- ${dir}`,
    `printf '%s' ${quoteShellArg(sessionEnvFile(options.env))} > ${dir}/env`,
    `printf '%s\\n' ${quoteShellArg(options.cwd)} > ${dir}/cwd`,
  ].join('\n');
}

/**
 * The script one session command runs as: restore the session's exported variables and directory,
 * apply this command's `cwd` (persists) and `env` (this command only), run the command, and on exit
 * (normal end or `exit n`) record `export -p` and `pwd` for the next command. Read-only variables
 * are left out of the record (bash refuses to re-declare them). A command killed with SIGKILL
 * (timeout, abort) records nothing: the session keeps the state from before it.
 */
export function sessionScript(options: SessionScriptRequest): string {
  const state = quoteShellArg(options.stateDir);
  const names = Object.keys(options.env ?? {});
  const lines = [`__kode_state=${state}`, '. "$__kode_state/env"', 'cd -- "$(cat "$__kode_state/cwd")" || exit 1'];
  if (options.cwd !== undefined) lines.push(`cd -- ${quoteShellArg(options.cwd)} || exit 1`);
  const restore: string[] = [];
  names.forEach((name, index) => {
    lines.push(`__kode_set_${index}=\${${name}+x}; __kode_old_${index}=\${${name}-}`);
    lines.push(`export ${name}=${quoteShellArg(options.env?.[name] ?? '')}`);
    restore.push(`if [ -n "$__kode_set_${index}" ]; then export ${name}="$__kode_old_${index}"; else unset ${name}; fi`);
  });
  const save = [
    '__kode_rc=$?',
    ...restore,
    'export -p | grep -v -E "^declare -[a-zA-Z-]*r" > "$__kode_state/env.next" && mv -f "$__kode_state/env.next" "$__kode_state/env"',
    'pwd > "$__kode_state/cwd.next" && mv -f "$__kode_state/cwd.next" "$__kode_state/cwd"',
    'exit $__kode_rc',
  ].join('; ');
  lines.push(`trap ${quoteShellArg(save)} EXIT`);
  lines.push(options.command);
  return `${lines.join('\n')}\n`;
}
