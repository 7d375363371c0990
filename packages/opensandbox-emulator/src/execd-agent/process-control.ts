import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import type { EventStream } from './event-stream';
import { expandPath } from './file-info';
import { errMessage, HttpError, isObject } from './http';
import { settings } from './settings';

/** A 32-hex id like execd's (a uuid without dashes). */
export function newId(): string {
  return randomUUID().replace(/-/g, '');
}

/** Signals the process group `pid` leads (or the process alone when that fails). */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Go's `ExitError` text: `exit status N` or `signal: killed`. */
export function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) {
    const names: Record<string, string> = { SIGKILL: 'killed', SIGTERM: 'terminated', SIGINT: 'interrupt', SIGHUP: 'hangup', SIGPIPE: 'broken pipe', SIGSEGV: 'segmentation fault', SIGABRT: 'aborted' };
    return `signal: ${names[signal] ?? signal}`;
  }
  return `exit status ${code}`;
}

/** @throws HttpError 400 when present and not a string */
export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new HttpError(400, 'INVALID_REQUEST_BODY', `${field} must be a string`);
  return value;
}

/** @throws HttpError 400 when present and not a non-negative integer */
export function optionalInt(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new HttpError(400, 'INVALID_REQUEST_BODY', `${field} must be a non-negative integer`);
  return value;
}

/** @throws HttpError 400 when present and not an object */
export function optionalEnvs(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'envs must be an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) out[k] = String(v);
  return out;
}

/** The outcome of {@link checkCwd}. */
export interface CwdCheck {
  dir: string;
  /** The old execd's stream error (`chdir …`). */
  error?: string;
  /** The newer execd's validation message (answered 400 `INVALID_REQUEST_BODY` before any stream). */
  invalid?: string;
}

/** Checks a request's `cwd`; undefined when none was given. */
export function checkCwd(cwd: string | undefined): CwdCheck | undefined {
  if (cwd === undefined || cwd === '') return undefined;
  const dir = expandPath(cwd);
  try {
    if (!statSync(dir).isDirectory()) return { dir, error: `chdir ${dir}: not a directory`, invalid: `working directory path is not a directory: ${cwd}` };
  } catch {
    return { dir, error: `chdir ${dir}: no such file or directory`, invalid: `working directory does not exist: ${cwd}: stat ${dir}: no such file or directory` };
  }
  return { dir };
}

/**
 * Ends a command's event stream as execd does: `execution_complete` on exit 0, otherwise `error`
 * with `CommandExecError` and the exit code as `evalue`.
 */
export function sendFinalEvent(stream: EventStream, outcome: { code: number; error: string | undefined; started: number }): void {
  const { code, error, started } = outcome;
  if (code === 0) stream.send({ type: 'execution_complete', execution_time: Date.now() - started });
  else stream.send({ type: 'error', error: { ename: 'CommandExecError', evalue: String(code), traceback: [error ?? `exit status ${code}`] } });
  stream.finish();
}

/**
 * Calls `complete(code, errorText)` once the child has exited and its pipes have drained; `-1`
 * when it could not start. A background grandchild may hold the pipes open for ever, so after
 * `outputDrainMs` the run completes without waiting for their end — but only after one more I/O
 * poll turn: everything the exited process wrote is in the pipes by now, yet libuv reaps every
 * exited child on one SIGCHLD, so this exit may be seen (and a loaded loop may pass the timer)
 * before the poll phase that reads its output. Completing straight from the timer lost whole
 * outputs under load (`{code: 0, stdout: ''}` for `echo hi`; ADR 0103).
 */
export function completeOnExit(child: ChildProcess, complete: (code: number, error: string | undefined) => void): void {
  child.on('error', (e) => complete(-1, errMessage(e)));
  child.on('exit', (code, signal) => {
    const result = code ?? -1;
    const text = code === 0 ? undefined : exitText(code, signal);
    // setImmediate from a timer runs in the check phase, after this iteration's poll phase read
    // whatever the (level-triggered) pipes hold
    const t = setTimeout(() => setImmediate(() => complete(result, text)), settings.outputDrainMs);
    child.once('close', () => {
      clearTimeout(t);
      complete(result, text);
    });
  });
}

/** Whether any process of group `pgid` still exists (zombies included, until reaped). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a command's whole process group, as execd does since it stopped orphaning children:
 * SIGTERM, then SIGKILL after 3 s. Resolves once the leader has exited AND no process of the group
 * is left (or the deadline passed), so a caller that awaited the interrupt sees nothing running.
 */
export async function terminate(child: ChildProcess | undefined, exited: Promise<void>): Promise<void> {
  const pgid = child?.pid;
  const gone = async (ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    const left = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
    if (!left) return false;
    while (pgid && groupAlive(pgid)) {
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  };
  killGroup(pgid, 'SIGTERM');
  if (await gone(3000)) return;
  killGroup(pgid, 'SIGKILL');
  await gone(2000);
}
