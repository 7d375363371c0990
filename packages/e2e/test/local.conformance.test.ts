// The conformance kit against LocalSandbox, plus the `tools` group (bash_* / fs_* tools over the
// same sandboxes). Other backends plug in the same way: a target in test/targets/<backend>-target.ts
// and a file test/<backend>.conformance.test.ts calling describeConformance (see the testkit README).
import { describeConformance } from '@kode/testkit';
import { afterAll } from 'vitest';
import { toolsConformanceCases } from '@kode/tools/conformance';
import { localConformanceTarget } from './targets/local-target';

const target = localConformanceTarget({ extraCases: toolsConformanceCases });

afterAll(() => target.cleanup());

describeConformance(target);
