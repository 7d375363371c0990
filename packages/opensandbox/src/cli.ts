#!/usr/bin/env node
/**
 * The `kode-sandbox` bin of `@kode/opensandbox`: `doctor`, `list`, `gc` (see `--help`). Exit
 * codes: 0 success, 1 a check or a kill failed (or the server call failed), 2 bad usage.
 */
import { runAdminCommand } from '@kode/driver';
import { runCliMain } from '@kode/driver/cli';
import packageJson from '../package.json';
import { parseCliArgs, USAGE, type CliCommand } from './cli/args';
import { runDoctor } from './cli/doctor';
import { createProgress } from './cli/progress';
import { openSandboxAdminPort } from './cli/sandbox-admin';

async function run(command: Exclude<CliCommand, { kind: 'help' } | { kind: 'version' }>): Promise<number> {
  switch (command.kind) {
    case 'list':
    case 'gc':
      return runAdminCommand(command, openSandboxAdminPort(command.settings), (text) => process.stdout.write(text));
    case 'doctor': {
      const { settings } = command;
      const progress = createProgress({ stream: process.stdout, silent: settings.json });
      const interrupt = new AbortController();
      const onSignal = () => {
        if (interrupt.signal.aborted) process.exit(130);
        interrupt.abort();
        process.stderr.write('\nkode-sandbox: interrupted; disposing the test sandbox (press Ctrl-C again to quit at once)\n');
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      if (!settings.json) {
        progress.line(`kode-sandbox doctor: ${settings.endpoint}, image ${settings.image}${settings.apiKey ? ', API key set' : ''}${settings.useServerProxy ? ', useServerProxy' : ''}`);
      }
      const report = await runDoctor({ settings, progress, signal: interrupt.signal });
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (settings.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        const failed = report.checks.filter((c) => c.outcome === 'fail').length;
        const skipped = report.checks.filter((c) => c.outcome === 'skip').length;
        progress.line(
          report.ok
            ? `All ${report.checks.length} checks passed.`
            : `${failed} check${failed === 1 ? '' : 's'} failed${skipped > 0 ? `, ${skipped} skipped` : ''}; see the advice above.`,
        );
      }
      return report.ok ? 0 : 1;
    }
  }
}

runCliMain({ name: 'kode-sandbox', usage: USAGE, version: packageJson.version, parse: parseCliArgs, run });
