// The kit proves it can fail: every mutant (a LocalSandbox wrapped to break one rule) must be caught
// by at least one case that passes on the real LocalSandbox. Prints which case ids catch each mutant.
import { conformanceCases, findCatchingCases, type MutantVerdict } from '@kode/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { toolsConformanceCases } from '../src/tools-cases';
import { allMutants } from './support/mutant-suite';
import { localConformanceTarget } from './targets/local-target';

const target = localConformanceTarget();
/** KODE_MUTANTS_FULL=1 lists every catching case (minutes); by default each mutant stops at two. */
const maxCatches = process.env.KODE_MUTANTS_FULL === '1' ? undefined : 2;
const verdicts: MutantVerdict[] = [];

afterAll(() => {
  target.cleanup();
  const lines = verdicts.map((v) => `  ${v.mutant}: ${v.caughtBy.join(', ') || 'NOT CAUGHT'}${v.failingOnControl.length ? ` (also failing on the real backend: ${v.failingOnControl.join(', ')})` : ''}`);
  process.stdout.write(`\nMutant → catching conformance cases (local):\n${lines.join('\n')}\n`);
});

describe('conformance kit catches deliberately broken backends (mutants of LocalSandbox)', () => {
  for (const mutant of allMutants) {
    const notApplicable = mutant.appliesTo?.(target);
    const name = `catches ${mutant.id} (built to be caught by ${mutant.catchers.join(' | ')}): ${mutant.description}`;
    if (notApplicable !== undefined) {
      it.skip(`${name} [not applicable: ${notApplicable}]`, () => undefined);
      continue;
    }
    it(name, async () => {
      const verdict = await findCatchingCases({
        target,
        mutant,
        expect,
        cases: [...conformanceCases, ...toolsConformanceCases],
        ...(maxCatches === undefined ? {} : { maxCatches }),
      });
      verdicts.push(verdict);
      expect(verdict.caughtBy, `no case catches mutant ${mutant.id}`).not.toEqual([]);
    }, 300_000);
  }
});
