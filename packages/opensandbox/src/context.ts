import type { Sandbox as SdkSandbox } from '@alibaba-group/opensandbox';
import type { SandboxError } from '@kode/core';

/** What the fs, processes and watch parts of an OpenSandbox driver share. Internal. */
export interface OpenSandboxContext {
  /** Absolute working directory. */
  readonly workDir: string;
  /** The connected SDK sandbox. Only called between `start` and `stop` (the front guarantees it). */
  client(): SdkSandbox;
  /** Maps any failure to a `SandboxError` (see `mapOpenSandboxError`), redacting the API key. */
  toError(error: unknown, where: { operation: string; path?: string; cwd?: string }): SandboxError;
}
