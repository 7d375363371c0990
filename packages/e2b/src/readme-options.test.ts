import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { e2bOptionNames, e2bOptionsSchema } from './options';

/** The option names in the first column of the README's "## Options" table, in order. */
function readmeOptionNames(): string[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.split(/^## Options\s*$/m)[1]?.split(/^## /m)[0] ?? '';
  const table = section.split(/\n\s*\n/).find((block) => block.trimStart().startsWith('| option |')) ?? '';
  return table
    .split('\n')
    .map((line) => /^\| `([^`]+)` \|/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

describe('README options table', () => {
  it('lists exactly the options of the schema (nested fields as parent.child), in schema order', () => {
    expect(readmeOptionNames()).toEqual(e2bOptionNames());
  });

  it('derives the names from the schema, nested objects expanded', () => {
    const names = e2bOptionNames();
    expect(names).toContain('lifecycle.autoRenew');
    expect(names).toContain('watch.pollIntervalMs');
    expect(names).not.toContain('lifecycle');
    expect(Object.keys(e2bOptionsSchema.shape)).toContain('retry');
  });
});
