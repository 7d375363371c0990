import { InvalidArgumentError, type WatchMode } from '@kode/core';
import { ADMIN_ARG_OPTIONS, ADMIN_GC_FLAGS, ADMIN_LIST_FLAGS, adminSettings, type AdminGcSettings, type AdminListSettings } from '@kode/driver';
import { parseCommandLine } from '@kode/driver/cli';
import { CREATOR_SDK, CREATOR_SDK_KEY, resolveOptions } from '../options';

export { parseDuration } from '@kode/driver';

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

/** What `kode-sandbox list` lists: the server, then the shared filters. */
export interface ListSettings extends AdminListSettings {
  /** Server base URL without a trailing `/v1`. */
  endpoint: string;
  /** API key, or `undefined`. Never printed. */
  apiKey: string | undefined;
}

/** What `kode-sandbox gc` kills: the server, then the shared filters. */
export interface GcSettings extends ListSettings, AdminGcSettings {}

/** A parsed command line. */
export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'doctor'; settings: DoctorSettings }
  | { kind: 'list'; settings: ListSettings }
  | { kind: 'gc'; settings: GcSettings };

/** The flags each command accepts (besides --help and --version). */
const COMMAND_FLAGS: Record<string, readonly string[]> = {
  doctor: ['endpoint', 'api-key', 'image', 'use-server-proxy', 'watch', 'json'],
  list: ['endpoint', 'api-key', ...ADMIN_LIST_FLAGS],
  gc: ['endpoint', 'api-key', ...ADMIN_GC_FLAGS],
};

/** Usage text of the `kode-sandbox` bin. */
export const USAGE = `Usage: kode-sandbox doctor [options]
       kode-sandbox list [--metadata k=v]... [--state <state>]... [--json]
       kode-sandbox gc --metadata k=v [--older-than <duration>] [--dry-run] [--all]

Commands:
  doctor    check that an OpenSandbox server is usable from this machine
  list      list the server's sandboxes (--metadata k=v, --state S to filter)
  gc        kill sandboxes left behind

kode-sandbox list [--metadata k=v]... [--state <state>]... [--json]
  Lists sandboxes with id, state, age, image and metadata. Sandboxes created by @kode/opensandbox
  carry the metadata kode.sdk=kode-opensandbox and kode.version=<version>.

kode-sandbox gc --metadata k=v [--metadata k=v]... [--older-than <duration>] [--state <state>]... [--dry-run]
  Kills every sandbox matching all the filters and prints each one it killed. --older-than takes
  30m, 1h, 2d (created longer ago than that). --dry-run prints what would be killed and kills
  nothing. Without --metadata, gc refuses to run unless --all is given (it would kill every
  sandbox on the server, other users' too). Exit code 1 when a kill failed.

kode-sandbox doctor [options]
  Checks, in order, that an OpenSandbox server is usable from this machine: the endpoint answers,
the API key is accepted, a sandbox can be created from the image and disposed, inotifywait exists
in it (needed only by watch.mode 'native'; otherwise a warning), its execd endpoint is reachable
directly (otherwise use useServerProxy: true), and a second sandbox gets an execd of its own (a
Docker server in host network mode gives every sandbox the first one's). Exit code 0 only when
every check passes (warnings pass).

Options:
  --metadata <k=v>      (list, gc) only sandboxes with this metadata pair; repeatable (all must match)
  --state <state>       (list, gc) only sandboxes in this state (Running, Paused, ...); repeatable
  --older-than <dur>    (gc) only sandboxes created longer ago than this (30m, 1h, 2d)
  --dry-run             (gc) print what would be killed, kill nothing
  --all                 (gc) allow running without --metadata
  --endpoint <url>      Server URL (default: $OPEN_SANDBOX_ENDPOINT, then http://localhost:8080)
  --api-key <key>       API key (default: $OPEN_SANDBOX_API_KEY; prefer the variable, argv is visible to other users)
  --image <image>       Image of the test sandbox (default: $OPEN_SANDBOX_IMAGE, then ubuntu)
  --use-server-proxy    Your configuration sets useServerProxy: true (direct execd access is then optional)
  --watch <mode>        Your watch.mode: polling (default), native or off (only native needs inotifywait)
  --json                Print JSON instead of text
  -h, --help            Show this help
  -v, --version         Show the version
`;

/**
 * Parses `kode-sandbox` arguments (without `node` and the script path) with `node:util`
 * `parseArgs` (each command accepts only its own flags; `gc` needs a `--metadata` filter or `--all`), then applies the environment fallbacks (`OPEN_SANDBOX_ENDPOINT`,
 * `OPEN_SANDBOX_API_KEY`, `OPEN_SANDBOX_IMAGE`) and defaults exactly as `new OpenSandbox()` does.
 * Pure apart from reading `process.env`.
 * @throws InvalidArgumentError for an unknown command or flag, a missing value or a malformed endpoint
 */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const line = parseCommandLine(argv, {
    name: 'kode-sandbox',
    options: { endpoint: { type: 'string' }, 'api-key': { type: 'string' }, image: { type: 'string' }, 'use-server-proxy': { type: 'boolean' }, watch: { type: 'string' }, ...ADMIN_ARG_OPTIONS },
    commands: COMMAND_FLAGS,
    suggest: 'doctor',
  });
  if (line.kind !== 'command') return line;
  const { command, values } = line;
  if (command === 'list' || command === 'gc') {
    const server = resolveServer(values.endpoint, values['api-key']);
    const creator = { pair: `${CREATOR_SDK_KEY}=${CREATOR_SDK}`, packageName: '@kode/opensandbox' };
    if (command === 'list') return { kind: 'list', settings: { ...server, ...adminSettings('list', values, creator) } };
    return { kind: 'gc', settings: { ...server, ...adminSettings('gc', values, creator) } };
  }
  const watchMode = values.watch ?? 'polling';
  if (watchMode !== 'polling' && watchMode !== 'native' && watchMode !== 'off') {
    throw new InvalidArgumentError(`--watch must be polling, native or off, got ${JSON.stringify(watchMode)}.`, { hint: 'Run `kode-sandbox --help`.' });
  }

  return withFlagNames((): CliCommand => {
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
  });
}

/** The server address and key from flags, environment fallbacks and defaults (as `new OpenSandbox()`). */
function resolveServer(endpoint: string | undefined, apiKey: string | undefined): { endpoint: string; apiKey: string | undefined } {
  return withFlagNames(() => {
    const resolved = resolveOptions({ kind: 'opensandbox', ...(endpoint !== undefined ? { endpoint } : {}), ...(apiKey !== undefined ? { apiKey } : {}) });
    return { endpoint: resolved.endpoint, apiKey: resolved.apiKey === '' ? undefined : resolved.apiKey };
  });
}

/** Runs `body`, renaming the backend's option names in its `InvalidArgumentError` to flags. */
function withFlagNames<T>(body: () => T): T {
  try {
    return body();
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
