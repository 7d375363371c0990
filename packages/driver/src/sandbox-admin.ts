import { InvalidArgumentError } from '@kode/core';

/**
 * What every backend's admin CLI shares for finding and cleaning up sandboxes (`kode-sandbox list/gc`
 * of `@kode/opensandbox`, `kode-e2b list/gc` of `@kode/e2b`): the entry shape of a listing, the
 * `--metadata`/`--state`/`--older-than`/`--dry-run`/`--all`/`--json` flags, the age filter, the
 * sequential kills and the text each command prints. A backend adds only its server flags and a
 * {@link SandboxAdminPort} (list + kill through its own client).
 */

/** One sandbox of a backend's listing (`OpenSandbox.list`, `E2BSandbox.list`). */
export interface SandboxListEntry {
  sandboxId: string;
  /** Lifecycle state as the backend reports it (OpenSandbox `'Running'`, E2B `'running'`, …). */
  state: string;
  /** Image or template the sandbox was made from, or `undefined` when the backend does not say. */
  image: string | undefined;
  /** Metadata labels (sandboxes a KODE backend created carry `kode.sdk` and `kode.version`). */
  metadata: Record<string, string>;
  createdAt: Date;
  /** When the backend deletes the sandbox, or `null` for one without automatic expiry. */
  expiresAt: Date | null;
}

/** The filters and output of `list` (and of `gc`, which lists first). */
export interface AdminListSettings {
  /** Metadata pairs every listed sandbox must carry (`--metadata k=v`, repeatable). */
  metadata: Record<string, string>;
  /** States to list (`--state S`, repeatable); empty = the backend's default. */
  states: string[];
  /** Print JSON instead of text. */
  json: boolean;
}

/** What `gc` kills, on top of the list filters. */
export interface AdminGcSettings extends AdminListSettings {
  /** Only sandboxes created longer ago than this many milliseconds (`--older-than 1h`). */
  olderThanMs: number | undefined;
  /** Print what would be killed, kill nothing. */
  dryRun: boolean;
  /** `--all`: allowed to run without a `--metadata` filter. */
  all: boolean;
}

/** What a backend gives the shared `list`/`gc` code: its listing and its kill, both already filtered and mapped. */
export interface SandboxAdminPort {
  /** Every sandbox matching `settings.metadata` (all pairs) and `settings.states` (any), all pages. */
  list(settings: AdminListSettings): Promise<SandboxListEntry[]>;
  /** Kills one sandbox; a sandbox already gone must resolve (counts as killed). Errors already redacted. */
  kill(sandboxId: string): Promise<void>;
}

/** One line of `gc`'s outcome. */
export interface GcAction {
  sandboxId: string;
  /** `'killed'`, `'would-kill'` (dry run) or `'failed'` (the message says why). */
  outcome: 'killed' | 'would-kill' | 'failed';
  ageMs: number;
  metadata: Record<string, string>;
  /** Why the kill failed (already redacted). */
  error?: string;
}

/** What `gc` did. */
export interface GcReport {
  /** Sandboxes that matched the filters (before the age filter). */
  matched: number;
  actions: GcAction[];
  dryRun: boolean;
}

/** The `node:util` `parseArgs` options of the shared `list`/`gc` flags (merge them with the backend's own). */
export const ADMIN_ARG_OPTIONS = {
  json: { type: 'boolean' },
  metadata: { type: 'string', multiple: true },
  state: { type: 'string', multiple: true },
  'older-than': { type: 'string' },
  'dry-run': { type: 'boolean' },
  all: { type: 'boolean' },
} as const;

/** The shared flags `list` accepts (besides the backend's server flags). */
export const ADMIN_LIST_FLAGS: readonly string[] = ['metadata', 'state', 'json'];
/** The shared flags `gc` accepts (besides the backend's server flags). */
export const ADMIN_GC_FLAGS: readonly string[] = ['metadata', 'state', 'older-than', 'dry-run', 'all', 'json'];

/** The values `parseArgs` gives for {@link ADMIN_ARG_OPTIONS}. */
export interface AdminArgValues {
  json?: boolean | undefined;
  metadata?: string[] | undefined;
  state?: string[] | undefined;
  'older-than'?: string | undefined;
  'dry-run'?: boolean | undefined;
  all?: boolean | undefined;
}

/** Who creates a backend's sandboxes, for the hints of `adminSettings`. */
export interface AdminCreator {
  /** The creator metadata pair, e.g. `kode.sdk=kode-e2b`. */
  pair: string;
  /** The npm package, e.g. `@kode/e2b`. */
  packageName: string;
  /** Where `gc --all` kills, e.g. `'of the team'`. Default `'on the server'`. */
  scope?: string;
}

const DURATION_UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration such as `90s`, `30m`, `1h`, `2d` or `1.5h` into milliseconds.
 * @throws InvalidArgumentError for anything else (a bare number too: the unit is required)
 */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError(`${flag} must be a duration such as 30m, 1h or 2d, got ${JSON.stringify(text)}.`, { hint: 'Units: s, m, h, d.' });
  return Math.round(Number(match[1]) * (DURATION_UNITS_MS[match[2] ?? 's'] ?? 1000));
}

/**
 * Parses repeated `--metadata key=value` flags (the value may contain `=`).
 * @param example a pair for the hint, e.g. `kode.sdk=kode-opensandbox`
 * @throws InvalidArgumentError for a pair without `=` or with an empty key
 */
export function parseMetadataPairs(pairs: readonly string[], example: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`--metadata must be key=value, got ${JSON.stringify(pair)}.`, { hint: `Example: --metadata ${example}` });
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/**
 * The settings of `list` or `gc` from the shared flags. `gc` needs at least one `--metadata`
 * filter unless `--all` is given (on a shared server it would kill other users' sandboxes).
 * @param creator for hints: the metadata pair this backend's sandboxes carry (`kode.sdk=kode-e2b`), the package name, and where `--all` kills (default `'on the server'`)
 * @throws InvalidArgumentError for a malformed pair or duration, or `gc` without a filter
 */
export function adminSettings(
  command: 'list',
  values: AdminArgValues,
  creator: AdminCreator,
): AdminListSettings;
export function adminSettings(command: 'gc', values: AdminArgValues, creator: AdminCreator): AdminGcSettings;
export function adminSettings(command: 'list' | 'gc', values: AdminArgValues, creator: AdminCreator): AdminListSettings | AdminGcSettings {
  const base: AdminListSettings = { metadata: parseMetadataPairs(values.metadata ?? [], creator.pair), states: values.state ?? [], json: values.json === true };
  if (command === 'list') return base;
  const all = values.all === true;
  if (!all && Object.keys(base.metadata).length === 0) {
    throw new InvalidArgumentError('gc needs at least one --metadata k=v filter.', {
      hint: `Sandboxes made by ${creator.packageName} carry ${creator.pair}. Pass --all to kill every matching sandbox ${creator.scope ?? 'on the server'} (other users' too).`,
    });
  }
  return {
    ...base,
    olderThanMs: values['older-than'] !== undefined ? parseDuration(values['older-than'], '--older-than') : undefined,
    dryRun: values['dry-run'] === true,
    all,
  };
}

/** A compact age: `45s`, `12m`, `3h`, `2d`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

function formatMetadata(metadata: Record<string, string>): string {
  return Object.entries(metadata)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** `list` as text: one line per sandbox (id, state, age, image, metadata), then a count. */
export function formatList(entries: readonly SandboxListEntry[], now: number): string {
  const lines = entries.map((e) => `${e.sandboxId}  ${e.state.padEnd(9)} ${formatAge(now - e.createdAt.getTime()).padStart(4)}  ${e.image ?? '-'}  ${formatMetadata(e.metadata)}`);
  lines.push(`${entries.length} sandbox${entries.length === 1 ? '' : 'es'}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Lists the sandboxes matching the filters, keeps those older than `olderThanMs`, and kills each
 * one (sequentially; a sandbox already gone counts as killed) unless `dryRun`. A failed kill is
 * reported and the others still run. Writes one line per sandbox to `out` as it goes.
 * @throws what `port.list` throws (nothing is killed then)
 */
export async function runGc(port: SandboxAdminPort, settings: AdminGcSettings, out: (line: string) => void): Promise<GcReport> {
  const now = Date.now();
  const entries = await port.list(settings);
  const old = entries.filter((e) => settings.olderThanMs === undefined || now - e.createdAt.getTime() > settings.olderThanMs);
  const actions: GcAction[] = [];
  for (const e of old) {
    const base = { sandboxId: e.sandboxId, ageMs: now - e.createdAt.getTime(), metadata: e.metadata };
    if (settings.dryRun) {
      actions.push({ ...base, outcome: 'would-kill' });
      out(`would kill ${e.sandboxId} (${e.state}, ${formatAge(base.ageMs)} old, ${formatMetadata(e.metadata)})`);
      continue;
    }
    try {
      await port.kill(e.sandboxId);
      actions.push({ ...base, outcome: 'killed' });
      out(`killed ${e.sandboxId} (${e.state}, ${formatAge(base.ageMs)} old, ${formatMetadata(e.metadata)})`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      actions.push({ ...base, outcome: 'failed', error: message });
      out(`failed to kill ${e.sandboxId}: ${message}`);
    }
  }
  return { matched: entries.length, actions, dryRun: settings.dryRun };
}

/** The closing line of `gc` in text mode: `killed 2 of 3 matching sandboxes (older than 3600 s).` */
export function formatGcSummary(report: GcReport, settings: AdminGcSettings): string {
  const failed = report.actions.filter((a) => a.outcome === 'failed').length;
  const done = report.actions.length - failed;
  return `${settings.dryRun ? `dry run: would kill ${done}` : `killed ${done}`} of ${report.matched} matching sandbox${report.matched === 1 ? '' : 'es'}${failed > 0 ? `; ${failed} kill${failed === 1 ? '' : 's'} failed` : ''}${settings.olderThanMs !== undefined ? ` (older than ${settings.olderThanMs / 1000} s)` : ''}.\n`;
}

/**
 * Runs `list` or `gc` through `port` and writes its output with `write` (text or, with `json`,
 * one JSON document). Returns the exit code: 0, or 1 when a `gc` kill failed.
 * @throws what `port.list` throws (the bin reports it and exits 1)
 */
export async function runAdminCommand(
  command: { kind: 'list'; settings: AdminListSettings } | { kind: 'gc'; settings: AdminGcSettings },
  port: SandboxAdminPort,
  write: (text: string) => void,
): Promise<number> {
  if (command.kind === 'list') {
    const entries = await port.list(command.settings);
    write(command.settings.json ? `${JSON.stringify(entries, null, 2)}\n` : formatList(entries, Date.now()));
    return 0;
  }
  const { settings } = command;
  const report = await runGc(port, settings, (line) => {
    if (!settings.json) write(`${line}\n`);
  });
  write(settings.json ? `${JSON.stringify(report, null, 2)}\n` : formatGcSummary(report, settings));
  return report.actions.some((a) => a.outcome === 'failed') ? 1 : 0;
}
