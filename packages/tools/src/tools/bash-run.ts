import { assertCapability } from '@kode/core';
import { z } from 'zod';
import { defineTool } from '../define-tool';
import { spillLongText } from '../output-spill';

/** Input of `bash_run`. */
export const bashRunInput = z
  .strictObject({
    cmd: z.string().min(1).describe('The shell command line to run, e.g. "npm test -- --run". Runs in a POSIX shell; quote arguments yourself.'),
    timeout_ms: z
      .number()
      .int()
      .min(1)
      .max(3_600_000)
      .optional()
      .describe('Foreground only: kill the command (and its children) after this many milliseconds. Default 120000. Use background for servers and watchers.'),
    background: z
      .boolean()
      .default(false)
      .describe('Start the command in the background and return at once with a shell_id; read its output with bash_logs and stop it with bash_kill. It has no timeout. Default false.'),
    cwd: z.string().min(1).optional().describe('Working directory, absolute or relative to the sandbox work directory. Default: the work directory.'),
  })
  .describe('Input of bash_run.');

/** `data` of a foreground `bash_run`. */
export interface BashRunForegroundOutput {
  background: false;
  /** Exit code; non-zero is a normal result. `124` after a timeout. */
  code: number;
  /** Standard output; cut in the middle with a marker when longer than `maxOutputChars`. */
  stdout: string;
  /** Standard error, kept separate from stdout; cut like stdout. */
  stderr: string;
  /** True when the command ran past `timeout_ms` and was killed. */
  timedOut: boolean;
  /** Wall-clock milliseconds. */
  durationMs: number;
  /** Sandbox path of the full stdout, when it was cut. */
  stdoutFile?: string;
  /** Sandbox path of the full stderr, when it was cut. */
  stderrFile?: string;
  /** True when the sandbox itself dropped output past `execMaxOutputBytes` (the saved file is then incomplete too). */
  outputLimitReached: boolean;
  /** A short explanation for the model when something notable happened (timeout, cut output). */
  note?: string;
}

/** `data` of a background `bash_run`. */
export interface BashRunBackgroundOutput {
  background: true;
  /** Pass to bash_logs / bash_kill. */
  shellId: string;
  /** The command as started. */
  cmd: string;
  /** What to do next, for the model. */
  note: string;
}

/** `data` of `bash_run`. */
export type BashRunOutput = BashRunForegroundOutput | BashRunBackgroundOutput;

/**
 * `bash_run`: runs a shell command. Foreground: waits, with a timeout that kills the whole
 * process tree; stdout and stderr come back separately, long ones cut with a marker and saved
 * to a file in the sandbox. Background: starts it through `sandbox.processes` (it outlives the
 * call, no timeout) and returns a `shellId`. Errors: `UNSUPPORTED` when the backend has no
 * background processes; sandbox errors by code; `ABORTED` when the signal fires (the command is killed).
 * With a `ToolState` on a backend with `exec.sessions`, foreground commands share one shell
 * session, so `cd` and `export` persist between calls (opt out with the `bashSessions: false` setting).
 */
export const bashRunTool = defineTool({
  name: 'bash_run',
  description: [
    'Run a shell command in the sandbox and return its exit code, stdout and stderr (separately).',
    'A non-zero exit code is a normal result, not a tool error. Long output is cut in the middle with a marker; the full text is saved to a file whose path is given (read it with fs_read).',
    'Foreground commands are killed after timeout_ms (default 120 s; exit code 124, timedOut true).',
    'For servers, watchers or anything long-running set background: true, then poll with bash_logs and stop with bash_kill.',
    'Prefer fs_read/fs_write/fs_edit/fs_glob/fs_grep over cat/sed/find/grep for files.',
  ].join(' '),
  inputSchema: bashRunInput,
  readOnly: false,
  async run(input, { sandbox, signal, settings, state }): Promise<BashRunOutput> {
    if (input.background) {
      assertCapability(sandbox.capabilities, 'processes.background', sandbox.kind);
      const { id } = await sandbox.processes.start(input.cmd, input.cwd === undefined ? {} : { cwd: input.cwd });
      return {
        background: true,
        shellId: id,
        cmd: input.cmd,
        note: `Started in the background as ${id}. Read new output with bash_logs { "shell_id": "${id}" }; stop it with bash_kill.`,
      };
    }
    const timeoutMs = input.timeout_ms ?? settings.defaultTimeoutMs;
    const options = {
      timeoutMs,
      maxOutputBytes: settings.execMaxOutputBytes,
      ...(input.cwd === undefined ? {} : { cwd: input.cwd }),
      ...(signal === undefined ? {} : { signal }),
    };
    // One shell per agent (ToolState) when the backend has sessions: cd and export persist across calls.
    const session = await state?.shellSession();
    const result = session === undefined ? await sandbox.exec(input.cmd, options) : await session.exec(input.cmd, options);
    const [stdout, stderr] = await Promise.all([
      spillLongText({ sandbox, text: result.stdout, maxChars: settings.maxOutputChars, label: 'stdout' }),
      spillLongText({ sandbox, text: result.stderr, maxChars: settings.maxOutputChars, label: 'stderr' }),
    ]);
    const notes: string[] = [];
    if (result.timedOut) notes.push(`The command ran past ${timeoutMs} ms and was killed with its children; for long-running work use background: true.`);
    if (result.truncated) notes.push(`The sandbox kept only the first ${settings.execMaxOutputBytes} bytes of a stream; the rest was dropped.`);
    if (stdout.omittedChars > 0 || stderr.omittedChars > 0) notes.push('Output was cut; see the marker for the saved full text.');
    return {
      background: false,
      code: result.code,
      stdout: stdout.text,
      stderr: stderr.text,
      timedOut: result.timedOut,
      durationMs: result.durationMs,
      outputLimitReached: result.truncated,
      ...(stdout.fullOutputPath === undefined ? {} : { stdoutFile: stdout.fullOutputPath }),
      ...(stderr.fullOutputPath === undefined ? {} : { stderrFile: stderr.fullOutputPath }),
      ...(notes.length === 0 ? {} : { note: notes.join(' ') }),
    };
  },
});
