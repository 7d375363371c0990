import { agentCases } from './cases/agent-cases';
import { errorsCases } from './cases/errors-cases';
import { execCases } from './cases/exec-cases';
import { fsCases } from './cases/fs-cases';
import { fsStreamCases } from './cases/fs-stream-cases';
import { lifecycleCases } from './cases/lifecycle-cases';
import { processesCases } from './cases/processes-cases';
import { watchCases } from './cases/watch-cases';
import type { ConformanceCase, ConformanceGroup } from './types';

/** The built-in groups, in the order the kit registers them. */
export const CONFORMANCE_GROUPS: readonly ConformanceGroup[] = ['lifecycle', 'exec', 'fs', 'processes', 'watch', 'errors', 'sessions', 'endpoints'];

/** Every built-in case, grouped in registration order. Ids are stable API; titles may change. */
export const conformanceCases: readonly ConformanceCase[] = Object.freeze([
  ...lifecycleCases,
  ...execCases,
  ...fsCases,
  ...fsStreamCases,
  ...processesCases,
  ...watchCases,
  ...errorsCases,
  ...agentCases,
]);

export { agentCases, errorsCases, execCases, fsCases, fsStreamCases, lifecycleCases, processesCases, watchCases };

/** The built-in case with `id`, or `undefined`. */
export function findConformanceCase(id: string): ConformanceCase | undefined {
  return conformanceCases.find((c) => c.id === id);
}
