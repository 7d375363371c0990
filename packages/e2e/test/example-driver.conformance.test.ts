// The whole conformance kit, plus the `tools` group, against the example backend of
// examples/driver-backend: a backend that is nothing but a driver under the shared front. It
// declares background processes, native watch and restore absent, so the kit's
// `errors.unsupported.*` cases for those run here.
import { describeConformance } from '@kode/testkit';
import { afterAll } from 'vitest';
import { toolsConformanceCases } from '../src/tools-cases';
import { exampleConformanceTarget } from './targets/example-target';

const target = exampleConformanceTarget({ extraCases: toolsConformanceCases });

afterAll(() => target.cleanup());

describeConformance(target);
