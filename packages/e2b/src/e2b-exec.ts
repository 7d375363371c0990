import { CommandExitError, type CommandHandle, type CommandResult } from 'e2b';
import { clampTimerMs, quoteShellArg, TIMEOUT_EXIT_CODE } from '@kode/core';
import type { DriverExecRequest, DriverExecResult } from '@kode/driver';
import { runScript, type E2BContext } from './e2b-context';
import { exitCodeFromEnd } from './signals';

/** How long to wait for the end event after killing a command before giving up on it, in ms. */
const KILL_GRACE_MS = 5_000;

/**
 * Wraps a user command so its process becomes a session and process-group leader (envd starts it
 * as `/bin/bash -l -c <cmd>`; `exec setsid` keeps the pid and makes pgid = pid), so the whole
 * tree can be killed with one `kill -- -<pid>`. envd's own SendSignal reaches only the pid.
 */
export function wrapInProcessGroup(command: string): string {
  return `exec setsid -w /bin/bash -c ${quoteShellArg(command)}`;
}

/** How long `exec` keeps relaying output after the shell exited while a background child holds the pipes, in seconds. */
export const EXEC_DRAIN_SECONDS = 0.5;

/**
 * The relay `exec` runs the user's shell in (bash, `$1` = the command). envd sends a command's end
 * event only at EOF on BOTH output pipes, so a background child that inherited them (`cmd &`)
 * would hold `exec` until it exits (or its timeout kills it). Here the shell writes to two FIFOs
 * instead, relayed to envd's pipes by two `cat`s: when the shell exits, the relays get
 * {@link EXEC_DRAIN_SECONDS} to pass on what is buffered, then they are ended and the wrapper
 * exits with the shell's status, so `exec` returns when the shell exits (docs/contract.md, ADR 0110).
 * A child that writes to its inherited output later gets SIGPIPE, as on the local backend.
 */
const EXEC_RELAY = [
  'd=$(mktemp -d "${TMPDIR:-/tmp}/kode-exec.XXXXXX") || exit 125',
  'mkfifo "$d/o" "$d/e" || { rm -rf "$d"; exit 125; }',
  'cat "$d/o" & o=$!',
  'cat "$d/e" >&2 & e=$!',
  'exec 3>"$d/o" 4>"$d/e"',
  'rm -rf "$d"',
  '/bin/bash -c "$1" >&3 2>&4 3>&- 4>&- & p=$!',
  'exec 3>&- 4>&-',
  'wait "$p"; c=$?',
  `{ sleep ${EXEC_DRAIN_SECONDS}; kill "$o" "$e"; } >/dev/null 2>&1 & k=$!`,
  'wait "$o" "$e"',
  'kill "$k" 2>/dev/null',
  'exit "$c"',
].join('\n');

/**
 * The full `exec` command line: the {@link EXEC_RELAY} in its own process group (see
 * {@link wrapInProcessGroup}) running `command`.
 */
export function wrapForExec(command: string): string {
  return `${wrapInProcessGroup(EXEC_RELAY)} kode-exec ${quoteShellArg(command)}`;
}

/** Kills the process group of `pid` (and the pid itself through envd, in case the group is gone). */
export async function killProcessTree(context: E2BContext, options: { pid: number; signal: 'KILL' | 'TERM' | 'INT' | 'HUP' }): Promise<void> {
  const { pid, signal } = options;
  await runScript(context, { script: `kill -s ${signal} -- -${pid} 2>/dev/null; kill -s ${signal} ${pid} 2>/dev/null; true`, operation: `kill process ${pid}` });
  if (signal === 'KILL') await context.client().commands.kill(pid).catch(() => false);
}

/**
 * `exec` on E2B: one `commands.run` (background handle, so the pid is known for timeouts and
 * aborts) of the command inside {@link wrapForExec}; output goes to the front's sinks as it
 * arrives; non-zero exits are data. `timeoutMs` kills the process tree (`timedOut: true`); an
 * abort of `signal` kills it too and rejects with the signal's reason. Shell sessions run their
 * commands through here too (`label` names the operation in errors, default `exec in <cwd>`).
 * @throws FileNotFoundError (missing cwd), mapped transport errors
 */
export async function execOnE2B(context: E2BContext, request: DriverExecRequest, options: { label?: string } = {}): Promise<DriverExecResult> {
  const { command, cwd, signal, timeoutMs } = request;
  const label = options.label ?? `exec in ${cwd}`;
  const client = context.client();
  let handle: CommandHandle;
  try {
    handle = await client.commands.run(wrapForExec(command), {
      background: true,
      cwd,
      stdin: false,
      timeoutMs: 0,
      ...(request.env === undefined ? {} : { envs: request.env }),
      onStdout: (chunk) => request.onStdout(chunk),
      onStderr: (chunk) => request.onStderr(chunk),
    });
  } catch (error) {
    throw context.fail(error, { operation: label, path: cwd });
  }

  const ended = handle.wait().then(
    (result): CommandResult => result,
    (error: unknown): CommandResult => {
      if (error instanceof CommandExitError) return { exitCode: error.exitCode, error: error.error, stdout: error.stdout, stderr: error.stderr };
      throw error;
    },
  );
  ended.catch(() => undefined);
  let timedOut = false;
  let aborted = false;
  let killing: Promise<void> | undefined;
  let onKilled: () => void = () => undefined;
  // After a kill, the end event normally follows at once; if the stream is lost, stop waiting.
  const gaveUp = new Promise<undefined>((resolve) => {
    onKilled = () => setTimeout(() => resolve(undefined), KILL_GRACE_MS).unref();
  });
  const kill = (): void => {
    killing ??= killProcessTree(context, { pid: handle.pid, signal: 'KILL' })
      .catch(() => undefined)
      .finally(() => onKilled());
  };
  const timer =
    timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          kill();
        }, clampTimerMs(timeoutMs))
      : undefined;
  const onAbort = (): void => {
    aborted = true;
    kill();
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });

  let result: CommandResult | undefined;
  try {
    result = await Promise.race([ended, gaveUp]);
  } catch (error) {
    if (!aborted && !timedOut) throw context.fail(error, { operation: label });
  } finally {
    if (timer) clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    if (killing) await killing;
    if (result === undefined) await handle.disconnect().catch(() => undefined);
  }
  if (aborted && !timedOut) throw signal.reason;
  return { code: timedOut ? TIMEOUT_EXIT_CODE : exitCodeFromEnd(result?.exitCode ?? -1, result?.error), timedOut };
}
