// Entry of `@kode/tools/conformance`: the `tools` group of the conformance kit, for
// `describeConformance({ ...target, extraCases: toolsConformanceCases })`. Needs `@kode/testkit`
// (an optional peer dependency) and vitest, like the kit itself.
export { toolsConformanceCases } from './conformance-cases';
