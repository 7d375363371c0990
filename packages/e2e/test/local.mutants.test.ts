// The kit proves it can fail: every mutant (a LocalSandbox wrapped to break one rule) must be caught
// by at least one of the case ids it names, each of which passes on the real LocalSandbox. With
// KODE_MUTANTS_FULL=1 each mutant is instead searched over every case of its groups (both watch
// modes; minutes) and every catching case id is printed: how the catchers were found.
// KODE_MUTANTS=id,id registers only those mutants (e.g. a full search of new ones).
import { afterAll } from 'vitest';
import { describeMutants } from './support/mutant-suite';
import { localConformanceTarget } from './targets/local-target';

const target = localConformanceTarget();
afterAll(() => target.cleanup());

const full = process.env.KODE_MUTANTS_FULL === '1';
const only = process.env.KODE_MUTANTS?.split(',').map((id) => id.trim()).filter((id) => id !== '');

describeMutants('conformance kit catches deliberately broken backends (mutants of LocalSandbox)', target, {
  ...(full ? { searchGroups: true, maxCatches: undefined, caseMs: 600_000 } : {}),
  ...(only !== undefined && only.length > 0 ? { only } : {}),
});
