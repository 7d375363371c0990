import { InvalidArgumentError } from '@kode/core';
import { ADMIN_ARG_OPTIONS, ADMIN_GC_FLAGS, ADMIN_LIST_FLAGS, adminSettings, type AdminGcSettings, type AdminListSettings } from '@kode/driver';
import { parseCommandLine } from '@kode/driver/cli';
import { CREATOR_SDK, CREATOR_SDK_KEY } from '../options';

/** Where `kode-e2b` talks to: flags, then `E2B_API_KEY` / `E2B_DOMAIN` / `E2B_API_URL`, then the client's defaults. */
export interface E2BServerSettings {
  /** API key, or `undefined` (then `list`/`gc` fail with AuthenticationFailedError). Never printed. */
  apiKey: string | undefined;
  /** E2B domain, or `undefined` for the client's default (`e2b.app`). */
  domain: string | undefined;
  /** Control-plane URL, or `undefined` for `https://api.<domain>`. */
  apiUrl: string | undefined;
}

/** What `kode-e2b list` lists. */
export interface E2BListSettings extends AdminListSettings, E2BServerSettings {}

/** What `kode-e2b gc` kills. */
export interface E2BGcSettings extends E2BListSettings, AdminGcSettings {}

/** A parsed `kode-e2b` command line. */
export type E2BCliCommand = { kind: 'help' } | { kind: 'version' } | { kind: 'list'; settings: E2BListSettings } | { kind: 'gc'; settings: E2BGcSettings };

const SERVER_FLAGS = ['api-key', 'domain', 'api-url'];
/** The flags each command accepts (besides --help and --version). */
const COMMAND_FLAGS: Record<string, readonly string[]> = {
  list: [...SERVER_FLAGS, ...ADMIN_LIST_FLAGS],
  gc: [...SERVER_FLAGS, ...ADMIN_GC_FLAGS],
};

/** Usage text of the `kode-e2b` bin. */
export const USAGE = `Usage: kode-e2b list [--metadata k=v]... [--state <state>]... [--json]
       kode-e2b gc --metadata k=v [--older-than <duration>] [--dry-run] [--all]

Commands:
  list      list the E2B team's sandboxes (--metadata k=v, --state S to filter)
  gc        kill sandboxes left behind

kode-e2b list [--metadata k=v]... [--state <state>]... [--json]
  Lists sandboxes with id, state, age, template and metadata. Sandboxes created by @kode/e2b
  carry the metadata ${CREATOR_SDK_KEY}=${CREATOR_SDK} and kode.version=<version>.

kode-e2b gc --metadata k=v [--metadata k=v]... [--older-than <duration>] [--state <state>]... [--dry-run]
  Kills every sandbox matching all the filters and prints each one it killed. --older-than takes
  30m, 1h, 2d (created longer ago than that). --dry-run prints what would be killed and kills
  nothing. Without --metadata, gc refuses to run unless --all is given (it would kill every
  sandbox of the team, other users' too). Exit code 1 when a kill failed.

Options:
  --metadata <k=v>      (list, gc) only sandboxes with this metadata pair; repeatable (all must match)
  --state <state>       (list, gc) only sandboxes in this state (running, paused); repeatable; default both
  --older-than <dur>    (gc) only sandboxes created longer ago than this (30m, 1h, 2d)
  --dry-run             (gc) print what would be killed, kill nothing
  --all                 (gc) allow running without --metadata
  --api-key <key>       API key (default: $E2B_API_KEY; prefer the variable, argv is visible to other users)
  --domain <domain>     E2B domain (default: $E2B_DOMAIN, then e2b.app)
  --api-url <url>       Control-plane URL (default: $E2B_API_URL, then https://api.<domain>)
  --json                Print JSON instead of text
  -h, --help            Show this help
  -v, --version         Show the version
`;

function usageError(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message, { hint: 'Run `kode-e2b --help`.' });
}

function envValue(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Parses `kode-e2b` arguments (without `node` and the script path) with `node:util` `parseArgs`
 * (each command accepts only its own flags; `gc` needs a `--metadata` filter or `--all`; states
 * are matched case-insensitively and sent lower-case), then applies the environment fallbacks
 * `E2B_API_KEY`, `E2B_DOMAIN`, `E2B_API_URL`. Pure apart from reading `process.env`.
 * @throws InvalidArgumentError for an unknown command or flag, a missing value, a bad state, duration or URL
 */
export function parseE2BCliArgs(argv: readonly string[]): E2BCliCommand {
  const line = parseCommandLine(argv, {
    name: 'kode-e2b',
    options: { 'api-key': { type: 'string' }, domain: { type: 'string' }, 'api-url': { type: 'string' }, ...ADMIN_ARG_OPTIONS },
    commands: COMMAND_FLAGS,
    suggest: 'list',
  });
  if (line.kind !== 'command') return line;
  const { command, values } = line;
  const states = (values.state ?? []).map((s) => s.toLowerCase());
  const badState = states.find((s) => s !== 'running' && s !== 'paused');
  if (badState !== undefined) throw usageError(`--state must be running or paused, got ${JSON.stringify(badState)}.`);
  const apiUrl = values['api-url'] ?? envValue('E2B_API_URL');
  if (apiUrl !== undefined && !/^https?:\/\/[^/]/.test(apiUrl)) {
    throw usageError(`--api-url${values['api-url'] === undefined ? ' (from E2B_API_URL)' : ''} must be an absolute http(s) URL, got ${JSON.stringify(apiUrl)}.`);
  }
  const server: E2BServerSettings = { apiKey: values['api-key'] ?? envValue('E2B_API_KEY'), domain: values.domain ?? envValue('E2B_DOMAIN'), apiUrl };
  const creator = { pair: `${CREATOR_SDK_KEY}=${CREATOR_SDK}`, packageName: '@kode/e2b', scope: 'of the API key\'s team' };
  const filters = { ...values, state: states };
  if (command === 'list') return { kind: 'list', settings: { ...server, ...adminSettings('list', filters, creator) } };
  // COMMAND_FLAGS has only list and gc.
  return { kind: 'gc', settings: { ...server, ...adminSettings('gc', filters, creator) } };
}
