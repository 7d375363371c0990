import { describeConformance } from '@kode/testkit';
import { openSandboxTarget } from './conformance-target';

describeConformance(openSandboxTarget('server-proxy'));
