// The kit proves it can fail on OpenSandbox (emulator, direct routing): every mutant must be caught
// by one of the case ids in its test title, each of which passes on the real backend.
import { describeMutants } from './support/mutant-suite';
import { openSandboxConformanceTarget } from './targets/opensandbox-target';

describeMutants('conformance kit catches deliberately broken backends (mutants of OpenSandbox)', openSandboxConformanceTarget('direct'));
