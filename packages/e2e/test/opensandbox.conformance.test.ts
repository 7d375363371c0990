// The conformance kit against OpenSandbox on the emulator with direct routing (each sandbox's
// execd on its own loopback port), plus the `tools` group. The server-proxy and gateway routings
// run the kit in their own files.
import { describeConformance } from '@kode/testkit';
import { toolsConformanceCases } from '@kode/tools/conformance';
import { openSandboxConformanceTarget } from './targets/opensandbox-target';

describeConformance(openSandboxConformanceTarget('direct', { extraCases: toolsConformanceCases }));
