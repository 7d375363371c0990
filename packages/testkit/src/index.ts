export { conformanceCases, CONFORMANCE_GROUPS, errorsCases, execCases, findConformanceCase, fsCases, fsStreamCases, lifecycleCases, processesCases, watchCases } from './conformance-cases';
export { describeConformance, validateConformanceTarget } from './describe-conformance';
export { GLOB_TABLE, GLOB_TREE, type GlobTableRow } from './cases/glob-table';
export { CAPABILITY_PATHS } from './cases/lifecycle-cases';
export { conformanceMutants, findCatchingCases, mutantSkipReason, mutateTarget, type ConformanceMutant, type MutantVerdict } from './mutants';
export { DEFAULT_TOLERANCES, gateCase, runConformanceCase, supportedWatchModes, type CaseOutcome, type RunCaseOptions } from './run-case';
export { waitUntil, withTimeout, type WaitUntilOptions } from './support/wait';
export { WatchRecorder } from './support/watch-recorder';
export type {
  CaseApplicability,
  CaseContext,
  CaseGateInput,
  ConformanceCase,
  ConformanceGroup,
  ConformanceSandboxOptions,
  ConformanceTarget,
  ConformanceTimeouts,
  ConformanceTolerances,
  ConformanceWatchMode,
} from './types';
