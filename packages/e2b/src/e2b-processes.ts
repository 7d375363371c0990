import type { CommandHandle } from 'e2b';
import { InvalidArgumentError, quoteShellArg, type ProcessOutput, type ProcessSignal, type ProcessStatus } from '@kode/core';
import type { DriverProcesses, DriverStartRequest } from '@kode/driver';
import { runScript, type E2BContext } from './e2b-context';
import { killProcessTree, wrapInProcessGroup } from './e2b-exec';

/** Where background processes keep their command, output and exit code inside the sandbox. */
export const PROCESS_STATE_DIR = '/tmp/.kode-e2b/procs';

/** Grace between SIGTERM and SIGKILL in `kill()`, in seconds (runs inside the sandbox). */
const KILL_GRACE_SECONDS = 2;

/**
 * The wrapper every background process runs in (its own process group, see `wrapInProcessGroup`):
 * it records the command, sends stdout+stderr interleaved to a log, and writes the exit code when
 * the command ends. `trap :` keeps the wrapper alive through TERM/INT/HUP so the child's status
 * (128 + n) is recorded; only SIGKILL skips the record (then `kill()` writes 137 itself).
 * `$$` is the envd pid, which is also the process id we hand out. The wrapper prints one marker
 * line once its files exist (the command's own output goes to the log), so `start()` resolves only
 * when `output`/`list` already see the process.
 */
const READY_MARKER = 'kode-e2b-process-ready';

const WRAPPER = [
  `d=${PROCESS_STATE_DIR}`,
  'mkdir -p "$d"',
  'rm -f "$d/$$.exit"',
  `printf '%s' "$1" > "$d/$$.cmd"`,
  `echo ${READY_MARKER}`,
  'trap : TERM INT HUP',
  '/bin/bash -c "$1" > "$d/$$.log" 2>&1 < /dev/null',
  'c=$?',
  'echo "$c" > "$d/$$.exit.tmp" && mv -f "$d/$$.exit.tmp" "$d/$$.exit"',
  'exit "$c"',
].join('; ');

interface StatusLine {
  id: string;
  command: string;
  state: 'running' | 'finished';
  code?: number;
}

function assertId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !/^[1-9][0-9]{0,9}$/.test(id)) {
    throw new InvalidArgumentError(`Unknown process id ${JSON.stringify(id)}: e2b process ids are pids as decimal strings.`, { backend: 'e2b' });
  }
}

function unknownId(id: string): InvalidArgumentError {
  return new InvalidArgumentError(`Unknown process id '${id}': no background process with this id was started in this sandbox.`, {
    backend: 'e2b',
    hint: 'Use an id returned by processes.start() or listed by processes.list().',
  });
}

/** Shell that prints `<status>` for pid `$p`: the exit code, `running`, or `gone`. */
const STATUS_OF_P = `if [ -e "$d/$p.exit" ]; then cat "$d/$p.exit"; elif kill -0 "$p" 2>/dev/null; then echo running; else echo gone; fi`;

function parseState(raw: string): { state: 'running' | 'finished'; code?: number } {
  const text = raw.trim();
  if (text === 'running') return { state: 'running' };
  // `gone`: the wrapper died without recording (SIGKILL from outside): report 128 + 9.
  const code = /^\d+$/.test(text) ? Number(text) : 137;
  return { state: 'finished', code };
}

/**
 * The background-process part of the E2B driver. State lives in the sandbox
 * (`/tmp/.kode-e2b/procs`), so ids (envd pids as strings), output, status and exit codes survive a
 * reconnect from a new instance. The front (`@kode/driver`) checks arguments and resolves `cwd`.
 */
export class E2BDriverProcesses implements DriverProcesses {
  private readonly handles = new Map<string, { handle: CommandHandle; done: Promise<void> }>();

  /** @param context the driver's shared client access and error mapping */
  constructor(private readonly context: E2BContext) {}

  /** Starts `command` detached; resolves with its id once the wrapper runs. Never retried. @throws FileNotFoundError (missing cwd) */
  async start(request: DriverStartRequest): Promise<{ id: string }> {
    const { command, cwd, env } = request;
    const script = `${wrapInProcessGroup(WRAPPER)} kode-bg ${quoteShellArg(command)}`;
    let handle: CommandHandle;
    let onReady: () => void = () => undefined;
    let seen = '';
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    try {
      handle = await this.context.client().commands.run(script, {
        background: true,
        cwd,
        stdin: false,
        timeoutMs: 0,
        ...(env === undefined ? {} : { envs: env }),
        onStdout: (chunk) => {
          seen = (seen + chunk).slice(-2 * READY_MARKER.length);
          if (seen.includes(READY_MARKER)) onReady();
        },
      });
    } catch (error) {
      throw this.context.fail(error, { operation: `start process in ${cwd}`, path: cwd });
    }
    const id = String(handle.pid);
    const done = handle.wait().then(
      () => undefined,
      () => undefined,
    );
    this.handles.set(id, { handle, done });
    await Promise.race([ready, done]);
    return { id };
  }

  private async status(id: string, operation: string): Promise<StatusLine | undefined> {
    const script = `d=${PROCESS_STATE_DIR}; p=${id}; if [ ! -e "$d/$p.cmd" ]; then echo unknown; exit 0; fi; ${STATUS_OF_P}; base64 -w0 < "$d/$p.cmd"`;
    const result = await runScript(this.context, { script, operation });
    const [first = '', second = ''] = result.stdout.split('\n');
    if (first.trim() === 'unknown') {
      // Started by this instance a moment ago: the wrapper has not written its files yet.
      if (this.handles.has(id)) return { id, command: '', state: 'running' };
      return undefined;
    }
    return { id, command: Buffer.from(second.trim(), 'base64').toString('utf8'), ...parseState(first) };
  }

  private toStatus(line: StatusLine): ProcessStatus {
    return { id: line.id, command: line.command, running: line.state === 'running', ...(line.code === undefined ? {} : { code: line.code }) };
  }

  /** Output since `cursor` (bytes of stdout+stderr interleaved). @throws InvalidArgumentError for an unknown id */
  async output(id: string, options: { cursor: number }): Promise<ProcessOutput> {
    assertId(id);
    const { cursor } = options;
    const script = [
      `d=${PROCESS_STATE_DIR}; p=${id}`,
      'if [ ! -e "$d/$p.cmd" ]; then echo unknown; exit 0; fi',
      STATUS_OF_P,
      `if [ -e "$d/$p.log" ]; then tail -c +${cursor + 1} "$d/$p.log" | base64 -w0; fi`,
    ].join('; ');
    const result = await runScript(this.context, { script, operation: `read output of process ${id}` });
    const [first = '', data = ''] = result.stdout.split('\n');
    if (first.trim() === 'unknown') {
      if (this.handles.has(id)) return { data: '', cursor, running: true };
      throw unknownId(id);
    }
    const bytes = Buffer.from(data.trim(), 'base64');
    const state = parseState(first);
    return {
      data: bytes.toString('utf8'),
      cursor: cursor + bytes.length,
      running: state.state === 'running',
      ...(state.code === undefined ? {} : { code: state.code }),
    };
  }

  /** Waits for the process to end (or `timeoutMs` when > 0, then `running: true`). Aborting rejects with the reason. */
  async wait(id: string, options: { timeoutMs: number; signal: AbortSignal }): Promise<ProcessStatus> {
    assertId(id);
    const { timeoutMs, signal } = options;
    let onAbort: (() => void) | undefined;
    // Settles as soon as the signal aborts, whatever step wait() is in.
    const aborted = new Promise<'aborted'>((resolve) => {
      if (!signal) return;
      if (signal.aborted) return resolve('aborted');
      onAbort = () => resolve('aborted');
      signal.addEventListener('abort', onAbort, { once: true });
    });
    let timer: NodeJS.Timeout | undefined;
    let attached: CommandHandle | undefined;
    try {
      const initial = await Promise.race([this.status(id, `wait for process ${id}`), aborted]);
      if (initial === 'aborted') throw signal?.reason;
      if (!initial) throw unknownId(id);
      if (initial.state === 'finished') return this.toStatus(initial);
      let done = this.handles.get(id)?.done;
      if (!done) {
        // Another instance started it (reconnect): follow it through envd's Connect stream.
        try {
          attached = await this.context.client().commands.connect(Number(id), { timeoutMs: 0 });
          done = attached.wait().then(
            () => undefined,
            () => undefined,
          );
        } catch {
          done = Promise.resolve();
        }
      }
      const outcome = await Promise.race([
        done.then(() => 'ended' as const),
        new Promise<'timeout'>((resolve) => {
          if (timeoutMs > 0) timer = setTimeout(() => resolve('timeout'), timeoutMs);
        }),
        aborted,
      ]);
      if (outcome === 'aborted') throw signal?.reason;
    } finally {
      if (timer) clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      if (attached) await attached.disconnect().catch(() => undefined);
    }
    const final = await this.status(id, `wait for process ${id}`);
    if (!final) throw unknownId(id);
    return this.toStatus(final);
  }

  /** Signals the whole process tree (TERM/INT/HUP, then SIGKILL after 2 s if it still runs; KILL at once). No-op once finished. @throws InvalidArgumentError for an unknown id */
  async kill(id: string, signal: ProcessSignal): Promise<void> {
    assertId(id);
    const names: Record<ProcessSignal, string> = { SIGTERM: 'TERM', SIGKILL: 'KILL', SIGINT: 'INT', SIGHUP: 'HUP' };
    const name = names[signal];
    const current = await this.status(id, `kill process ${id}`);
    if (!current) throw unknownId(id);
    if (current.state === 'finished') return;
    const waitGone = `i=0; while kill -0 "$p" 2>/dev/null && [ "$i" -lt ${KILL_GRACE_SECONDS * 20} ]; do sleep 0.05; i=$((i+1)); done`;
    const hardKill = `kill -s KILL -- -"$p" 2>/dev/null; kill -s KILL "$p" 2>/dev/null; [ -e "$d/$p.exit" ] || echo 137 > "$d/$p.exit"`;
    const script =
      name === 'KILL'
        ? `d=${PROCESS_STATE_DIR}; p=${id}; ${hardKill}`
        : `d=${PROCESS_STATE_DIR}; p=${id}; kill -s ${name} -- -"$p" 2>/dev/null; ${waitGone}; if kill -0 "$p" 2>/dev/null; then ${hardKill}; fi`;
    await runScript(this.context, { script, operation: `kill process ${id}` });
    if (name === 'KILL') await killProcessTree(this.context, { pid: Number(id), signal: 'KILL' }).catch(() => undefined);
  }

  /** Every background process this sandbox knows (started by any instance), by id. */
  async list(): Promise<ProcessStatus[]> {
    const script = [
      `d=${PROCESS_STATE_DIR}`,
      'for f in "$d"/*.cmd; do [ -e "$f" ] || continue; p=${f##*/}; p=${p%.cmd}',
      `s=$(${STATUS_OF_P})`,
      `printf '%s\\t%s\\t%s\\n' "$p" "$s" "$(base64 -w0 < "$f")"; done`,
    ].join('; ');
    const result = await runScript(this.context, { script, operation: 'list processes' });
    const out: ProcessStatus[] = [];
    for (const line of result.stdout.split('\n')) {
      const [id, state, command] = line.split('\t');
      if (!id || state === undefined) continue;
      out.push(this.toStatus({ id, command: Buffer.from(command ?? '', 'base64').toString('utf8'), ...parseState(state) }));
    }
    return out.sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** Stops following every process (they keep running in the sandbox). */
  async release(): Promise<void> {
    await Promise.all([...this.handles.values()].map(({ handle }) => handle.disconnect().catch(() => undefined)));
    this.handles.clear();
  }
}
