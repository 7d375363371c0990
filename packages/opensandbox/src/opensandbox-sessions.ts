import { BackendError, FileNotFoundError, InvalidArgumentError, quoteShellArg, type SandboxError } from '@kode/core';
import type { DriverExecResult, DriverSessionExecRequest, DriverSessions } from '@kode/driver';
import { runCommandStream } from './command-stream';
import type { OpenSandboxContext } from './context';
import { CLIENT_TIMEOUT_GRACE_MS, execOutcome, LINE_ENVELOPE_BYTES } from './exec-outcome';

const BACKEND = 'opensandbox';

/**
 * The script one session run executes: `env` exported for this command only (execd sessions take
 * no per-run environment), the previous values restored after it. No trap is set: execd records
 * the session's state in its own EXIT trap, which a second trap would replace. So a command that
 * calls `exit` leaves this command's `env` in the session.
 */
export function sessionCommand(command: string, env: Record<string, string> | undefined): string {
  const names = Object.keys(env ?? {});
  if (names.length === 0) return command;
  const lines: string[] = [];
  const restore: string[] = [];
  names.forEach((name, index) => {
    lines.push(`__kode_set_${index}=\${${name}+x}; __kode_old_${index}=\${${name}-}`);
    lines.push(`export ${name}=${quoteShellArg(env?.[name] ?? '')}`);
    restore.push(`if [ -n "$__kode_set_${index}" ]; then export ${name}="$__kode_old_${index}"; else unset ${name}; fi`);
  });
  lines.push(command);
  lines.push(`__kode_rc=$?; ${restore.join('; ')}; (exit $__kode_rc)`);
  return lines.join('\n');
}

/**
 * Shell sessions on execd's bash sessions (`POST /session`, `POST /session/{id}/run`,
 * `DELETE /session/{id}`), each run streamed with bounded memory like `exec`. As on the real
 * server, a session run merges stderr into stdout and drops blank lines
 * (docs/decisions/0150-shell-sessions.md).
 */
export class OpenSandboxDriverSessions implements DriverSessions {
  readonly #ctx: OpenSandboxContext;

  constructor(context: OpenSandboxContext) {
    this.#ctx = context;
  }

  /** `POST /session` in `cwd`, then one run that exports `env`. */
  async create(request: { cwd: string; env: Record<string, string> | undefined }): Promise<{ id: string }> {
    const sdk = this.#ctx.client();
    let id: string;
    try {
      id = await sdk.commands.createSession({ workingDirectory: request.cwd });
    } catch (error) {
      throw this.#ctx.toError(error, { operation: 'sessions.create', cwd: request.cwd });
    }
    const names = Object.entries(request.env ?? {});
    if (names.length > 0) {
      const exports = names.map(([name, value]) => `export ${name}=${quoteShellArg(value)}`).join('\n');
      const result = await this.#run(id, { command: exports, cwd: undefined, timeoutMs: 60_000 });
      if (result.end.kind !== 'complete') {
        await this.close(id).catch(() => undefined);
        throw new BackendError(`OpenSandbox: sessions.create could not export env into session ${id}.`, { backend: BACKEND });
      }
    }
    return { id };
  }

  /** One run in the session; exit code from its final event. */
  async exec(id: string, request: DriverSessionExecRequest): Promise<DriverExecResult> {
    const { timeoutMs } = request;
    let truncated = false;
    const result = await this.#run(id, {
      command: sessionCommand(request.command, request.env),
      cwd: request.cwd,
      timeoutMs,
      signal: request.signal,
      maxLineBytes: request.maxOutputBytes + LINE_ENVELOPE_BYTES,
      onLine: (stream, line, cut) => {
        truncated ||= cut;
        (stream === 'stdout' ? request.onStdout : request.onStderr)(`${line}\n`);
      },
    });
    return execOutcome(result, {
      timeoutMs,
      truncated,
      signal: request.signal,
      what: `session.exec (session ${id})`,
      startFailure: (detail) => this.#startFailure(detail, request.cwd),
      failure: (error) => {
        // execd's 404 CONTEXT_NOT_FOUND is about the session, not the sandbox (a bare 404 would read as a gone sandbox).
        if ((error as { error?: { code?: unknown } } | undefined)?.error?.code === 'CONTEXT_NOT_FOUND') {
          return new InvalidArgumentError(`OpenSandbox: session ${id} does not exist in the sandbox (any more).`, {
            backend: BACKEND,
            hint: 'Create a new session with sandbox.sessions.create().',
          });
        }
        return this.#ctx.toError(error, { operation: `session.exec ${id}`, ...(request.cwd === undefined ? {} : { cwd: request.cwd }) });
      },
    });
  }

  /** `DELETE /session/{id}`; an unknown session counts as closed. */
  async close(id: string): Promise<void> {
    try {
      await this.#ctx.client().commands.deleteSession(id);
    } catch (error) {
      const mapped = this.#ctx.toError(error, { operation: `session.close ${id}` });
      if (mapped.status === 404) return;
      throw mapped;
    }
  }

  #run(
    id: string,
    run: {
      command: string;
      cwd: string | undefined;
      timeoutMs: number;
      signal?: AbortSignal;
      maxLineBytes?: number;
      onLine?: (stream: 'stdout' | 'stderr', line: string, truncated: boolean) => void;
    },
  ): ReturnType<typeof runCommandStream> {
    return runCommandStream({
      sdk: this.#ctx.client(),
      sessionId: id,
      command: run.command,
      options: {
        ...(run.cwd !== undefined ? { workingDirectory: run.cwd } : {}),
        ...(run.timeoutMs > 0 ? { timeoutSeconds: run.timeoutMs / 1000 } : {}),
      },
      signal: run.signal,
      deadlineMs: run.timeoutMs > 0 ? run.timeoutMs + CLIENT_TIMEOUT_GRACE_MS : undefined,
      maxLineBytes: run.maxLineBytes,
      onLine: run.onLine,
    });
  }

  #startFailure(detail: string, cwd: string | undefined): SandboxError {
    if (cwd !== undefined && /no such file or directory|chdir|not a directory/i.test(detail)) {
      return new FileNotFoundError(`OpenSandbox: session.exec failed: working directory ${cwd} does not exist (${detail}).`, { backend: BACKEND, path: cwd });
    }
    if (/session not found/i.test(detail)) return new InvalidArgumentError(`OpenSandbox: unknown session (${detail}).`, { backend: BACKEND });
    return new BackendError(`OpenSandbox: session.exec failed: the command could not be started: ${detail}`, { backend: BACKEND });
  }
}
