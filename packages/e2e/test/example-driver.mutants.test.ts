// The kit fails on a broken example backend: two mutants of packages/testkit/src/mutants.ts wrapped
// around the example backend (examples/driver-backend), each caught by a case that passes on the
// real one. (The full mutant suite runs on LocalSandbox in local.mutants.test.ts.)
import { conformanceMutants, findCatchingCases } from '@kode/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleConformanceTarget } from './targets/example-target';

const target = exampleConformanceTarget();
const MUTANTS = ['exec-wrong-exit-code', 'unwatch-keeps-listening'];

afterAll(() => target.cleanup());

describe('conformance kit catches deliberately broken example backends', () => {
  for (const id of MUTANTS) {
    const mutant = conformanceMutants.find((m) => m.id === id);
    it(`catches ${id}`, async () => {
      expect(mutant, `mutant ${id} exists in @kode/testkit`).toBeDefined();
      const verdict = await findCatchingCases({ target, mutant: mutant!, expect, maxCatches: 2 });
      process.stdout.write(`mutant ${id} caught by: ${verdict.caughtBy.join(', ') || 'NOTHING'}\n`);
      expect(verdict.caughtBy, `no case catches mutant ${id}`).not.toEqual([]);
      expect(verdict.failingOnControl).toEqual([]);
    }, 300_000);
  }
});
