// The conformance kit against E2BSandbox on the E2B emulator (stock `e2b` client → fake control
// plane + envd-compatible agent in a bubblewrap root), plus the `tools` group.
import { describeConformance } from '@kode/testkit';
import { toolsConformanceCases } from '@kode/tools/conformance';
import { e2bConformanceTarget } from './targets/e2b-target';

describeConformance(e2bConformanceTarget({ extraCases: toolsConformanceCases }));
