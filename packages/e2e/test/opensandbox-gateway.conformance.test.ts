// The conformance kit against OpenSandbox on the emulator in gateway routing: one address for
// every sandbox, routed by the `OpenSandbox-Ingress-To` header the endpoint lookup hands out.
import { describeConformance } from '@kode/testkit';
import { openSandboxConformanceTarget } from './targets/opensandbox-target';

describeConformance(openSandboxConformanceTarget('gateway'));
