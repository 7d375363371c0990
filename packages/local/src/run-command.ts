import { existsSync } from 'node:fs';
import { TextDecoder } from 'node:util';
import { BackendError, type ExecResult, OutputBuffer, type SandboxError, TIMEOUT_EXIT_CODE } from '@kode/core';
import { mapHostError } from './host-errors';
import { LOCAL_KIND } from './local-config';
import { exitCodeOf, SHELL, spawnGroup } from './process-group';

/**
 * After the shell exits, how long to wait for stdout/stderr to close before giving up on them, in
 * milliseconds. They stay open only when a background child still holds them (`cmd &`).
 */
export const DRAIN_MS = 500;

/** Largest delay `setTimeout` accepts; longer timeouts are clamped to it (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/** A fully resolved exec request (paths already confined, env merged, defaults applied). */
export interface RunCommandRequest {
  command: string;
  /** Absolute host directory that exists. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Milliseconds; `0` means no limit. */
  timeoutMs: number;
  maxOutputBytes: number;
  /** The caller's signal: aborting kills the tree and rejects with its reason. */
  signal?: AbortSignal | undefined;
  /** The owner's signal (e.g. the sandbox being disposed); same effect as `signal`. */
  stopSignal?: AbortSignal | undefined;
  onStdout?: ((chunk: string) => void) | undefined;
  onStderr?: ((chunk: string) => void) | undefined;
}

interface StreamSink {
  buffer: OutputBuffer;
  decoder: TextDecoder;
  callback: ((chunk: string) => void) | undefined;
}

function sink(maxBytes: number, callback: ((chunk: string) => void) | undefined): StreamSink {
  return { buffer: new OutputBuffer(maxBytes), decoder: new TextDecoder('utf-8'), callback };
}

/**
 * The error for a failed spawn. Node reports a missing `cwd` and a missing shell alike (ENOENT on
 * `spawn /bin/bash`), so the cwd is looked at: gone → `FileNotFoundError`, else `BackendError`.
 */
export function spawnFailure(error: Error, cwd: string): SandboxError {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(cwd)) return mapHostError(error, { op: 'exec cwd', path: cwd });
  return new BackendError(`Could not start ${SHELL}: ${error.message}`, { backend: LOCAL_KIND, cause: error });
}

function waitOrTimeout(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Runs `bash -c command` in its own process group and collects its output.
 *
 * - A non-zero exit resolves (it is data); death by signal `n` gives `128 + n`.
 * - On timeout the whole group gets SIGTERM, then SIGKILL after a grace, and the result is
 *   `{ code: 124, timedOut: true }` once the group is gone.
 * - On abort (of `signal` or `stopSignal`) the group is killed the same way and the promise
 *   rejects with that signal's reason.
 * - If `onStdout`/`onStderr` throws, the group is killed and the promise rejects with that error.
 * - When the shell exits but a background child keeps the output pipes open, the result is
 *   returned {@link DRAIN_MS} later with what was read; that child is left running.
 * @throws BackendError when the shell cannot be started
 */
export function runCommand(request: RunCommandRequest): Promise<ExecResult> {
  const signals = [request.signal, request.stopSignal].filter((s): s is AbortSignal => s !== undefined);
  const aborted = signals.find((s) => s.aborted);
  if (aborted) return Promise.reject(aborted.reason as Error);
  const started = performance.now();
  return new Promise<ExecResult>((resolve, reject) => {
    const { child, group } = spawnGroup(request.command, { cwd: request.cwd, env: request.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = sink(request.maxOutputBytes, request.onStdout);
    const err = sink(request.maxOutputBytes, request.onStderr);
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let timedOut = false;
    /** Why the promise rejects: an abort reason or a callback's error, passed through as given. */
    let failure: { reason: Error } | undefined;
    let killing: Promise<void> | undefined;
    let settled = false;
    let timeoutTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let markClosed: () => void = () => undefined;
    const closed = new Promise<void>((r) => (markClosed = r));

    const deliver = (target: StreamSink, text: string): void => {
      if (text === '' || target.callback === undefined || failure !== undefined) return;
      try {
        target.callback(text);
      } catch (error) {
        stopWith({ reason: error as Error });
      }
    };

    const settle = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timeoutTimer);
      clearTimeout(drainTimer);
      for (const s of signals) s.removeEventListener('abort', onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      deliver(out, out.decoder.decode());
      deliver(err, err.decoder.decode());
      if (failure !== undefined) {
        reject(failure.reason);
        return;
      }
      resolve({
        code: timedOut ? TIMEOUT_EXIT_CODE : exitCodeOf(exit?.code ?? null, exit?.signal ?? null),
        stdout: out.buffer.text(),
        stderr: err.buffer.text(),
        timedOut,
        truncated: out.buffer.truncated || err.buffer.truncated,
        durationMs: Math.round(performance.now() - started),
      });
    };

    /** Kills the group, then settles once it is gone and the pipes closed (or drained). */
    const stopTree = (): void => {
      if (killing !== undefined || group === undefined) return;
      killing = group.kill();
      void killing.then(() => waitOrTimeout(closed, DRAIN_MS)).then(settle);
    };

    const stopWith = (reason: { reason: Error }): void => {
      failure ??= reason;
      stopTree();
    };

    function onAbort(this: AbortSignal): void {
      stopWith({ reason: this.reason as Error });
    }

    const onData = (target: StreamSink) => (chunk: Buffer) => {
      target.buffer.append(chunk);
      if (target.callback !== undefined) deliver(target, target.decoder.decode(chunk, { stream: true }));
    };
    child.stdout?.on('data', onData(out));
    child.stderr?.on('data', onData(err));

    child.once('error', (error) => {
      if (group !== undefined) return; // errors after a successful spawn are handled where we signal
      failure ??= { reason: spawnFailure(error, request.cwd) };
      settle();
    });
    child.once('exit', (code, sig) => {
      exit = { code, signal: sig };
      if (killing === undefined) drainTimer = setTimeout(settle, DRAIN_MS);
    });
    child.once('close', () => {
      markClosed();
      if (killing === undefined) settle();
    });

    if (request.timeoutMs > 0) {
      timeoutTimer = setTimeout(() => {
        if (exit !== undefined) return;
        timedOut = true;
        stopTree();
      }, Math.min(request.timeoutMs, MAX_TIMER_MS));
    }
    for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
  });
}
