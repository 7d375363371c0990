/**
 * `@kode/driver/cli`: what the backends' bins (`kode-sandbox`, `kode-e2b`) share to parse their
 * command line and run. A subpath of its own because its types come from `node:util`: the main
 * entry's declarations must typecheck in projects without `@types/node`.
 */
export { parseCommandLine, runCliMain, type CliFlagValues, type ParsedCommandLine } from './cli-runner';
