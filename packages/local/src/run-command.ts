import { existsSync } from 'node:fs';
import { BackendError, clampTimerMs, type SandboxError } from '@kode/core';
import type { DriverExecResult } from '@kode/driver';
import { mapHostError } from './host-errors';
import { LOCAL_KIND } from './local-config';
import { exitCodeOf, SHELL, spawnGroup } from './process-group';

/**
 * After the shell exits, how long to wait for stdout/stderr to close before giving up on them, in
 * milliseconds. They stay open only when a background child still holds them (`cmd &`).
 */
export const DRAIN_MS = 500;

/** A fully resolved exec request (cwd confined and real, env merged, defaults applied). */
export interface RunCommandRequest {
  command: string;
  /** Absolute host directory that exists. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Milliseconds; `0` means no limit. */
  timeoutMs: number;
  /** Aborting kills the tree and rejects with its reason. */
  signal: AbortSignal;
  /** Receives each stdout chunk as read (bytes). */
  onStdout: (chunk: Uint8Array) => void;
  /** Receives each stderr chunk as read (bytes). */
  onStderr: (chunk: Uint8Array) => void;
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
 * Runs `bash -c command` in its own process group, handing every output chunk to the sinks.
 *
 * - A non-zero exit resolves (it is data); death by signal `n` gives `128 + n`.
 * - On timeout the whole group gets SIGTERM, then SIGKILL after a grace, and the result is
 *   `{ timedOut: true }` once the group is gone.
 * - On abort of `signal` the group is killed the same way and the promise rejects with its reason.
 * - When the shell exits but a background child keeps the output pipes open, the result is
 *   returned {@link DRAIN_MS} later; that child is left running.
 * @throws FileNotFoundError when `cwd` vanished, BackendError when the shell cannot be started
 */
export function runCommand(request: RunCommandRequest): Promise<DriverExecResult> {
  const { signal } = request;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<DriverExecResult>((resolve, reject) => {
    const { child, group } = spawnGroup(request.command, { cwd: request.cwd, env: request.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let timedOut = false;
    /** Why the promise rejects: the abort reason or a spawn failure, passed through as given. */
    let failure: { reason: Error } | undefined;
    let killing: Promise<void> | undefined;
    let settled = false;
    let timeoutTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let markClosed: () => void = () => undefined;
    const closed = new Promise<void>((r) => (markClosed = r));

    const settle = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timeoutTimer);
      clearTimeout(drainTimer);
      signal.removeEventListener('abort', onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      if (failure !== undefined) {
        reject(failure.reason);
        return;
      }
      resolve({ code: exitCodeOf(exit?.code ?? null, exit?.signal ?? null), timedOut });
    };

    /** Kills the group, then settles once it is gone and the pipes closed (or drained). */
    const stopTree = (): void => {
      if (killing !== undefined || group === undefined) return;
      killing = group.kill();
      void killing.then(() => waitOrTimeout(closed, DRAIN_MS)).then(settle);
    };

    function onAbort(this: AbortSignal): void {
      failure ??= { reason: this.reason as Error };
      stopTree();
    }

    child.stdout?.on('data', (chunk: Buffer) => request.onStdout(chunk));
    child.stderr?.on('data', (chunk: Buffer) => request.onStderr(chunk));

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
      }, clampTimerMs(request.timeoutMs));
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
