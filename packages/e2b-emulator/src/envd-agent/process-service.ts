/** `process.Process` as envd implements it: processes outlive the request that started them. */
import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { RpcError, type ServerStream } from './connect-protocol';
import type { PathResolver } from './filesystem-service';

/** Go's `syscall.Signal.String()` names, used in envd's end-event `status`. */
const GO_SIGNAL_NAMES: Record<string, string> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGINT: 'interrupt',
  SIGHUP: 'hangup',
  SIGQUIT: 'quit',
  SIGPIPE: 'broken pipe',
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGALRM: 'alarm clock',
  SIGUSR1: 'user defined signal 1',
  SIGUSR2: 'user defined signal 2',
};

interface ProcessConfigJson {
  cmd: string;
  args: string[];
  envs: Record<string, string>;
  cwd?: string;
}

interface EndEventJson {
  /** Omitted for 0, as proto3 JSON omits zero values. */
  exitCode?: number;
  exited: boolean;
  status: string;
  error?: string;
}

type Listener = { onData(event: unknown): void; onEnd(end: EndEventJson): void };

/** One started process and its subscribers (envd's multiplexed channels). */
class ProcessHandle {
  readonly listeners = new Set<Listener>();
  end: EndEventJson | undefined;

  constructor(
    readonly child: ChildProcess,
    readonly config: ProcessConfigJson,
    readonly tag: string | undefined,
  ) {}

  get pid(): number {
    return this.child.pid ?? 0;
  }

  emitData(event: unknown): void {
    for (const l of this.listeners) l.onData(event);
  }

  emitEnd(end: EndEventJson): void {
    this.end = end;
    for (const l of this.listeners) l.onEnd(end);
    this.listeners.clear();
  }
}

function selector(message: Record<string, unknown>): { pid?: number; tag?: string } {
  const process = (message.process ?? {}) as { pid?: unknown; tag?: unknown };
  if (typeof process.pid === 'number') return { pid: process.pid };
  if (typeof process.tag === 'string') return { tag: process.tag };
  throw new RpcError('invalid_argument', 'process selector must set pid or tag');
}

/** How long envd keeps the end event of an exited process for a late `Connect`, in ms. */
const TERMINATED_RETENTION_MS = 30_000;

/** `process.Signal` JSON names by number, for envd's "invalid signal" message. */
const SIGNAL_NAMES: Record<number, string> = { 0: 'SIGNAL_UNSPECIFIED', 9: 'SIGNAL_SIGKILL', 15: 'SIGNAL_SIGTERM' };

/** envd implements SIGKILL and SIGTERM only; anything else is `unimplemented` (HTTP 501). */
function toSignal(value: unknown): NodeJS.Signals {
  if (value === 'SIGNAL_SIGKILL' || value === 9) return 'SIGKILL';
  if (value === 'SIGNAL_SIGTERM' || value === 15) return 'SIGTERM';
  const name = typeof value === 'number' ? (SIGNAL_NAMES[value] ?? String(value)) : typeof value === 'string' ? value : 'SIGNAL_UNSPECIFIED';
  throw new RpcError('unimplemented', `invalid signal: ${name}`);
}

/** Whether a `Start` request's process is cancelled by its deadline (then pipes are not waited for). */
const cancelled = new WeakSet<ProcessHandle>();

/** The Process service of one sandbox. */
export class ProcessService {
  private readonly processes = new Map<number, ProcessHandle>();
  /** Exited processes whose end event a `Connect` still gets (envd keeps them 30 s). */
  private readonly terminated = new Map<number, { tag: string | undefined; end: EndEventJson; timer: NodeJS.Timeout }>();

  constructor(
    private readonly resolve: PathResolver,
    private readonly baseEnv: () => Record<string, string>,
  ) {}

  /** Unary methods by name. */
  unary(method: string): ((message: Record<string, unknown>) => Promise<unknown>) | undefined {
    switch (method) {
      case 'List':
        return () => Promise.resolve(this.list());
      case 'SendInput':
        return (m) => Promise.resolve(this.sendInput(m));
      case 'SendSignal':
        return (m) => Promise.resolve(this.sendSignal(m));
      case 'CloseStdin':
        return (m) => Promise.resolve(this.closeStdin(m));
      case 'Update':
        return (m) => Promise.resolve(this.update(m));
      case 'StreamInput':
        return () => Promise.reject(new RpcError('unimplemented', 'StreamInput needs a client stream, which HTTP/1.1 fetch cannot send'));
      default:
        return undefined;
    }
  }

  private find(message: Record<string, unknown>): ProcessHandle {
    const sel = selector(message);
    if (sel.pid !== undefined) {
      const handle = this.processes.get(sel.pid);
      if (!handle) throw new RpcError('not_found', `process with pid ${sel.pid} not found`);
      return handle;
    }
    for (const handle of this.processes.values()) if (handle.tag === sel.tag) return handle;
    throw new RpcError('not_found', `process with tag ${String(sel.tag)} not found`);
  }

  private list(): unknown {
    return {
      processes: [...this.processes.values()].map((p) => ({
        config: p.config,
        pid: p.pid,
        ...(p.tag === undefined ? {} : { tag: p.tag }),
      })),
    };
  }

  private sendInput(m: Record<string, unknown>): unknown {
    const handle = this.find(m);
    const input = (m.input ?? {}) as { stdin?: unknown; pty?: unknown };
    if (typeof input.pty === 'string') throw new RpcError('failed_precondition', 'tty not assigned to process — input should be written to the stdin, not the tty');
    if (typeof input.stdin !== 'string') throw new RpcError('invalid_argument', 'input.stdin must be bytes');
    const stdin = handle.child.stdin;
    if (!stdin || stdin.destroyed || stdin.writableEnded) throw new RpcError('failed_precondition', 'stdin not enabled or closed');
    stdin.write(Buffer.from(input.stdin, 'base64'));
    return {};
  }

  private closeStdin(m: Record<string, unknown>): unknown {
    const handle = this.find(m);
    handle.child.stdin?.end();
    return {};
  }

  private sendSignal(m: Record<string, unknown>): unknown {
    const handle = this.find(m);
    const signal = toSignal(m.signal);
    try {
      handle.child.kill(signal);
    } catch (error) {
      throw new RpcError('internal', `error sending signal: ${(error as Error).message}`);
    }
    return {};
  }

  private update(m: Record<string, unknown>): unknown {
    this.find(m);
    throw new RpcError('internal', 'error resizing tty: tty not assigned to process');
  }

  /** Server-streaming Start: `start {pid}` first, then data, then `end`. */
  async start(message: Record<string, unknown>, stream: ServerStream, options: { timeoutMs?: number; keepaliveMs?: number }): Promise<void> {
    const process = (message.process ?? {}) as Partial<ProcessConfigJson>;
    if (message.pty !== undefined && message.pty !== null) throw new RpcError('unimplemented', 'the envd emulator does not implement PTY processes');
    if (typeof process.cmd !== 'string' || process.cmd === '') throw new RpcError('invalid_argument', 'process.cmd is required');
    const args = Array.isArray(process.args) ? process.args.map(String) : [];
    const envs: Record<string, string> = process.envs ?? {};
    const cwd = this.resolve(typeof process.cwd === 'string' && process.cwd !== '' ? process.cwd : '');
    // envd only checks that cwd exists; a cwd that is not a directory fails when the shell is forked.
    const cwdStat = await stat(cwd).catch((error: unknown) => ((error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : 'unreadable'));
    if (cwdStat === undefined) throw new RpcError('invalid_argument', `cwd '${cwd}' does not exist`);
    const userCommand = [process.cmd, ...args].join(' ');
    if (cwdStat === 'unreadable' || !cwdStat.isDirectory()) {
      throw new RpcError('invalid_argument', `error starting process '${userCommand}': fork/exec /bin/sh: not a directory`);
    }
    const wantStdin = message.stdin === undefined || message.stdin === true;
    const child = spawn(process.cmd, args, {
      cwd,
      env: { ...this.baseEnv(), ...envs },
      stdio: [wantStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    const spawnError = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (error) => resolve(error));
    });
    if (spawnError) throw new RpcError('invalid_argument', `error starting process '${userCommand}': ${spawnError.message}`);
    child.stdin?.on('error', () => undefined);
    const config: ProcessConfigJson = { cmd: process.cmd, args, envs, ...(typeof process.cwd === 'string' ? { cwd: process.cwd } : {}) };
    const tag = typeof message.tag === 'string' ? message.tag : undefined;
    const handle = new ProcessHandle(child, config, tag);
    this.forgetTerminated(handle.pid, tag);
    this.processes.set(handle.pid, handle);
    this.track(handle);
    this.attach(handle, stream, options.keepaliveMs);
    if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
      const timer = setTimeout(() => {
        if (handle.end) return;
        cancelled.add(handle);
        child.kill('SIGKILL');
        stream.end(new RpcError('deadline_exceeded', 'context deadline exceeded'));
      }, options.timeoutMs);
      child.once('exit', () => clearTimeout(timer));
    }
  }

  /**
   * Server-streaming Connect: attaches to a running process (no replay of earlier output); for a
   * process that exited less than 30 s ago, sends its start and retained end event.
   */
  connect(message: Record<string, unknown>, stream: ServerStream, options: { keepaliveMs?: number }): void {
    let handle: ProcessHandle;
    try {
      handle = this.find(message);
    } catch (error) {
      const retained = this.findTerminated(message);
      if (!retained) throw error;
      stream.send({ event: { start: { pid: retained.pid } } });
      stream.send({ event: { end: retained.end } });
      stream.end();
      return;
    }
    this.attach(handle, stream, options.keepaliveMs);
  }

  private findTerminated(message: Record<string, unknown>): { pid: number; end: EndEventJson } | undefined {
    const sel = selector(message);
    if (sel.pid !== undefined) {
      const found = this.terminated.get(sel.pid);
      return found ? { pid: sel.pid, end: found.end } : undefined;
    }
    for (const [pid, entry] of this.terminated) if (entry.tag === sel.tag) return { pid, end: entry.end };
    return undefined;
  }

  private retain(pid: number, tag: string | undefined, end: EndEventJson): void {
    this.forgetTerminated(pid, undefined);
    const timer = setTimeout(() => this.terminated.delete(pid), TERMINATED_RETENTION_MS);
    timer.unref();
    this.terminated.set(pid, { tag, end, timer });
  }

  /** A new process with this pid (or tag) replaces any retained exit of the same pid (or tag). */
  private forgetTerminated(pid: number, tag: string | undefined): void {
    for (const [key, entry] of this.terminated) {
      if (key === pid || (tag !== undefined && entry.tag === tag)) {
        clearTimeout(entry.timer);
        this.terminated.delete(key);
      }
    }
  }

  private attach(handle: ProcessHandle, stream: ServerStream, keepaliveMs: number | undefined): void {
    stream.send({ event: { start: { pid: handle.pid } } });
    const timer = keepaliveMs ? setInterval(() => stream.send({ event: { keepalive: {} } }), keepaliveMs) : undefined;
    const listener: Listener = {
      onData: (event) => stream.send({ event: { data: event } }),
      onEnd: (end) => {
        stream.send({ event: { end } });
        stream.end();
      },
    };
    handle.listeners.add(listener);
    stream.onClose(() => {
      if (timer) clearInterval(timer);
      handle.listeners.delete(listener);
    });
  }

  private track(handle: ProcessHandle): void {
    const { child } = handle;
    const pipeData = (name: 'stdout' | 'stderr') => (chunk: Buffer) => handle.emitData({ [name]: chunk.toString('base64') });
    child.stdout?.on('data', pipeData('stdout'));
    child.stderr?.on('data', pipeData('stderr'));
    let finished = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (finished) return;
      finished = true;
      child.stdout?.destroy();
      child.stderr?.destroy();
      this.processes.delete(handle.pid);
      const status = signal ? `signal: ${GO_SIGNAL_NAMES[signal] ?? signal}` : `exit status ${code ?? 0}`;
      const end: EndEventJson = signal
        ? { exitCode: -1, exited: false, status, error: status }
        : { ...(code ? { exitCode: code } : {}), exited: true, status, ...(code ? { error: status } : {}) };
      this.retain(handle.pid, handle.tag, end);
      handle.emitEnd(end);
    };
    // Like envd's handler: the end event waits for EOF on BOTH output pipes, so a background child
    // that inherited them holds it back until it exits or closes them. Node's 'close' is exactly
    // "exited and every stdio stream closed". Only a deadline cancel stops waiting for the pipes.
    child.once('close', (code, signal) => finish(code, signal));
    child.once('exit', (code, signal) => {
      if (cancelled.has(handle)) finish(code, signal);
    });
  }

  /** Kills every process (agent shutdown). */
  close(): void {
    for (const entry of this.terminated.values()) clearTimeout(entry.timer);
    this.terminated.clear();
    for (const handle of this.processes.values()) handle.child.kill('SIGKILL');
  }
}
