import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '@kode/core';

/** How `kode-sandbox-mcp` serves: stdio, or Streamable HTTP on `host:port`. */
export type McpTransportSettings = { kind: 'stdio' } | { kind: 'http'; port: number; host: string };

/** A parsed `kode-sandbox-mcp` command line. */
export type McpCliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'serve';
      /** `--config FILE.json`, when given (else `KODE_SANDBOX_CONFIG` is read). */
      configFile: string | undefined;
      transport: McpTransportSettings;
    };

/** Usage text of the `kode-sandbox-mcp` bin. */
export const MCP_USAGE = `Usage: kode-sandbox-mcp [--config FILE.json] [--http PORT [--host HOST]]

Serves the KODE sandbox tools (bash_run, bash_logs, bash_kill, fs_read, fs_write, fs_edit,
fs_multi_edit, fs_glob, fs_grep) over the Model Context Protocol, on stdio by default. One sandbox
is created on start from the config and disposed on exit (end of stdin, SIGINT, SIGTERM).

The config is the JSON that SandboxFactory.createAsync takes, e.g.
  {"kind":"opensandbox","endpoint":"http://127.0.0.1:8080","image":"ubuntu"}
  {"kind":"local","workDir":"/path/to/project"}
Secrets may be left out: OPEN_SANDBOX_API_KEY and E2B_API_KEY are read as usual.

Options:
  --config <file>   JSON file with the sandbox config (default: the JSON text of $KODE_SANDBOX_CONFIG)
  --http <port>     Serve Streamable HTTP at http://HOST:PORT/mcp instead of stdio (0: any free port)
  --host <host>     Address to listen on with --http (default 127.0.0.1; anything else exposes the sandbox)
  -h, --help        Show this help
  -v, --version     Show the version
`;

const HINT = 'Run `kode-sandbox-mcp --help`.';

/**
 * Parses `kode-sandbox-mcp` arguments (without `node` and the script path) with `node:util`
 * `parseArgs`. Pure.
 * @throws InvalidArgumentError for an unknown flag, a positional argument, a missing value, a port
 *   outside 0…65535, or `--host` without `--http`
 */
export function parseMcpCliArgs(argv: readonly string[]): McpCliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: false,
      strict: true,
      options: {
        config: { type: 'string' },
        http: { type: 'string' },
        host: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, '.') : String(error), { hint: HINT });
  }
  const { values } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  if (values.config !== undefined && values.config.trim() === '') throw new InvalidArgumentError('--config needs a file path.', { hint: HINT });
  if (values.http === undefined) {
    if (values.host !== undefined) throw new InvalidArgumentError('--host only applies with --http PORT.', { hint: HINT });
    return { kind: 'serve', configFile: values.config, transport: { kind: 'stdio' } };
  }
  const port = /^\d{1,5}$/.test(values.http) ? Number(values.http) : Number.NaN;
  if (!(port >= 0 && port <= 65_535)) throw new InvalidArgumentError(`--http must be a port number 0…65535, got ${JSON.stringify(values.http)}.`, { hint: HINT });
  const host = values.host ?? '127.0.0.1';
  if (host.trim() === '') throw new InvalidArgumentError('--host needs an address.', { hint: HINT });
  return { kind: 'serve', configFile: values.config, transport: { kind: 'http', port, host } };
}
