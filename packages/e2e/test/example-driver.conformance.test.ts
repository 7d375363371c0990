// The whole conformance kit, plus the `tools` group, against the example backend of
// examples/driver-backend: a backend that is nothing but a driver under the shared front. It
// declares background processes, native watch and restore absent, so the kit's
// `errors.unsupported.*` cases for those run here; the same driver with streaming, binary fs and
// polling watch declared absent too runs the kit again, so the other three run as well.
import { describeConformance } from '@kode/testkit';
import { afterAll } from 'vitest';
import { toolsConformanceCases } from '@kode/tools/conformance';
import { exampleConformanceTarget } from './targets/example-target';

const target = exampleConformanceTarget({ extraCases: toolsConformanceCases });
const narrowed = exampleConformanceTarget({}, { narrowed: true });

afterAll(() => {
  target.cleanup();
  narrowed.cleanup();
});

describeConformance(target);
describeConformance(narrowed);
