import type { CapabilityPath, Sandbox, SandboxCapabilities, WatchConfig } from '@kode/core';
import type { ExpectStatic } from 'vitest';

/** The groups cases belong to; each group gets one `describe` and (mostly) one shared sandbox. */
export type ConformanceGroup = 'lifecycle' | 'exec' | 'fs' | 'processes' | 'watch' | 'errors' | 'sessions' | 'endpoints';

/** The watch strategy a `watch` case runs under; the kit runs the watch group once per supported mode. */
export type ConformanceWatchMode = 'native' | 'polling';

/** What the kit passes to {@link ConformanceTarget.create}. */
export interface ConformanceSandboxOptions {
  /** Watch configuration; the kit sets it for the `watch` group (once per supported mode). */
  watch?: WatchConfig;
  /** Make `inotifywait` unavailable inside the sandbox (only asked when `supportsHideInotifywait`). */
  hideInotifywait?: boolean;
  /** Environment variables of the whole sandbox (only asked when `supportsEnv`). */
  env?: Record<string, string>;
  /** An absolute `workDir` that does not exist yet; `init()` must create it (only asked when `supportsWorkDir`). */
  workDir?: string;
  /** What `dispose()` does with the sandbox (only asked when `supportsDisposeAction`). Default: the backend's (`'kill'` for remote backends). */
  disposeAction?: 'kill' | 'close';
}

/** Tolerances for backends that are slower or coarser than the defaults assume. */
export interface ConformanceTolerances {
  /** Milliseconds an expected watch event may take to arrive. Default 10000 (generous for loaded CI machines: it only costs time when an event is really missing). */
  watchLatencyMs?: number;
  /** Polling interval the kit asks for in the polling watch group, in ms. Default 200 (minimum 100). */
  pollIntervalMs?: number;
  /** Milliseconds an effect of a kill or timeout (a process gone) may take. Default 10000. */
  killLatencyMs?: number;
}

/** Per-test and per-hook timeouts, in milliseconds. */
export interface ConformanceTimeouts {
  /** Timeout of one case. Default 60 000. */
  testMs?: number;
  /** Timeout of `beforeAll`/`afterAll` (creating and disposing the group's sandbox). Default 120 000. */
  hookMs?: number;
}

/**
 * A backend under test. `create` must return a fresh, isolated, NOT initialised sandbox each time
 * it is called (the kit calls `init()` and `dispose()`); it may be called many times.
 */
export interface ConformanceTarget {
  /** Label used in describe titles. */
  name: string;
  /** Builds a fresh sandbox, not initialised. Called once per group and once per isolated case. */
  create(options: ConformanceSandboxOptions): Sandbox | Promise<Sandbox>;
  /** True when `create({ hideInotifywait: true })` really hides `inotifywait` (enables `watch.fallback`). */
  supportsHideInotifywait?: boolean;
  /** True when `create({ env })` gives the sandbox those environment variables (enables `lifecycle.to-config-redacts-env`). */
  supportsEnv?: boolean;
  /** True when `create({ workDir })` uses that path and the backend's `init()` creates it when missing (enables `lifecycle.init-creates-workdir`). */
  supportsWorkDir?: boolean;
  /**
   * True when `create({ disposeAction: 'close' })` makes `dispose()` leave the sandbox running, or
   * when the backend's `dispose()` never destroys the sandbox anyway (local). With
   * `lifecycle.restore` it enables `lifecycle.dispose-close-keeps-sandbox` and
   * `watch.dispose-closes-watches`.
   */
  supportsDisposeAction?: boolean;
  /**
   * Cases expected to fail, by id (or `id@native` / `id@polling` for one watch mode), each with a
   * reason. They are registered with `it.fails`, so they turn red the day they start passing.
   */
  knownFailures?: Record<string, string>;
  /**
   * Address the kit's test server binds inside the sandbox (`endpoints.fetch`). Default `'0.0.0.0'`
   * (a container's own network); use `'127.0.0.1'` for sandboxes on the host's network (local, the
   * emulator), so nothing listens beyond the loopback.
   */
  serverHost?: string;
  /** Tolerances; see {@link ConformanceTolerances}. */
  tolerances?: ConformanceTolerances;
  /** Timeouts; see {@link ConformanceTimeouts}. */
  timeouts?: ConformanceTimeouts;
  /** Extra cases (e.g. a `tools` group supplied by the e2e package), registered like the built-in ones. */
  extraCases?: readonly ConformanceCase[];
  /** Skip the whole target with this reason (e.g. missing credentials). Default: run. */
  skip?: string | false;
}

/** Everything a case gets when it runs. */
export interface CaseContext {
  /** The sandbox under test: initialised; shared by the group unless the case is `isolated`. */
  sandbox: Sandbox;
  /** The sandbox's capabilities, read from the sandbox. */
  capabilities: SandboxCapabilities;
  /** A unique, existing, empty absolute directory for this case, inside the sandbox's `workDir`. */
  workdir: string;
  /** Vitest's `expect`, from the running test's context. */
  expect: ExpectStatic;
  /** Tolerances with defaults applied. */
  tolerances: Required<ConformanceTolerances>;
  /** Aborted when the case ends (pass, fail or timeout). */
  signal: AbortSignal;
  /** The watch mode of the group, for `watch` cases; otherwise undefined. */
  watchMode: ConformanceWatchMode | undefined;
  /** The target, for flags such as `supportsHideInotifywait`. */
  target: ConformanceTarget;
  /** The options the group's sandbox was created with (e.g. its watch mode). */
  sandboxOptions: ConformanceSandboxOptions;
  /**
   * Builds an additional fresh sandbox through the target (NOT initialised); the kit disposes it
   * when the case ends, bounded in time, logging (never throwing) teardown errors.
   */
  createSandbox: (options?: ConformanceSandboxOptions) => Promise<Sandbox>;
}

/** Why a case does not apply, or `undefined` when it does. */
export type CaseApplicability = string | undefined;

/** Facts a case's {@link ConformanceCase.skipUnless} can look at. */
export interface CaseGateInput {
  capabilities: SandboxCapabilities;
  watchMode: ConformanceWatchMode | undefined;
  target: ConformanceTarget;
  /** The watch modes the backend supports, in the order the kit runs them. */
  watchModes: readonly ConformanceWatchMode[];
}

/** One conformance case: data with a stable id, runnable on its own. */
export interface ConformanceCase {
  /** Stable dotted id, e.g. `exec.exit-code-127`. Titles may change; ids may not. */
  id: string;
  /** The group whose describe and shared sandbox the case uses. */
  group: ConformanceGroup | (string & {});
  /** One-line human title. */
  title: string;
  /** Capabilities that must be declared `true` for the case to run. */
  requires?: readonly CapabilityPath[];
  /** Capabilities that must be declared `false` for the case to run (negative cases). */
  requiresAbsent?: readonly CapabilityPath[];
  /** Further gating; return a skip reason, or `undefined` to run. */
  skipUnless?: (input: CaseGateInput) => CaseApplicability;
  /** Run on a fresh sandbox of its own (lifecycle and destructive cases) instead of the group's. */
  isolated?: boolean;
  /** The body; throws or rejects when the backend does not conform. */
  run(ctx: CaseContext): Promise<void> | void;
}
