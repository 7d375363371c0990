// The conformance kit against LocalSandbox. Other backends plug in the same way: a target in
// test/targets/<backend>-target.ts and a file test/<backend>.conformance.test.ts (see README).
import { describeConformance } from '@kode/testkit';
import { afterAll } from 'vitest';
import { localConformanceTarget } from './targets/local-target';

const target = localConformanceTarget({
  knownFailures: {},
});

afterAll(() => target.cleanup());

describeConformance(target);
