import type { Sandbox } from '@kode/core';
import { afterAll, beforeAll, describe, it, type TestContext } from 'vitest';
import { CONFORMANCE_GROUPS, conformanceCases } from './conformance-cases';
import { kitRoot, runConformanceCase, safely, supportedWatchModes } from './run-case';
import type { ConformanceCase, ConformanceSandboxOptions, ConformanceTarget, ConformanceWatchMode } from './types';

/** Default timeout of one case, in ms. */
const DEFAULT_TEST_MS = 60_000;
/** Default timeout of a group's beforeAll/afterAll, in ms. */
const DEFAULT_HOOK_MS = 120_000;

const ID_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$/;

/**
 * Checks case ids (unique, dotted, lower-case) and that every `knownFailures` key names a case
 * (optionally suffixed `@native`/`@polling`), so stale entries cannot linger.
 * @throws Error describing the first problem
 */
export function validateConformanceTarget(target: ConformanceTarget, cases: readonly ConformanceCase[]): void {
  const seen = new Set<string>();
  for (const kase of cases) {
    if (!ID_PATTERN.test(kase.id)) throw new Error(`Conformance case id ${JSON.stringify(kase.id)} is not a lower-case dotted id.`);
    if (seen.has(kase.id)) throw new Error(`Conformance case id ${kase.id} is used twice.`);
    seen.add(kase.id);
  }
  for (const [key, reason] of Object.entries(target.knownFailures ?? {})) {
    const [id, mode] = key.split('@') as [string, string | undefined];
    if (!seen.has(id)) throw new Error(`knownFailures of ${target.name} names unknown case ${JSON.stringify(key)}; remove or rename it.`);
    if (mode !== undefined && mode !== 'native' && mode !== 'polling') throw new Error(`knownFailures key ${key}: the suffix must be @native or @polling.`);
    if (typeof reason !== 'string' || reason.trim() === '') throw new Error(`knownFailures entry ${key} needs a reason.`);
  }
}

interface GroupPlan {
  title: string;
  cases: readonly ConformanceCase[];
  options: ConformanceSandboxOptions;
  watchMode?: ConformanceWatchMode;
}

function knownFailure(target: ConformanceTarget, kase: ConformanceCase, mode: ConformanceWatchMode | undefined): string | undefined {
  const known = target.knownFailures ?? {};
  return (mode === undefined ? undefined : known[`${kase.id}@${mode}`]) ?? known[kase.id];
}

function registerGroup(target: ConformanceTarget, plan: GroupPlan): void {
  const testMs = target.timeouts?.testMs ?? DEFAULT_TEST_MS;
  const hookMs = target.timeouts?.hookMs ?? DEFAULT_HOOK_MS;
  describe(plan.title, () => {
    let shared: Sandbox | undefined;
    let groupSkip: string | undefined;
    beforeAll(async () => {
      const sandbox = await target.create(plan.options);
      if (plan.watchMode !== undefined && !supportedWatchModes(sandbox.capabilities).includes(plan.watchMode)) {
        groupSkip = `the backend declares watch.${plan.watchMode}: false`;
        await safely(() => sandbox.dispose(), `disposing the unused ${plan.title} sandbox`);
        return;
      }
      shared = sandbox;
      await sandbox.init();
    }, hookMs);
    afterAll(async () => {
      const sandbox = shared;
      if (sandbox === undefined) return;
      await safely(() => sandbox.fs.rm(kitRoot(sandbox), { recursive: true, force: true }), `removing ${kitRoot(sandbox)}`);
      await safely(() => sandbox.dispose(), `disposing the ${plan.title} sandbox`);
    }, hookMs);
    for (const kase of plan.cases) {
      const reason = knownFailure(target, kase, plan.watchMode);
      const title = `${kase.id}: ${kase.title}${reason ? ` [known failure: ${reason}]` : ''}`;
      const body = async (context: TestContext): Promise<void> => {
        if (groupSkip !== undefined) context.skip(groupSkip);
        context.onTestFailed(() => {
          const id = shared === undefined ? 'n/a' : safeId(shared);
          process.emitWarning(`conformance case ${kase.id} failed on ${target.name} (group sandbox ${id})`, { type: 'ConformanceFailure' });
        });
        const outcome = await runConformanceCase(kase, {
          target,
          ...(shared === undefined ? {} : { sandbox: shared }),
          sandboxOptions: plan.options,
          ...(plan.watchMode === undefined ? {} : { watchMode: plan.watchMode }),
          expect: context.expect,
        });
        if (outcome.status === 'skipped') context.skip(outcome.reason);
      };
      if (reason !== undefined) it.fails(title, body, testMs);
      else it(title, body, testMs);
    }
  });
}

function safeId(sandbox: Sandbox): string {
  try {
    return sandbox.getSandboxId();
  } catch {
    return 'unknown';
  }
}

/**
 * Registers the conformance suite for `target` with vitest: `describe(name)` with one nested
 * describe per group (the `watch` group once per watch mode, skipped when the backend's
 * capabilities do not declare it) and one test per case. Call it at the top level of a test file.
 * Each group shares one sandbox (created in `beforeAll`, disposed in `afterAll`); isolated cases get
 * their own. Cases listed in `knownFailures` are registered with `it.fails`.
 * @throws Error at registration when case ids clash or `knownFailures` names an unknown case
 */
export function describeConformance(target: ConformanceTarget): void {
  const cases = [...conformanceCases, ...(target.extraCases ?? [])];
  validateConformanceTarget(target, cases);
  const pollIntervalMs = target.tolerances?.pollIntervalMs ?? 200;
  const extraGroups = [...new Set(cases.map((c) => c.group).filter((g) => !(CONFORMANCE_GROUPS as readonly string[]).includes(g)))];
  const plans: GroupPlan[] = [];
  for (const group of [...CONFORMANCE_GROUPS, ...extraGroups]) {
    const groupCases = cases.filter((c) => c.group === group);
    if (groupCases.length === 0) continue;
    if (group === 'watch') {
      plans.push({ title: 'watch (native)', cases: groupCases, options: { watch: { mode: 'native' } }, watchMode: 'native' });
      plans.push({ title: 'watch (polling)', cases: groupCases, options: { watch: { mode: 'polling', pollIntervalMs } }, watchMode: 'polling' });
    } else {
      plans.push({ title: group, cases: groupCases, options: {} });
    }
  }
  const suite = target.skip ? describe.skip : describe;
  suite(`conformance: ${target.name}${target.skip ? ` (skipped: ${target.skip})` : ''}`, () => {
    for (const plan of plans) registerGroup(target, plan);
  });
}
