#!/usr/bin/env node
/**
 * The `kode-e2b` bin of `@kode/e2b`: `list`, `gc` (see `--help`). Exit codes: 0 success, 1 a kill
 * failed (or the E2B call failed), 2 bad usage.
 */
import { runAdminCommand } from '@kode/driver';
import { runCliMain } from '@kode/driver/cli';
import packageJson from '../package.json';
import { parseE2BCliArgs, USAGE } from './cli/args';
import { e2bAdminPort } from './cli/sandbox-admin';

runCliMain({
  name: 'kode-e2b',
  usage: USAGE,
  version: packageJson.version,
  parse: parseE2BCliArgs,
  run: (command) => runAdminCommand(command, e2bAdminPort(command.settings), (text) => process.stdout.write(text)),
});
