// The kit proves it can fail: every mutant (a LocalSandbox wrapped to break one rule) must be caught
// by at least one case that passes on the real LocalSandbox. Local sandboxes are cheap, so each
// mutant is searched over every case of its groups (not only the ids in its title); prints which
// case ids catch each mutant.
import { afterAll } from 'vitest';
import { describeMutants } from './support/mutant-suite';
import { localConformanceTarget } from './targets/local-target';

const target = localConformanceTarget();
afterAll(() => target.cleanup());

/** KODE_MUTANTS_FULL=1 lists every catching case (minutes); by default each mutant stops at two. */
const maxCatches = process.env.KODE_MUTANTS_FULL === '1' ? undefined : 2;

describeMutants('conformance kit catches deliberately broken backends (mutants of LocalSandbox)', target, { searchGroups: true, maxCatches, caseMs: 300_000 });
