// The conformance kit against OpenSandbox on the emulator in server-proxy routing: every execd
// call goes through `<server>/sandboxes/{id}/proxy/44772`, as with `useServerProxy: true`.
import { describeConformance } from '@kode/testkit';
import { openSandboxConformanceTarget } from './targets/opensandbox-target';

describeConformance(openSandboxConformanceTarget('server-proxy'));
