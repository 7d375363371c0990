import { assertCapability } from '@kode/core';
import { z } from 'zod';
import { defineTool } from '../define-tool';
import { ToolFailure } from '../tool-error';
import { withKnownProcess } from './process-errors';

/** How long `bash_kill` waits for the process to be gone after signalling it, in milliseconds. */
const KILL_CONFIRM_MS = 15_000;

/** Input of `bash_kill`. */
export const bashKillInput = z
  .strictObject({
    shell_id: z.string().min(1).describe('The shell_id returned by bash_run with background: true.'),
    signal: z
      .enum(['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP'])
      .default('SIGTERM')
      .describe('Signal sent to the whole process tree. Default SIGTERM (the sandbox follows up with SIGKILL after a grace period).'),
  })
  .describe('Input of bash_kill.');

/** `data` of `bash_kill`. */
export interface BashKillOutput {
  shellId: string;
  /** Whether it was still running when the signal was sent. */
  wasRunning: boolean;
  /** Whether it is still running after the kill was confirmed (false in the normal case). */
  running: boolean;
  /** Exit code after the kill (`128 + n` for signal n), when known. */
  code?: number;
  /** Plain-words outcome for the model. */
  status: string;
}

/**
 * `bash_kill`: stops a background process and its whole process tree through
 * `sandbox.processes.kill`, then waits (up to 15 s) until the sandbox reports it gone.
 * A finished process is signalled too (children it left in its group stop; `wasRunning: false`).
 * Errors: `PROCESS_NOT_FOUND`, `UNSUPPORTED`.
 */
export const bashKillTool = defineTool({
  name: 'bash_kill',
  description:
    'Stop a background command started by bash_run (and every process it started). Returns whether it was running and confirms it has stopped.',
  inputSchema: bashKillInput,
  readOnly: false,
  async run(input, { sandbox, signal }): Promise<BashKillOutput> {
    assertCapability(sandbox.capabilities, 'processes.background', sandbox.kind);
    const id = input.shell_id;
    const before = (await sandbox.processes.list()).find((p) => p.id === id);
    if (before === undefined) {
      throw new ToolFailure('PROCESS_NOT_FOUND', `No background process with shell_id ${JSON.stringify(id)} is known to this sandbox.`, {
        hint: 'Use the shell_id that bash_run returned for a background command.',
        field: 'shell_id',
      });
    }
    // Always signal: a finished leader may have left children in its group, and kill is idempotent.
    await withKnownProcess(id, () => sandbox.processes.kill(id, input.signal));
    const after = before.running
      ? await withKnownProcess(id, () =>
          sandbox.processes.wait(id, { timeoutMs: KILL_CONFIRM_MS, ...(signal === undefined ? {} : { signal }) }),
        )
      : before;
    const status = !before.running
      ? `already finished (code ${after.code === undefined ? 'unknown' : String(after.code)}); any processes it left behind were signalled`
      : after.running
        ? `sent ${input.signal}, but it was still running ${KILL_CONFIRM_MS} ms later; try signal SIGKILL`
        : `stopped (code ${after.code === undefined ? 'unknown' : String(after.code)})`;
    return {
      shellId: id,
      wasRunning: before.running,
      running: after.running,
      ...(after.code === undefined ? {} : { code: after.code }),
      status,
    };
  },
});
