import { assertCapability } from '@kode/core';
import { z } from 'zod';
import { defineTool } from '../define-tool';
import { spillLongText } from '../output-spill';
import { withKnownProcess } from './process-errors';

/** Input of `bash_logs`. */
export const bashLogsInput = z
  .strictObject({
    shell_id: z.string().min(1).describe('The shell_id returned by bash_run with background: true.'),
    wait_ms: z
      .number()
      .int()
      .min(0)
      .max(600_000)
      .default(0)
      .describe('Wait up to this many milliseconds for the process to exit before reading (returns earlier when it exits). Default 0: read at once.'),
  })
  .describe('Input of bash_logs.');

/** `data` of `bash_logs`. */
export interface BashLogsOutput {
  shellId: string;
  /** True while the process runs. */
  running: boolean;
  /** Exit code once it finished (`128 + n` when killed by signal n). */
  code?: number;
  /** stdout and stderr interleaved, only what was written since the previous bash_logs call for this id; cut with a marker when long. */
  output: string;
  /** Sandbox path of the full new output, when it was cut. */
  outputFile?: string;
  /** Byte offset reached in the process's output (the cursor the next call starts from). */
  cursor: number;
  /** Plain-words status for the model. */
  status: string;
}

/**
 * `bash_logs`: the new output of a background process since the previous call, by cursor. The
 * cursor lives in `context.state` (one per sandbox); without a state every call returns the
 * output from the start. Errors: `PROCESS_NOT_FOUND` for an unknown id, `UNSUPPORTED` without
 * background processes.
 */
export const bashLogsTool = defineTool({
  name: 'bash_logs',
  description: [
    'Read the output a background command (started by bash_run with background: true) wrote since your last bash_logs call for it, and whether it is still running.',
    'Set wait_ms to wait for the command to finish first (useful for builds and test runs started in the background).',
  ].join(' '),
  inputSchema: bashLogsInput,
  readOnly: true,
  async run(input, { sandbox, signal, state, settings }): Promise<BashLogsOutput> {
    assertCapability(sandbox.capabilities, 'processes.background', sandbox.kind);
    const id = input.shell_id;
    if (input.wait_ms > 0) {
      await withKnownProcess(id, () => sandbox.processes.wait(id, { timeoutMs: input.wait_ms, ...(signal === undefined ? {} : { signal }) }));
    }
    const from = state?.logCursor(id) ?? 0;
    const out = await withKnownProcess(id, () => sandbox.processes.output(id, { cursor: from }));
    state?.setLogCursor(id, out.cursor);
    const spilled = await spillLongText({ sandbox, text: out.data, maxChars: settings.maxOutputChars, label: 'logs' });
    const status = out.running
      ? 'running'
      : `exited with code ${out.code === undefined ? 'unknown' : String(out.code)}`;
    return {
      shellId: id,
      running: out.running,
      ...(out.code === undefined ? {} : { code: out.code }),
      output: spilled.text === '' ? '' : spilled.text,
      ...(spilled.fullOutputPath === undefined ? {} : { outputFile: spilled.fullOutputPath }),
      cursor: out.cursor,
      status: out.data === '' ? `${status}; no new output` : status,
    };
  },
});
