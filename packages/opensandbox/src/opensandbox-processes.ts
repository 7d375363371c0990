import { randomBytes } from 'node:crypto';
import type { CommandStatus } from '@alibaba-group/opensandbox';
import { BackendError, hasErrorCode, InvalidArgumentError, quoteShellArg, type ProcessOutput, type ProcessSignal, type ProcessStatus } from '@kode/core';
import type { DriverProcesses, DriverStartRequest } from '@kode/driver';
import { runCommandStream } from './command-stream';
import type { OpenSandboxContext } from './context';
import { exitCodeOf } from './exit-code';

const WAIT_POLL_MIN_MS = 100;
const WAIT_POLL_MAX_MS = 1000;
/** Sandbox-side directory of pid files and the index of processes started through this package. */
const REGISTRY_DIR = '/tmp/.kode-processes';
const REGISTRY_INDEX = `${REGISTRY_DIR}/index`;

/** One process known to this package: execd id, pid-file token, original command. */
interface RegistryEntry {
  id: string;
  token?: string;
  command?: string;
}

/**
 * The command actually sent: the shell records its pid (= the process group id, since execd
 * starts each command in its own group) and then becomes the user's command, so `kill` can signal
 * the whole tree with any signal.
 */
function wrapCommand(command: string, token: string): string {
  return `mkdir -p ${REGISTRY_DIR} && echo $$ > ${REGISTRY_DIR}/${token}.pid && exec "\${BASH:-/bin/sh}" -c ${quoteShellArg(command)}`;
}

/** Longest wait for a wrapper shell to write its pid file: 100 × 50 ms. */
const PID_FILE_WAIT_STEPS = 100;

/**
 * A shell snippet that waits (at most ~5 s) until the wrapper of `token` has written its pid file.
 * execd answers `start` once it spawned the shell, before the shell ran a line: under load, or with
 * a slow shell start (`BASH_ENV`, a big profile), the file is missing or empty for a while, and a
 * kill reading it then found no process group. Stops early where `sleep` takes no fraction.
 */
function waitForPidFile(token: string): string {
  const file = `${REGISTRY_DIR}/${token}.pid`;
  return `n=0; while [ ! -s ${file} ] && [ "$n" -lt ${PID_FILE_WAIT_STEPS} ]; do sleep 0.05 2>/dev/null || break; n=$((n+1)); done`;
}

/** The pid-file token inside a wrapped command, if it is one. */
function tokenOf(content: string | undefined): string | undefined {
  return content === undefined ? undefined : /\/\.kode-processes\/([0-9a-f]{16})\.pid/.exec(content)?.[1];
}

/** The original command of a wrapped one (the single-quoted argument of `-c`). */
function unwrapCommand(content: string | undefined): string | undefined {
  if (content === undefined || tokenOf(content) === undefined) return content;
  const match = / -c ('(?:[^']|'\\'')*'|[^ ]+)$/.exec(content);
  if (!match?.[1]) return content;
  const quoted = match[1];
  return quoted.startsWith("'") ? quoted.slice(1, -1).replaceAll(`'\\''`, "'") : quoted;
}

function parseIndex(text: string): RegistryEntry[] {
  const out: RegistryEntry[] = [];
  for (const line of text.split('\n')) {
    const [id, token, encoded] = line.split(' ');
    if (!id) continue;
    out.push({ id, ...(token && token !== '-' ? { token } : {}), ...(encoded !== undefined ? { command: Buffer.from(encoded, 'base64').toString('utf8') } : {}) });
  }
  return out;
}

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
export class OpenSandboxDriverProcesses implements DriverProcesses {
  /** Processes started or looked up through this instance (execd has no list endpoint; the sandbox-side index fills the gap). */
  private readonly entries = new Map<string, RegistryEntry>();

  constructor(private readonly ctx: OpenSandboxContext) {}

  /** Starts `command` detached and returns its id once execd has started it (one request). */
  async start(request: DriverStartRequest): Promise<{ id: string }> {
    const { command, cwd, env } = request;
    const sdk = this.ctx.client();
    const token = randomBytes(8).toString('hex');
    const result = await runCommandStream({
      sdk,
      command: wrapCommand(command, token),
      options: { background: true, workingDirectory: cwd, ...(env ? { envs: env } : {}) },
    });
    const { end } = result;
    if (end.kind === 'failed') throw this.ctx.toError(end.error, { operation: 'start a background process', cwd });
    if (result.id === undefined || end.kind !== 'complete') {
      const detail = end.kind === 'error' ? `: ${end.value}` : '';
      throw new BackendError(`OpenSandbox: starting a background process failed${detail}.`, { backend: 'opensandbox' });
    }
    const entry: RegistryEntry = { id: result.id, token, command };
    this.entries.set(entry.id, entry);
    await this.record(entry);
    return { id: result.id };
  }

  /** Output since `cursor` plus the current status (two requests: status, then logs). @throws InvalidArgumentError for an unknown id */
  async output(id: string, options: { cursor: number }): Promise<ProcessOutput> {
    const { cursor } = options;
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
  async wait(id: string, options: { timeoutMs: number; signal: AbortSignal }): Promise<ProcessStatus> {
    const { timeoutMs, signal } = options;
    const deadline = timeoutMs === 0 ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
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
  async kill(id: string, signal: ProcessSignal): Promise<void> {
    const sdk = this.ctx.client();
    if (signal === 'SIGTERM') {
      try {
        await sdk.commands.interrupt(id);
        this.remember(id);
      } catch (error) {
        const status = await this.status(id);
        if (status.running !== true) return;
        throw this.ctx.toError(error, { operation: `kill process ${id}` });
      }
      return;
    }
    // Other signals go straight to the process group, whose leader wrote its pid at start.
    const status = await this.status(id);
    if (status.running !== true) return;
    const token = this.entries.get(id)?.token ?? tokenOf(status.content);
    if (token === undefined) {
      throw new InvalidArgumentError(`Process ${id} was not started by @kode/opensandbox, so only SIGTERM (execd interrupt) can stop it.`, { backend: 'opensandbox' });
    }
    const script = `${waitForPidFile(token)}; pid=$(cat ${REGISTRY_DIR}/${token}.pid 2>/dev/null) && [ -n "$pid" ] && kill -s ${signal.slice(3)} -- -"$pid"`;
    const result = await runCommandStream({ sdk, command: script, options: { workingDirectory: '/', timeoutSeconds: 30 } });
    if (result.end.kind === 'failed') throw this.ctx.toError(result.end.error, { operation: `kill process ${id}` });
    if (result.end.kind !== 'complete' && (await this.status(id)).running === true) {
      throw new BackendError(`OpenSandbox: could not send ${signal} to process ${id}.`, { backend: 'opensandbox' });
    }
  }

  /**
   * Every process started through `@kode/opensandbox` in this sandbox (by any instance: the ids
   * are kept in an index file in the sandbox) plus any other id this instance looked up: one
   * request for the index, then one status request per process.
   */
  async list(): Promise<ProcessStatus[]> {
    const sdk = this.ctx.client();
    let index = '';
    try {
      index = await sdk.files.readFile(REGISTRY_INDEX);
    } catch (error) {
      const mapped = this.ctx.toError(error, { operation: 'read the process index', path: REGISTRY_INDEX });
      if (mapped.code !== 'FILE_NOT_FOUND') throw mapped;
    }
    for (const entry of parseIndex(index)) if (!this.entries.has(entry.id)) this.entries.set(entry.id, entry);
    const out: ProcessStatus[] = [];
    for (const [id, entry] of this.entries) {
      try {
        const status = toProcessStatus(id, await this.status(id));
        out.push(entry.command === undefined ? status : { ...status, command: entry.command });
      } catch (error) {
        if (!hasErrorCode(error, 'INVALID_ARGUMENT')) throw error;
        this.entries.delete(id);
      }
    }
    return out;
  }

  private remember(id: string): void {
    if (!this.entries.has(id)) this.entries.set(id, { id });
  }

  /**
   * Appends a started process to the sandbox-side index (one request), so restored instances can
   * list it, and in the same request waits for its wrapper to have written its pid file: `start`
   * returns once the process runs, and a kill right after it finds the process group.
   */
  private async record(entry: RegistryEntry): Promise<void> {
    const line = `${entry.id} ${entry.token ?? '-'} ${Buffer.from(entry.command ?? '').toString('base64')}`;
    const waitForPid = entry.token === undefined ? '' : `; ${waitForPidFile(entry.token)}`;
    const result = await runCommandStream({
      sdk: this.ctx.client(),
      command: `mkdir -p ${REGISTRY_DIR} && printf '%s\\n' '${line}' >> ${REGISTRY_INDEX}${waitForPid}`,
      options: { workingDirectory: '/', timeoutSeconds: 30 },
    });
    if (result.end.kind === 'failed') throw this.ctx.toError(result.end.error, { operation: 'record a background process' });
  }

  private async status(id: string): Promise<CommandStatus> {
    const sdk = this.ctx.client();
    try {
      const status = await sdk.commands.getCommandStatus(id);
      this.remember(id);
      return status;
    } catch (error) {
      const mapped = this.ctx.toError(error, { operation: `get status of process ${id}` });
      if ((error as { statusCode?: unknown }).statusCode === 404) {
        throw new InvalidArgumentError(`Unknown process id ${JSON.stringify(id)} in this sandbox.`, { backend: 'opensandbox', cause: error, ...(mapped.requestId ? { requestId: mapped.requestId } : {}) });
      }
      throw mapped;
    }
  }
}

function exitOf(status: CommandStatus): number | undefined {
  if (status.running === true) return undefined;
  if (typeof status.exitCode === 'number') return exitCodeOf({ value: String(status.exitCode), detail: status.error ?? '' });
  return status.error ? exitCodeOf({ value: '-1', detail: status.error }) : undefined;
}

function toProcessStatus(id: string, status: CommandStatus): ProcessStatus {
  const code = exitOf(status);
  return { id, command: unwrapCommand(status.content) ?? '', running: status.running === true, ...(code === undefined ? {} : { code }) };
}
