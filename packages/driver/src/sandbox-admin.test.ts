import { InvalidArgumentError } from '@kode/core';
import { describe, expect, it } from 'vitest';
import { adminSettings, formatAge, formatGcSummary, formatList, parseDuration, parseMetadataPairs } from './sandbox-admin';

const creator = { pair: 'kode.sdk=kode-test', packageName: '@kode/test' };

describe('sandbox admin helpers', () => {
  it('refuses durations without a unit and malformed metadata pairs', () => {
    // The accepted forms are checked where they started, in @kode/opensandbox's args.test.ts.
    expect(parseDuration('1.5h', '--older-than')).toBe(5_400_000);
    expect(() => parseDuration('60', '--older-than')).toThrow(InvalidArgumentError);
    expect(parseMetadataPairs(['a=b', 'c=d=e'], 'k=v')).toEqual({ a: 'b', c: 'd=e' });
    expect(() => parseMetadataPairs(['=x'], 'kode.sdk=kode-test')).toThrow(/--metadata must be key=value/);
  });

  it('builds list and gc settings; gc needs a metadata filter or --all, and the hint names the creator pair', () => {
    expect(adminSettings('list', { state: ['s'], json: true }, creator)).toEqual({ metadata: {}, states: ['s'], json: true });
    expect(adminSettings('gc', { all: true, 'older-than': '1h', 'dry-run': true }, creator)).toEqual({ metadata: {}, states: [], json: false, all: true, olderThanMs: 3_600_000, dryRun: true });
    let error: unknown;
    try {
      adminSettings('gc', {}, creator);
    } catch (e) {
      error = e;
    }
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as InvalidArgumentError).hint).toContain('@kode/test carry kode.sdk=kode-test');
  });

  it('formats ages, the list and the gc summary', () => {
    expect([45_000, 720_000, 3 * 3_600_000, 2 * 86_400_000, -5].map(formatAge)).toEqual(['45s', '12m', '3h', '2d', '0s']);
    const now = Date.parse('2026-01-01T01:00:00Z');
    const entry = { sandboxId: 'sb1', state: 'running', image: 'base', metadata: { a: 'b', c: 'd' }, createdAt: new Date(now - 120_000), expiresAt: null };
    expect(formatList([entry], now)).toBe('sb1  running     2m  base  a=b,c=d\n1 sandbox\n');
    expect(formatList([{ ...entry, image: undefined }], now)).toContain('  -  ');
    const settings = { metadata: { a: 'b' }, states: [], json: false, all: false, olderThanMs: 3_600_000, dryRun: false };
    const failed = { sandboxId: 'sb2', outcome: 'failed' as const, ageMs: 1, metadata: {}, error: 'x' };
    const killed = { sandboxId: 'sb1', outcome: 'killed' as const, ageMs: 1, metadata: {} };
    expect(formatGcSummary({ matched: 3, actions: [killed, failed], dryRun: false }, settings)).toBe('killed 1 of 3 matching sandboxes; 1 kill failed (older than 3600 s).\n');
    expect(formatGcSummary({ matched: 1, actions: [], dryRun: true }, { ...settings, dryRun: true, olderThanMs: undefined })).toBe('dry run: would kill 0 of 1 matching sandbox.\n');
  });
});
