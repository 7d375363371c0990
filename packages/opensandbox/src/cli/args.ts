import { parseArgs } from 'node:util';
import { InvalidArgumentError, type WatchMode } from '@kode/core';
import { resolveOptions } from '../options';

/** What `kode-sandbox doctor` checks against, after flags, environment fallbacks and defaults. */
export interface DoctorSettings {
  /** Server base URL without a trailing `/v1`, e.g. `http://127.0.0.1:8080`. */
  endpoint: string;
  /** Scheme used to reach sandbox endpoints (the endpoint's scheme). */
  protocol: 'http' | 'https';
  /** API key, or `undefined` when none was given (servers with auth off need none). Never printed. */
  apiKey: string | undefined;
  /** Image of the test sandbox. */
  image: string;
  /** Whether the user's configuration routes execd traffic through the server. */
  useServerProxy: boolean;
  /** The user's `watch.mode` (default `'polling'`, as the backend's): only `'native'` needs `inotifywait`. */
  watchMode: WatchMode;
  /** Print a JSON report on stdout instead of step lines. */
  json: boolean;
}

/** A parsed command line. */
export type CliCommand = { kind: 'help' } | { kind: 'version' } | { kind: 'doctor'; settings: DoctorSettings };

/** Usage text of the `kode-sandbox` bin. */
export const USAGE = `Usage: kode-sandbox doctor [options]

Checks, in order, that an OpenSandbox server is usable from this machine: the endpoint answers,
the API key is accepted, a sandbox can be created from the image and disposed, inotifywait exists
in it (needed only by watch.mode 'native'; otherwise a warning), its execd endpoint is reachable
directly (otherwise use useServerProxy: true), and a second sandbox gets an execd of its own (a
Docker server in host network mode gives every sandbox the first one's). Exit code 0 only when
every check passes (warnings pass).

Options:
  --endpoint <url>      Server URL (default: $OPEN_SANDBOX_ENDPOINT, then http://localhost:8080)
  --api-key <key>       API key (default: $OPEN_SANDBOX_API_KEY; prefer the variable, argv is visible to other users)
  --image <image>       Image of the test sandbox (default: $OPEN_SANDBOX_IMAGE, then ubuntu)
  --use-server-proxy    Your configuration sets useServerProxy: true (direct execd access is then optional)
  --watch <mode>        Your watch.mode: polling (default), native or off (only native needs inotifywait)
  --json                Print a JSON report instead of step lines
  -h, --help            Show this help
  -v, --version         Show the version
`;

/**
 * Parses `kode-sandbox` arguments (without `node` and the script path) with `node:util`
 * `parseArgs`, then applies the environment fallbacks (`OPEN_SANDBOX_ENDPOINT`,
 * `OPEN_SANDBOX_API_KEY`, `OPEN_SANDBOX_IMAGE`) and defaults exactly as `new OpenSandbox()` does.
 * Pure apart from reading `process.env`.
 * @throws InvalidArgumentError for an unknown command or flag, a missing value or a malformed endpoint
 */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        endpoint: { type: 'string' },
        'api-key': { type: 'string' },
        image: { type: 'string' },
        'use-server-proxy': { type: 'boolean' },
        watch: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, '.') : String(error), { hint: 'Run `kode-sandbox --help`.' });
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const [command, ...rest] = positionals;
  if (command === undefined) throw new InvalidArgumentError('Missing command.', { hint: 'Run `kode-sandbox doctor`, or `kode-sandbox --help`.' });
  if (command !== 'doctor') throw new InvalidArgumentError(`Unknown command ${JSON.stringify(command)}.`, { hint: 'The only command is `doctor`.' });
  if (rest.length > 0) throw new InvalidArgumentError(`Unexpected argument ${JSON.stringify(rest[0])}.`, { hint: 'Run `kode-sandbox --help`.' });
  const watchMode = values.watch ?? 'polling';
  if (watchMode !== 'polling' && watchMode !== 'native' && watchMode !== 'off') {
    throw new InvalidArgumentError(`--watch must be polling, native or off, got ${JSON.stringify(watchMode)}.`, { hint: 'Run `kode-sandbox --help`.' });
  }

  try {
    const resolved = resolveOptions({
      kind: 'opensandbox',
      ...(values.endpoint !== undefined ? { endpoint: values.endpoint } : {}),
      ...(values['api-key'] !== undefined ? { apiKey: values['api-key'] } : {}),
      ...(values.image !== undefined ? { image: values.image } : {}),
    });
    return {
      kind: 'doctor',
      settings: {
        endpoint: resolved.endpoint,
        protocol: resolved.protocol,
        apiKey: resolved.apiKey === '' ? undefined : resolved.apiKey,
        image: resolved.image,
        useServerProxy: values['use-server-proxy'] === true,
        watchMode,
        json: values.json === true,
      },
    };
  } catch (error) {
    if (InvalidArgumentError.isInstance(error)) {
      // The backend names its options (`endpoint`); name the flags too.
      throw new InvalidArgumentError(error.message.replace(/^OpenSandbox option `(endpoint|apiKey|image)`/, (_m: string, field: string) => `--${field === 'apiKey' ? 'api-key' : field}`), {
        hint: 'Run `kode-sandbox --help`.',
      });
    }
    throw error;
  }
}
