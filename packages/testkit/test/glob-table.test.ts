import { normalizeGlobPattern, selectGlobMatches } from '@kode/core';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { GLOB_TABLE, GLOB_TREE } from '../src/cases/glob-table';

const compile = (pattern: string, options: { dot: boolean }) => picomatch(pattern, options);

/** Regular files of GLOB_TREE below `cwd` (relative to the tree root), relative to `cwd`. */
function filesBelow(cwd: string | undefined): string[] {
  if (cwd === undefined) return [...GLOB_TREE];
  return GLOB_TREE.filter((f) => f.startsWith(`${cwd}/`)).map((f) => f.slice(cwd.length + 1));
}

describe('the glob table agrees with the shared semantics of @kode/core', () => {
  it.each(GLOB_TABLE.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    const { cwd, ignore, dot, limit } = row.options ?? {};
    const pattern = normalizeGlobPattern(row.pattern, '/w');
    expect(selectGlobMatches({ files: filesBelow(cwd), pattern, ignore, dot, limit, compile })).toEqual(row.expected);
  });

  it('has unique row names and a tree of unique files', () => {
    expect(new Set(GLOB_TABLE.map((r) => r.name)).size).toBe(GLOB_TABLE.length);
    expect(new Set(GLOB_TREE).size).toBe(GLOB_TREE.length);
  });
});
