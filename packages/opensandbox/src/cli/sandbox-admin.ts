import { killOpenSandbox, listOpenSandboxes, type OpenSandboxListEntry } from '../list-sandboxes';
import type { GcSettings, ListSettings } from './args';

/** One line of `kode-sandbox gc`'s outcome. */
export interface GcAction {
  sandboxId: string;
  /** `'killed'`, `'would-kill'` (dry run) or `'failed'` (the message says why). */
  outcome: 'killed' | 'would-kill' | 'failed';
  ageMs: number;
  metadata: Record<string, string>;
  /** Why the kill failed (already redacted). */
  error?: string;
}

/** What `kode-sandbox gc` did. */
export interface GcReport {
  /** Sandboxes that matched the filters (before the age filter). */
  matched: number;
  actions: GcAction[];
  dryRun: boolean;
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

/** The sandboxes `list` prints, from the server. */
export function listFor(settings: ListSettings): Promise<OpenSandboxListEntry[]> {
  return listOpenSandboxes({
    endpoint: settings.endpoint,
    ...(settings.apiKey !== undefined ? { apiKey: settings.apiKey } : {}),
    metadata: settings.metadata,
    states: settings.states,
  });
}

/** `kode-sandbox list` as text: one line per sandbox (id, state, age, image, metadata), then a count. */
export function formatList(entries: readonly OpenSandboxListEntry[], now: number): string {
  const lines = entries.map((e) => `${e.sandboxId}  ${e.state.padEnd(9)} ${formatAge(now - e.createdAt.getTime()).padStart(4)}  ${e.image ?? '-'}  ${formatMetadata(e.metadata)}`);
  lines.push(`${entries.length} sandbox${entries.length === 1 ? '' : 'es'}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Lists the sandboxes matching the filters, keeps those older than `olderThanMs`, and kills each
 * one (sequentially; a sandbox already gone counts as killed) unless `dryRun`. A failed kill is
 * reported and the others still run. Writes one line per sandbox to `out` as it goes.
 */
export async function runGc(settings: GcSettings, out: (line: string) => void): Promise<GcReport> {
  const now = Date.now();
  const entries = await listFor(settings);
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
      await killOpenSandbox({ sandboxId: e.sandboxId, endpoint: settings.endpoint, ...(settings.apiKey !== undefined ? { apiKey: settings.apiKey } : {}) });
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
