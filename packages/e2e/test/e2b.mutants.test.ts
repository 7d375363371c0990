// The kit proves it can fail on E2B (emulator): every mutant must be caught by one of the case ids
// in its test title, each of which passes on the real backend.
import { describeMutants } from './support/mutant-suite';
import { e2bConformanceTarget } from './targets/e2b-target';

describeMutants('conformance kit catches deliberately broken backends (mutants of E2BSandbox)', e2bConformanceTarget());
