/**
 * A small progress display for long operations (creating a sandbox, waiting for readiness).
 *
 * On an interactive terminal each running step shows a spinner with its elapsed time, redrawn
 * in place, and turns into one result line when it ends. Anywhere else (a pipe, a log file,
 * CI) nothing is animated: each step prints exactly one plain line when it ends, and the
 * in-between extras (spinner text updates) are dropped.
 */

/** The part of a writable stream the display uses (`process.stdout`, `process.stderr`, a test sink). */
export interface ProgressStream {
  write(text: string): unknown;
  /** `true` for a terminal (`process.stdout.isTTY`). */
  isTTY?: boolean;
}

/** How a step ended. `warn` passes with a remark; `skip` did not run. */
export type StepOutcome = 'pass' | 'fail' | 'warn' | 'skip';

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Where lines go. */
  stream: ProgressStream;
  /** Animate (spinner and elapsed time). Default: the stream is a TTY and `CI` is not set. */
  interactive?: boolean;
  /** Write nothing at all (e.g. `--json` output owns stdout). Default `false`. */
  silent?: boolean;
  /** Spinner redraw interval in milliseconds. Default 100. */
  frameIntervalMs?: number;
  /** Clock in milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
}

/** A running step. Ending it more than once has no further effect. */
export interface ProgressStep {
  /** Replaces the text shown beside the spinner (interactive only; dropped otherwise). */
  update(text: string): void;
  /** Ends the step with an outcome and an optional detail; returns the elapsed milliseconds. */
  end(outcome: StepOutcome, detail?: string): number;
}

/** A progress display bound to one stream. */
export interface Progress {
  /** Whether steps are animated. */
  readonly interactive: boolean;
  /** Starts a step; at most one step runs at a time (starting another ends nothing implicitly). */
  start(label: string): ProgressStep;
  /**
   * Runs `task` as a step: `pass` with `detail(value)` when it resolves, `fail` with the error's
   * message when it rejects (and rethrows the error).
   */
  run<T>(label: string, task: (step: ProgressStep) => Promise<T>, options?: { detail?: (value: T) => string | undefined }): Promise<T>;
  /** Writes an indented extra line under the last step (advice, output). Always shown unless silent. */
  note(text: string): void;
  /** Writes a plain line. */
  line(text: string): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SYMBOLS: Record<StepOutcome, string> = { pass: '✔', fail: '✖', warn: '!', skip: '-' };
const CLEAR_LINE = '\r\u001b[2K';

/** Formats a duration: `850 ms`, `3.4 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

/** The one line that ends a step, e.g. `✔ endpoint answers: HTTP 200 (12 ms)`. */
export function formatStepLine(options: { outcome: StepOutcome; label: string; detail?: string; elapsedMs?: number }): string {
  const detail = options.detail ? `: ${options.detail}` : '';
  const elapsed = options.elapsedMs === undefined || options.outcome === 'skip' ? '' : ` (${formatDuration(options.elapsedMs)})`;
  return `${SYMBOLS[options.outcome]} ${options.label}${detail}${elapsed}`;
}

/**
 * Creates a progress display. The spinner timer is unref'd, so a forgotten step never keeps the
 * process alive. Never throws.
 */
export function createProgress(options: ProgressOptions): Progress {
  const { stream } = options;
  const silent = options.silent === true;
  const interactive = !silent && (options.interactive ?? (stream.isTTY === true && !process.env.CI));
  const now = options.now ?? Date.now;
  const frameIntervalMs = options.frameIntervalMs ?? 100;
  let active: { label: string; text: string; started: number; frame: number; timer: ReturnType<typeof setInterval> | undefined } | undefined;

  const write = (text: string) => {
    if (!silent) stream.write(text);
  };
  const draw = () => {
    if (!active || !interactive) return;
    const frame = FRAMES[active.frame % FRAMES.length] ?? '-';
    write(`${CLEAR_LINE}${frame} ${active.text} ${formatDuration(now() - active.started)}`);
  };
  const clear = () => {
    if (active && interactive) write(CLEAR_LINE);
  };

  const progress: Progress = {
    interactive,
    start(label) {
      const started = now();
      let ended = false;
      const state = { label, text: `${label}…`, started, frame: 0, timer: undefined as ReturnType<typeof setInterval> | undefined };
      active = state;
      if (interactive) {
        state.timer = setInterval(() => {
          state.frame++;
          if (active === state) draw();
        }, frameIntervalMs);
        state.timer.unref?.();
        draw();
      }
      return {
        update(text) {
          if (ended) return;
          state.text = text;
          if (active === state) draw();
        },
        end(outcome, detail) {
          const elapsedMs = now() - started;
          if (ended) return elapsedMs;
          ended = true;
          if (state.timer) clearInterval(state.timer);
          if (active === state) {
            clear();
            active = undefined;
          }
          write(`${formatStepLine({ outcome, label, ...(detail ? { detail } : {}), elapsedMs })}\n`);
          return elapsedMs;
        },
      };
    },
    async run(label, task, runOptions) {
      const step = progress.start(label);
      try {
        const value = await task(step);
        step.end('pass', runOptions?.detail?.(value));
        return value;
      } catch (error) {
        step.end('fail', error instanceof Error ? error.message : String(error));
        throw error;
      }
    },
    note(text) {
      clear();
      write(`${text.split('\n').map((line) => `    ${line}`).join('\n')}\n`);
      draw();
    },
    line(text) {
      clear();
      write(`${text}\n`);
      draw();
    },
  };
  return progress;
}
