import type { CommandStatus } from '@alibaba-group/opensandbox';
import {
  BackendError,
  hasErrorCode,
  InvalidArgumentError,
  resolveSandboxPath,
  type ProcessOutput,
  type ProcessOutputOptions,
  type ProcessSignal,
  type ProcessStatus,
  type SandboxProcesses,
  type StartedProcess,
  type StartProcessOptions,
  type WaitProcessOptions,
} from '@kode/core';
import { runCommandStream } from './command-stream';
import type { OpenSandboxContext } from './context';
import { exitCodeOf } from './exit-code';
import { validateEnv } from './validate';

const WAIT_POLL_MIN_MS = 100;
const WAIT_POLL_MAX_MS = 1000;

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Background processes on execd background commands (`POST /command` with `background: true`).
 * Ids are execd command ids, so a new instance connected to the same sandbox can read, wait for
 * and kill processes started by another one.
 */
export class OpenSandboxProcesses implements SandboxProcesses {
  /** Ids started or looked up through this instance, in order (execd has no list endpoint). */
  private readonly known = new Set<string>();

  constructor(private readonly ctx: OpenSandboxContext) {}

  /** Starts `command` detached and returns its id once execd has started it (one request). */
  async start(command: string, options: StartProcessOptions = {}): Promise<StartedProcess> {
    if (typeof command !== 'string' || command.trim() === '') {
      throw new InvalidArgumentError('processes.start command must be a non-empty string.', { backend: 'opensandbox' });
    }
    const cwd = resolveCwd(this.ctx, options.cwd);
    const env = validateEnv(options.env);
    const sdk = this.ctx.client();
    const result = await runCommandStream({
      sdk,
      command,
      options: { background: true, workingDirectory: cwd, ...(env ? { envs: env } : {}) },
    });
    const { end } = result;
    if (end.kind === 'failed') throw this.ctx.toError(end.error, { operation: 'start a background process' });
    if (result.id === undefined || end.kind !== 'complete') {
      const detail = end.kind === 'error' ? `: ${end.value}` : '';
      throw new BackendError(`OpenSandbox: starting a background process failed${detail}.`, { backend: 'opensandbox' });
    }
    this.known.add(result.id);
    return { id: result.id };
  }

  /** Output since `cursor` plus the current status (two requests: status, then logs). @throws InvalidArgumentError for an unknown id */
  async output(id: string, options: ProcessOutputOptions = {}): Promise<ProcessOutput> {
    assertId(id);
    const cursor = options.cursor ?? 0;
    if (!Number.isInteger(cursor) || cursor < 0) throw new InvalidArgumentError(`cursor must be a non-negative integer, got ${String(cursor)}.`, { backend: 'opensandbox' });
    const status = await this.status(id);
    const sdk = this.ctx.client();
    let logs: { content: string; cursor?: number };
    try {
      logs = await sdk.commands.getBackgroundCommandLogs(id, cursor);
    } catch (error) {
      throw this.ctx.toError(error, { operation: `read output of process ${id}` });
    }
    const next = logs.cursor ?? cursor + Buffer.byteLength(logs.content);
    const code = exitOf(status);
    return { data: logs.content, cursor: next, running: status.running === true, ...(code === undefined ? {} : { code }) };
  }

  /** Polls the status until the process exits, `timeoutMs` passes or `signal` aborts. */
  async wait(id: string, options: WaitProcessOptions = {}): Promise<ProcessStatus> {
    assertId(id);
    const { timeoutMs, signal } = options;
    if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs < 0)) {
      throw new InvalidArgumentError(`wait timeoutMs must be a non-negative number, got ${String(timeoutMs)}.`, { backend: 'opensandbox' });
    }
    if (signal?.aborted) throw signal.reason;
    const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
    let pause = WAIT_POLL_MIN_MS;
    for (;;) {
      const status = toProcessStatus(id, await this.status(id));
      if (!status.running) return status;
      const left = deadline - Date.now();
      if (left <= 0) return status;
      await delay(Math.min(pause, left), signal);
      pause = Math.min(pause * 2, WAIT_POLL_MAX_MS);
    }
  }

  /**
   * Stops the process tree. execd's interrupt sends SIGTERM to the process group and SIGKILL
   * after 3 s whatever `signal` is asked. Idempotent for a finished process. @throws InvalidArgumentError for an unknown id
   */
  async kill(id: string, signal: ProcessSignal = 'SIGTERM'): Promise<void> {
    assertId(id);
    if (!['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP'].includes(signal)) {
      throw new InvalidArgumentError(`Unknown signal ${String(signal)}.`, { backend: 'opensandbox' });
    }
    const sdk = this.ctx.client();
    try {
      await sdk.commands.interrupt(id);
      this.known.add(id);
    } catch (error) {
      const status = await this.status(id);
      if (status.running !== true) return;
      throw this.ctx.toError(error, { operation: `kill process ${id}` });
    }
  }

  /** Status of every process this instance started or looked up (one request per process). */
  async list(): Promise<ProcessStatus[]> {
    const ids = [...this.known];
    const out: ProcessStatus[] = [];
    for (const id of ids) {
      try {
        out.push(toProcessStatus(id, await this.status(id)));
      } catch (error) {
        if (!hasErrorCode(error, 'INVALID_ARGUMENT')) throw error;
        this.known.delete(id);
      }
    }
    return out;
  }

  private async status(id: string): Promise<CommandStatus> {
    const sdk = this.ctx.client();
    try {
      const status = await sdk.commands.getCommandStatus(id);
      this.known.add(id);
      return status;
    } catch (error) {
      const mapped = this.ctx.toError(error, { operation: `get status of process ${id}`, path: id });
      if (mapped.code === 'FILE_NOT_FOUND') {
        throw new InvalidArgumentError(`Unknown process id ${JSON.stringify(id)} in this sandbox.`, { backend: 'opensandbox', cause: error, ...(mapped.requestId ? { requestId: mapped.requestId } : {}) });
      }
      throw mapped;
    }
  }
}

function assertId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id === '') throw new InvalidArgumentError('process id must be a non-empty string.', { backend: 'opensandbox' });
}

function resolveCwd(ctx: OpenSandboxContext, cwd: string | undefined): string {
  return cwd === undefined ? ctx.workDir : resolveSandboxPath(ctx.workDir, cwd);
}

function exitOf(status: CommandStatus): number | undefined {
  if (status.running === true) return undefined;
  if (typeof status.exitCode === 'number') return exitCodeOf({ value: String(status.exitCode), detail: status.error ?? '' });
  return status.error ? exitCodeOf({ value: '-1', detail: status.error }) : undefined;
}

function toProcessStatus(id: string, status: CommandStatus): ProcessStatus {
  const code = exitOf(status);
  return { id, command: status.content ?? '', running: status.running === true, ...(code === undefined ? {} : { code }) };
}
