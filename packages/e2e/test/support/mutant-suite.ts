// One mutant self-test per backend: every mutant (a real sandbox wrapped to break one rule) must be
// caught by at least one of the case ids it names, each of which passes on the real backend.
import type { SandboxCapabilities } from '@kode/core';
import { conformanceCases, conformanceMutants, findCatchingCases, mutantSkipReason, type ConformanceMutant, type ConformanceTarget, type MutantVerdict } from '@kode/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { toolsConformanceCases } from '@kode/tools/conformance';
import { toolsMutants } from './tools-mutants';

/** Every mutant the self-tests run: the kit's and the tools group's. */
export const allMutants: readonly ConformanceMutant[] = [...conformanceMutants, ...toolsMutants];

/** Options of {@link describeMutants}. */
export interface MutantSuiteOptions {
  /** Search every case of the mutant's groups (both watch modes) instead of only its `catchers`. Default false. */
  searchGroups?: boolean;
  /** Stop a mutant's search after this many catching cases. Default 1; `undefined` with `searchGroups` lists them all. */
  maxCatches?: number | undefined;
  /** Timeout of one mutant's test, in ms. Default 120 000. */
  caseMs?: number;
  /** Register only the mutants with these ids (e.g. a full search of new mutants). Default: every mutant. */
  only?: readonly string[];
}

/**
 * Registers `describe(title)` with one test per mutant, titled with the case ids built to catch it.
 * By default only those cases run (once on the mutant, once on the real backend; watch cases in
 * polling mode only), so a remote backend's suite stays short. A mutant that cannot be expressed on
 * the target, or whose catching cases are all known failures there, is skipped with the reason; one
 * whose `requires` the backend declares absent (read from a sandbox the target builds, not
 * initialised) is skipped when its test runs, and the reason is printed with the verdicts.
 */
export function describeMutants(title: string, target: ConformanceTarget, options: MutantSuiteOptions = {}): void {
  const maxCatches = 'maxCatches' in options ? options.maxCatches : 1;
  const verdicts: MutantVerdict[] = [];
  // Each catching case runs on the real backend once per suite, not once per mutant it catches.
  const controlOutcomes = new Map<string, Promise<'passed' | 'skipped' | 'failed'>>();
  const skipped: string[] = [];
  let declared: Promise<SandboxCapabilities> | undefined;
  /** The real backend's capabilities, from a sandbox that is built (no I/O) and disposed unused. */
  const capabilities = (): Promise<SandboxCapabilities> =>
    (declared ??= (async () => {
      const sandbox = await target.create({});
      const caps = sandbox.capabilities;
      await sandbox.dispose();
      return caps;
    })());
  afterAll(() => {
    const lines = verdicts.map((v) => `  ${v.mutant}: ${v.caughtBy.join(', ') || 'NOT CAUGHT'}${v.failingOnControl.length ? ` (also failing on the real backend: ${v.failingOnControl.join(', ')})` : ''}`);
    lines.push(...skipped);
    process.stdout.write(`\nMutant → catching conformance cases (${target.name}):\n${lines.join('\n')}\n`);
  });
  describe(title, () => {
    const unknown = (options.only ?? []).filter((id) => !allMutants.some((m) => m.id === id));
    if (unknown.length > 0) throw new Error(`unknown mutant ids: ${unknown.join(', ')}`);
    for (const mutant of allMutants.filter((m) => options.only === undefined || options.only.includes(m.id))) {
      const name = `${mutant.id} is caught by ${mutant.catchers.join(' | ')}: ${mutant.description}`;
      const known = target.knownFailures ?? {};
      const catchers = mutant.catchers.filter((id) => known[id] === undefined);
      const notApplicable =
        mutant.appliesTo?.(target) ??
        (catchers.length === 0 ? `its catching cases are known failures on ${target.name}: ${mutant.catchers.map((id) => `${id} (${known[id]})`).join('; ')}` : undefined);
      if (notApplicable !== undefined) {
        it.skip(`${name} [not applicable: ${notApplicable}]`, () => undefined);
        continue;
      }
      it(
        name,
        async (ctx) => {
          if (mutant.requires !== undefined) {
            const reason = mutantSkipReason(mutant, { target, capabilities: await capabilities() });
            if (reason !== undefined) {
              skipped.push(`  ${mutant.id}: skipped (not applicable: ${reason})`);
              ctx.skip(`not applicable: ${reason}`);
            }
          }
          const verdict = await findCatchingCases({
            target,
            mutant: { ...mutant, catchers },
            expect,
            cases: [...conformanceCases, ...toolsConformanceCases],
            ...(options.searchGroups ? {} : { onlyCatchers: true, watchModes: ['polling'] as const }),
            ...(maxCatches === undefined ? {} : { maxCatches }),
            controlOutcomes,
          });
          verdicts.push(verdict);
          if (!options.searchGroups) expect(verdict.failingOnControl, `catching cases of ${mutant.id} fail on the real backend`).toEqual([]);
          expect(verdict.caughtBy, `no case catches mutant ${mutant.id}`).not.toEqual([]);
        },
        options.caseMs ?? 120_000,
      );
    }
  });
}
