import { DisposedError, hasCapability, type Sandbox, type SandboxCapabilities } from '@kode/core';
import type { ExpectStatic } from 'vitest';
import { withTimeout } from './support/wait';
import type {
  CaseApplicability,
  CaseContext,
  ConformanceCase,
  ConformanceSandboxOptions,
  ConformanceTarget,
  ConformanceTolerances,
  ConformanceWatchMode,
} from './types';

/** Tolerances used when the target does not set them. */
export const DEFAULT_TOLERANCES: Readonly<Required<ConformanceTolerances>> = Object.freeze({
  watchLatencyMs: 10_000,
  pollIntervalMs: 200,
  killLatencyMs: 10_000,
});

/** Milliseconds one teardown step (a dispose, a directory removal) may take before it is abandoned. */
const TEARDOWN_STEP_MS = 20_000;

/** One id per test process, so parallel runs against one sandbox never share directories. */
const RUN_ID = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
let sequence = 0;

/** The directory (inside `sandbox.workDir`) holding every case work directory of this run. */
export function kitRoot(sandbox: Sandbox): string {
  return `${sandbox.workDir}/kode-kit-${RUN_ID}`;
}

/** The watch modes a backend supports, in the order the kit runs them. */
export function supportedWatchModes(capabilities: SandboxCapabilities): ConformanceWatchMode[] {
  const modes: ConformanceWatchMode[] = [];
  if (capabilities.watch.native) modes.push('native');
  if (capabilities.watch.polling) modes.push('polling');
  return modes;
}

/** Options of {@link runConformanceCase}. */
export interface RunCaseOptions {
  /** The backend under test (its `create` builds isolated and extra sandboxes). */
  target: ConformanceTarget;
  /** The group's initialised sandbox; when absent (or for isolated cases) the kit makes a fresh one. */
  sandbox?: Sandbox;
  /** Options for sandboxes the kit creates (the group's options). Default `{}`. */
  sandboxOptions?: ConformanceSandboxOptions;
  /** The watch mode of a `watch` case. Default: the mode in `sandboxOptions.watch`, else the first supported. */
  watchMode?: ConformanceWatchMode;
  /** Vitest's `expect` (from the test context when cases may run concurrently). */
  expect: ExpectStatic;
}

/** What happened when a case ran; a failure is a rejection, not an outcome. */
export type CaseOutcome = { status: 'passed' } | { status: 'skipped'; reason: string };

/**
 * Why `kase` does not apply to a backend with `capabilities` (in `watchMode`), or `undefined` when
 * it does. Capabilities always come from the sandbox, never from the target.
 */
export function gateCase(kase: ConformanceCase, input: { capabilities: SandboxCapabilities; target: ConformanceTarget; watchMode: ConformanceWatchMode | undefined }): CaseApplicability {
  const { capabilities } = input;
  for (const path of kase.requires ?? []) {
    if (!hasCapability(capabilities, path)) return `the backend declares ${path}: false`;
  }
  for (const path of kase.requiresAbsent ?? []) {
    if (hasCapability(capabilities, path)) return `negative case: the backend declares ${path}: true`;
  }
  if (kase.group === 'watch') {
    if (input.watchMode === undefined) return 'no watch mode is supported';
    if (!capabilities.watch[input.watchMode]) return `the backend declares watch.${input.watchMode}: false`;
  }
  return kase.skipUnless?.({ capabilities, watchMode: input.watchMode, target: input.target, watchModes: supportedWatchModes(capabilities) });
}

/** Reports a teardown problem without throwing (it must never hide the case's own error). */
function warn(message: string, error?: unknown): void {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : error === undefined ? '' : JSON.stringify(error);
  process.emitWarning(`${message}${detail ? ` (${detail})` : ''}`, { type: 'ConformanceTeardownWarning' });
}

/** Runs `step` bounded in time; errors and timeouts are warned about, never thrown. */
export async function safely(step: () => Promise<unknown>, what: string): Promise<void> {
  try {
    await withTimeout(Promise.resolve().then(step), { ms: TEARDOWN_STEP_MS, what });
  } catch (error) {
    if (!DisposedError.isInstance(error)) warn(`conformance teardown: ${what} failed`, error);
  }
}

async function createFresh(target: ConformanceTarget, options: ConformanceSandboxOptions): Promise<Sandbox> {
  return await target.create(options);
}

/**
 * Runs one case outside (or inside) `describeConformance`: checks its gates against the sandbox's
 * capabilities, prepares a unique work directory, runs it, and tears down (work directory, extra
 * sandboxes, the isolated sandbox) bounded in time, logging rather than throwing teardown errors,
 * so the case's own error is the one that surfaces. Used by the kit and by mutant self-tests.
 * @throws whatever the case throws when the backend does not conform
 */
export async function runConformanceCase(kase: ConformanceCase, options: RunCaseOptions): Promise<CaseOutcome> {
  const sandboxOptions = options.sandboxOptions ?? {};
  const created: Sandbox[] = [];
  const controller = new AbortController();
  let workdir: string | undefined;
  let sandbox: Sandbox | undefined;
  try {
    if (kase.isolated === true || options.sandbox === undefined) {
      sandbox = await createFresh(options.target, sandboxOptions);
      created.push(sandbox);
    } else {
      sandbox = options.sandbox;
    }
    const capabilities = sandbox.capabilities;
    const configured = sandboxOptions.watch?.mode;
    const watchMode =
      kase.group === 'watch'
        ? (options.watchMode ?? (configured === 'native' || configured === 'polling' ? configured : supportedWatchModes(capabilities)[0]))
        : undefined;
    const skip = gateCase(kase, { capabilities, target: options.target, watchMode });
    if (skip !== undefined) return { status: 'skipped', reason: skip };
    await sandbox.init();
    workdir = `${kitRoot(sandbox)}/${kase.id}-${++sequence}`;
    await sandbox.fs.mkdir(workdir);
    const ctx: CaseContext = {
      sandbox,
      capabilities,
      workdir,
      expect: options.expect,
      tolerances: { ...DEFAULT_TOLERANCES, ...options.target.tolerances },
      signal: controller.signal,
      watchMode,
      target: options.target,
      sandboxOptions,
      createSandbox: async (extra?: ConformanceSandboxOptions) => {
        const fresh = await createFresh(options.target, extra ?? sandboxOptions);
        created.push(fresh);
        return fresh;
      },
    };
    await kase.run(ctx);
    return { status: 'passed' };
  } finally {
    controller.abort(new Error(`conformance case ${kase.id} ended`));
    const shared = sandbox !== undefined && sandbox === options.sandbox;
    if (shared && workdir !== undefined) {
      const dir = workdir;
      await safely(() => sandbox!.fs.rm(dir, { recursive: true, force: true }), `removing ${dir}`);
    }
    await Promise.all(
      created.map((s) =>
        safely(async () => {
          if (workdir !== undefined && s === sandbox) await s.fs.rm(kitRoot(s), { recursive: true, force: true }).catch(() => undefined);
          await s.dispose();
        }, `disposing a sandbox created for ${kase.id}`),
      ),
    );
  }
}
