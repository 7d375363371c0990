import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@kode/core';
import { sessionEnvFile, sessionScript, type DriverExecResult, type DriverSessionExecRequest, type DriverSessions } from '@kode/driver';
import { mapHostError } from './host-errors';
import { LOCAL_KIND } from './local-config';
import { runCommand } from './run-command';

/** What the sessions need from the driver. */
export interface LocalSessionsContext {
  /** Existing private directory where each session keeps its state (`<dir>/<id>/{env,cwd}`). */
  stateDir(): string;
  /** The environment every command starts from (`process.env` + config `env`). */
  baseEnv(): NodeJS.ProcessEnv;
}

/**
 * Shell sessions of a local sandbox, the way execd runs them (docs/decisions/0150-shell-sessions.md),
 * on the scripts `@kode/driver` shares with E2B (`sessionScript`, `sessionEnvFile`):
 * each command is a fresh `bash` in its own process group that restores the session's exported
 * variables and working directory from a state directory and records them again when it exits.
 * So `cd` and `export` persist, stdout and stderr stay apart, a timeout or abort kills only that
 * command (the session lives on), and sessions share nothing. Functions, aliases and unexported
 * variables do not persist.
 */
export class LocalDriverSessions implements DriverSessions {
  readonly #ctx: LocalSessionsContext;
  readonly #dirs = new Map<string, string>();

  constructor(context: LocalSessionsContext) {
    this.#ctx = context;
  }

  /** Creates the session's state: `env` exported, `cwd` (real, existing) as its directory. */
  async create(request: { cwd: string; env: Record<string, string> | undefined }): Promise<{ id: string }> {
    const id = `session-${randomBytes(8).toString('hex')}`;
    const dir = join(this.#ctx.stateDir(), id);
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFile(join(dir, 'env'), sessionEnvFile(request.env), { mode: 0o600 });
      await writeFile(join(dir, 'cwd'), `${request.cwd}\n`);
    } catch (error) {
      throw mapHostError(error, { op: 'sessions.create', path: dir });
    }
    this.#dirs.set(id, dir);
    return { id };
  }

  /** Runs one command of the session (`sessionScript` of `@kode/driver`). @throws InvalidArgumentError for an unknown id */
  async exec(id: string, request: DriverSessionExecRequest): Promise<DriverExecResult> {
    const dir = this.#dirs.get(id);
    if (dir === undefined) throw new InvalidArgumentError(`Unknown session ${id}.`, { backend: LOCAL_KIND });
    return runCommand({
      command: sessionScript({ stateDir: dir, command: request.command, cwd: request.cwd, env: request.env }),
      cwd: dir,
      env: this.#ctx.baseEnv(),
      timeoutMs: request.timeoutMs,
      signal: request.signal,
      onStdout: request.onStdout,
      onStderr: request.onStderr,
    });
  }

  /** Forgets the session and removes its state. Idempotent. */
  async close(id: string): Promise<void> {
    const dir = this.#dirs.get(id);
    this.#dirs.delete(id);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}
