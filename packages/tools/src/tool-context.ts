import type { Sandbox } from '@kode/core';
import type { ToolState } from './tool-state';

/** What a tool runs against. Created per call by the caller (or by {@link createToolRunner}). */
export interface ToolContext {
  /** An initialised sandbox. The tools never init or dispose it. */
  sandbox: Sandbox;
  /** Aborting stops the call: commands are killed and the result is an `ABORTED` error. */
  signal?: AbortSignal;
  /**
   * Per-sandbox memory across calls: `bash_logs` cursors, the optional read-before-write tracker
   * and settings. Without it `bash_logs` returns all output every time and no tracking happens.
   */
  state?: ToolState;
}
