import { randomBytes } from 'node:crypto';
import { BackendError, InvalidArgumentError, quoteShellArg } from '@kode/core';
import { sessionCreateScript, sessionScript, type DriverExecResult, type DriverSessionExecRequest, type DriverSessions } from '@kode/driver';
import { runScript, type E2BContext } from './e2b-context';
import { execOnE2B } from './e2b-exec';

/** Where the sessions' state directories live inside the sandbox (`<root>/<id>/{env,cwd}`, mode 0700). */
export const E2B_SESSIONS_ROOT = '/tmp/.kode-sessions';

/**
 * Shell sessions on E2B. envd has no session API, so a session is what it is on the local backend
 * (docs/decisions/0150-shell-sessions.md): a private state directory in the sandbox, created by
 * `create` with `sessionCreateScript`, and one envd command per `exec` running `sessionScript`
 * (restore the exported variables and directory, run, record them on exit) through the very
 * `exec` path of the driver (`execOnE2B`: process group, timeout 124, abort, output relays). A
 * timeout or abort kills only that command; the session keeps the state from before it. Sessions
 * belong to this driver: a reconnected sandbox starts with none. Unknown ids raise `InvalidArgumentError`.
 */
export class E2BDriverSessions implements DriverSessions {
  readonly #context: E2BContext;
  readonly #dirs = new Map<string, string>();

  /** @param context the driver's shared client access and error mapping */
  constructor(context: E2BContext) {
    this.#context = context;
  }

  /**
   * Creates the session's state directory (one envd command): `env` exported, `cwd` (an existing
   * absolute directory, checked by the front) as its directory. Never retried.
   * @throws BackendError when the state cannot be written; mapped transport errors
   */
  async create(request: { cwd: string; env: Record<string, string> | undefined }): Promise<{ id: string }> {
    const id = `session-${randomBytes(8).toString('hex')}`;
    const dir = `${E2B_SESSIONS_ROOT}/${id}`;
    const result = await runScript(this.#context, { script: sessionCreateScript({ stateDir: dir, cwd: request.cwd, env: request.env }), operation: 'sessions.create' });
    if (result.exitCode !== 0) {
      throw new BackendError(`E2B sessions.create could not write the session state in ${dir} (exit ${result.exitCode}): ${result.stderr.trim().slice(0, 500)}`, {
        backend: 'e2b',
        retryable: false,
      });
    }
    this.#dirs.set(id, dir);
    return { id };
  }

  /** Runs one command of the session as an envd command (see the class). @throws InvalidArgumentError for an unknown id */
  async exec(id: string, request: DriverSessionExecRequest): Promise<DriverExecResult> {
    const dir = this.#dirs.get(id);
    if (dir === undefined) throw new InvalidArgumentError(`Unknown session ${id}.`, { backend: 'e2b' });
    // The per-exec env goes into the script (exported, then restored before the state is
    // recorded), never into envd's `envs`, which would make it part of the recorded state.
    return execOnE2B(
      this.#context,
      { ...request, command: sessionScript({ stateDir: dir, command: request.command, cwd: request.cwd, env: request.env }), cwd: dir, env: undefined },
      { label: `session ${id} exec` },
    );
  }

  /** Forgets the session and removes its state directory (one envd command). Idempotent. */
  async close(id: string): Promise<void> {
    const dir = this.#dirs.get(id);
    if (dir === undefined) return;
    this.#dirs.delete(id);
    await runScript(this.#context, { script: `rm -rf -- ${quoteShellArg(dir)}`, operation: `session ${id} close` });
  }
}
