#!/usr/bin/env node
/**
 * The `kode-sandbox-mcp` bin of `@kode/mcp`: creates one sandbox from `--config FILE.json` or
 * `KODE_SANDBOX_CONFIG`, serves the tools over MCP (stdio, or Streamable HTTP with `--http PORT`)
 * and disposes the sandbox on exit (end of stdin, SIGINT, SIGTERM). Logs go to stderr (stdout is
 * the protocol on stdio). Exit codes: 0 clean stop, 1 the sandbox could not be created or disposed,
 * 2 bad usage or config.
 */
import { InvalidArgumentError, SandboxError } from '@kode/core';
import packageJson from '../package.json';
import { MCP_USAGE, parseMcpCliArgs } from './cli-args';
import { loadSandboxConfig } from './sandbox-config';
import { serveSandbox } from './serve-sandbox';

/** How long disposing may take on exit before the process gives up (a second signal exits at once). */
const DISPOSE_TIMEOUT_MS = 60_000;

function log(line: string): void {
  process.stderr.write(`kode-sandbox-mcp: ${line}\n`);
}

function describe(error: unknown): string {
  if (SandboxError.isInstance(error)) return `${error.code}: ${error.message}${error.hint ? `\n${error.hint}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

async function main(argv: readonly string[]): Promise<number> {
  let command;
  let config;
  try {
    command = parseMcpCliArgs(argv);
    if (command.kind === 'help') {
      process.stdout.write(MCP_USAGE);
      return 0;
    }
    if (command.kind === 'version') {
      process.stdout.write(`${packageJson.version}\n`);
      return 0;
    }
    config = await loadSandboxConfig({ ...(command.configFile === undefined ? {} : { configFile: command.configFile }) });
  } catch (error) {
    if (!InvalidArgumentError.isInstance(error)) throw error;
    log(describe(error));
    return 2;
  }

  let signalled: NodeJS.Signals | undefined;
  let stopRequested = (): void => undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled !== undefined) {
      log(`${signal} again: exiting without waiting for the sandbox to be disposed`);
      process.exit(1);
    }
    signalled = signal;
    log(`${signal}: stopping`);
    stopRequested();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let served;
  try {
    served = await serveSandbox({ config, transport: command.transport, log });
  } catch (error) {
    log(describe(error));
    return InvalidArgumentError.isInstance(error) ? 2 : 1;
  }
  const running = served;
  if (running.url !== undefined) process.stdout.write(`${running.url}\n`);
  stopRequested = () => void running.close().catch(() => undefined);
  if (signalled !== undefined) stopRequested();
  await running.closed;
  try {
    await Promise.race([
      running.close(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`disposing took longer than ${DISPOSE_TIMEOUT_MS / 1000} s`)), DISPOSE_TIMEOUT_MS).unref()),
    ]);
  } catch (error) {
    log(`could not dispose the sandbox: ${describe(error)}`);
    return 1;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
