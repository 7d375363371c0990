// One mutant self-test per backend: every mutant (a real sandbox wrapped to break one rule) must be
// caught by at least one of the case ids it names, each of which passes on the real backend.
import { conformanceCases, conformanceMutants, findCatchingCases, type ConformanceMutant, type ConformanceTarget, type MutantVerdict } from '@kode/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { toolsConformanceCases } from '../../src/tools-cases';
import { toolsMutants } from './tools-mutants';

/** Every mutant the self-tests run: the kit's and the tools group's. */
export const allMutants: readonly ConformanceMutant[] = [...conformanceMutants, ...toolsMutants];

/**
 * Registers `describe(title)` with one test per mutant, titled with the case ids built to catch it.
 * Only those cases run (once on the mutant, once on the real backend; watch cases in polling mode
 * only), so a remote backend's suite stays short. A mutant that cannot be expressed on the target
 * is skipped with the reason.
 */
export function describeMutants(title: string, target: ConformanceTarget, options: { caseMs?: number } = {}): void {
  const verdicts: MutantVerdict[] = [];
  afterAll(() => {
    const lines = verdicts.map((v) => `  ${v.mutant}: ${v.caughtBy.join(', ') || 'NOT CAUGHT'}${v.failingOnControl.length ? ` (also failing on the real backend: ${v.failingOnControl.join(', ')})` : ''}`);
    process.stdout.write(`\nMutant → catching conformance cases (${target.name}):\n${lines.join('\n')}\n`);
  });
  describe(title, () => {
    for (const mutant of allMutants) {
      const notApplicable = mutant.appliesTo?.(target);
      const name = `${mutant.id} is caught by ${mutant.catchers.join(' | ')}: ${mutant.description}`;
      if (notApplicable !== undefined) {
        it.skip(`${name} [not applicable: ${notApplicable}]`, () => undefined);
        continue;
      }
      it(
        name,
        async () => {
          const verdict = await findCatchingCases({
            target,
            mutant,
            expect,
            cases: [...conformanceCases, ...toolsConformanceCases],
            onlyCatchers: true,
            maxCatches: 1,
            watchModes: ['polling'],
          });
          verdicts.push(verdict);
          expect(verdict.failingOnControl, `catching cases of ${mutant.id} fail on the real backend`).toEqual([]);
          expect(verdict.caughtBy, `no case catches mutant ${mutant.id}`).not.toEqual([]);
        },
        options.caseMs ?? 120_000,
      );
    }
  });
}
