import { InvalidArgumentError } from '@kode/core';
import { z } from 'zod';

/**
 * What a backend's options schema says about one option beyond its type, attached with
 * `schema.meta(…)`: the default as the README shows it, the environment variable it falls back
 * to, and whether it is a secret (left out of `toConfig()` unless `includeSecrets`).
 */
// A type alias (not an interface), so it fits zod's `meta()` parameter.
export type OptionMeta = {
  /** The default as written in the README's options table (e.g. `'/workspace'`, `600000`). Omit for "no default". */
  default?: string;
  /** The environment variable read when the option is absent. */
  env?: string;
  /** The value is a secret: never in messages, left out of `toConfig()` unless `includeSecrets`. */
  secret?: boolean;
  /** An object option documented field by field (`watch.mode`, `watch.pollIntervalMs`). */
  nested?: boolean;
};

/** One row of a backend's options table, derived from its schema. */
export interface OptionRow {
  /** Dotted name, e.g. `watch.mode`. */
  name: string;
  /** The default as the README writes it, or `undefined` when the option has none. */
  default: string | undefined;
  /** The environment fallback, if any. */
  env: string | undefined;
  /** Whether the option is a secret. */
  secret: boolean;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

function expectedText(expected: string): string {
  switch (expected) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a finite number';
    case 'boolean':
      return 'a boolean';
    case 'object':
    case 'record':
      return 'an object';
    case 'array':
      return 'an array';
    default:
      return expected;
  }
}

/** The message of one zod issue, without the field name (`must be …, got …`). Secret inputs are never quoted. */
function issueText(issue: z.core.$ZodIssue, secret: boolean): string {
  const got = secret ? '' : `, got ${describeValue((issue as { input?: unknown }).input)}`;
  // A message given in the schema (`{ error: 'must be …' }`) wins over the generic wording.
  if (!/^(Too (small|big)|Invalid|Expected)/.test(issue.message) && issue.code !== 'custom') return `${issue.message}${got}.`;
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${expectedText(issue.expected)}${got}.`;
    case 'too_small':
      if (issue.origin === 'string') return 'must be a non-empty string.';
      if (issue.origin === 'array') return `must have at least ${String(issue.minimum)} item(s).`;
      return `must be ${issue.inclusive === false ? 'greater than' : 'at least'} ${String(issue.minimum)}${got}.`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}${issue.maximum === 2_147_483_647 || issue.maximum === 2_147_483.647 ? ' (timers cannot wait longer than 2^31 - 1 ms)' : ''}${got}.`;
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}${got}.`;
    case 'invalid_format':
      return `${issue.message}${got}.`;
    case 'custom':
    case 'invalid_element':
    case 'invalid_key':
    case 'invalid_union':
    case 'not_multiple_of':
    case 'unrecognized_keys':
      return issue.message.endsWith('.') ? issue.message : `${issue.message}.`;
  }
}

function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/**
 * Parses `input` with a backend's options schema. The first problem becomes an
 * `InvalidArgumentError` naming the field (`<label> option \`watch.mode\` must be …`); an unknown
 * key lists the known ones. Secret options (`meta({ secret: true })`) never have their value quoted.
 * @throws InvalidArgumentError
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, context: { label: string; backend: string }): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new InvalidArgumentError(`${context.label} options are invalid.`, { backend: context.backend });
  if (issue.path.length === 0 && issue.code === 'invalid_type') {
    throw new InvalidArgumentError(`${context.label} options must be an object, got ${describeValue(input)}.`, { backend: context.backend });
  }
  if (issue.code === 'unrecognized_keys') {
    const key = pathText([...issue.path, issue.keys[0] ?? '']);
    const known = knownKeys(schema, issue.path);
    throw new InvalidArgumentError(`${context.label} option \`${key}\` is not ${/^[aeiou]/i.test(context.label) ? 'an' : 'a'} ${context.label} option.${known.length > 0 ? ` Known options: ${known.join(', ')}.` : ''}`, {
      backend: context.backend,
    });
  }
  if (issue.code === 'invalid_key') {
    // A record key failed: name the record, not `record.<key>`.
    const inner = issue.issues[0]?.message;
    const text = inner !== undefined && !/^(Too|Invalid|Expected)/.test(inner) ? inner : 'has an invalid key';
    throw new InvalidArgumentError(`${context.label} option \`${pathText(issue.path.slice(0, -1))}\` ${text}.`, { backend: context.backend });
  }
  const secret = isSecretPath(schema, issue.path);
  throw new InvalidArgumentError(`${context.label} option \`${pathText(issue.path)}\` ${issueText(issue, secret)}`, { backend: context.backend });
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else return s;
  }
}

function childOf(schema: z.ZodType, key: PropertyKey): z.ZodType | undefined {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) return (s.shape as Record<string, z.ZodType>)[String(key)];
  if (s instanceof z.ZodUnion) {
    for (const option of s.options as z.ZodType[]) {
      const child = childOf(option, key);
      if (child) return child;
    }
  }
  return undefined;
}

function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s: z.ZodType | undefined = schema;
  for (const key of path) s = s ? childOf(s, key) : undefined;
  if (!s) return [];
  const u = unwrap(s);
  if (u instanceof z.ZodObject) return Object.keys(u.shape);
  if (u instanceof z.ZodUnion) for (const o of u.options as z.ZodType[]) if (unwrap(o) instanceof z.ZodObject) return Object.keys((unwrap(o) as z.ZodObject).shape);
  return [];
}

function isSecretPath(schema: z.ZodType, path: readonly PropertyKey[]): boolean {
  let s: z.ZodType | undefined = schema;
  for (const key of path) {
    s = s ? childOf(s, key) : undefined;
    if (s && (s.meta() as OptionMeta | undefined)?.secret) return true;
  }
  return false;
}

/**
 * The options table of a backend, derived from its schema: one row per option, objects marked
 * `nested` flattened to dotted names (`watch.mode`), in schema order.
 * The default is the schema's `.default()` value, else `meta().default`.
 */
export function optionRows(schema: z.ZodObject): OptionRow[] {
  const rows: OptionRow[] = [];
  const visit = (shape: Record<string, z.ZodType>, prefix: string) => {
    for (const [key, field] of Object.entries(shape)) {
      const meta = (field.meta() as OptionMeta | undefined) ?? {};
      const inner = unwrap(field);
      const nested = inner instanceof z.ZodObject ? (inner.shape as Record<string, z.ZodType>) : undefined;
      if (nested && meta.nested === true) {
        visit(nested, `${prefix}${key}.`);
        continue;
      }
      let fallback = meta.default;
      if (fallback === undefined && field instanceof z.ZodDefault) fallback = formatDefault((field.def as { defaultValue: unknown }).defaultValue);
      rows.push({ name: `${prefix}${key}`, default: fallback, env: meta.env, secret: meta.secret === true });
    }
  };
  visit(schema.shape, '');
  return rows;
}

/** A default as the README writes it: strings in single quotes, the rest as JSON. */
function formatDefault(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

/** The names of the top-level options marked `secret` in the schema. */
export function secretOptionNames(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape as Record<string, z.ZodType>)
    .filter(([, field]) => (field.meta() as OptionMeta | undefined)?.secret === true)
    .map(([key]) => key);
}

/**
 * Removes the options marked `secret` in the schema from a config (a copy), unless `includeSecrets`.
 * Used by `toConfig()`.
 */
export function redactSecretOptions<T extends Record<string, unknown>>(schema: z.ZodObject, config: T, options: { includeSecrets: boolean }): T {
  if (options.includeSecrets) return { ...config };
  const copy: Record<string, unknown> = { ...config };
  for (const name of secretOptionNames(schema)) delete copy[name];
  return copy as T;
}

/**
 * Reads the options table of a README (the first Markdown table whose header starts with
 * `| option |`): option names (backticks stripped) and the default column as written. For the
 * drift test that compares a README with {@link optionRows}.
 */
export function readmeOptionRows(markdown: string): Array<{ name: string; default: string }> {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^\|\s*option\s*\|/.test(l));
  if (start < 0) return [];
  const header = splitRow(lines[start] ?? '');
  const defaultColumn = header.findIndex((h) => h === 'default');
  const rows: Array<{ name: string; default: string }> = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cells = splitRow(line);
    rows.push({ name: (cells[0] ?? '').replace(/`/g, ''), default: cells[defaultColumn] ?? '' });
  }
  return rows;
}

function splitRow(line: string): string[] {
  return line
    .replace(/^\|/, '')
    .replace(/\|\s*$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

/**
 * The default column of an option as the README writes it (backticks aside): `env X, then <default>`,
 * `env X`, `<default>` or `—`.
 */
export function optionDefaultText(row: OptionRow): string {
  const parts = [row.env !== undefined ? `env ${row.env}` : undefined, row.default].filter((p): p is string => p !== undefined);
  return parts.length > 0 ? parts.join(', then ') : '—';
}

/**
 * Differences between a README's options table and the schema's rows: missing, extra or reordered
 * option names, and defaults that differ (the README cell with backticks and a trailing
 * parenthetical note removed, against {@link optionDefaultText}). Empty when they agree.
 */
export function optionTableDrift(markdown: string, rows: readonly OptionRow[]): string[] {
  const readme = readmeOptionRows(markdown);
  const problems: string[] = [];
  const readmeNames = readme.map((r) => r.name);
  const schemaNames = rows.map((r) => r.name);
  for (const name of schemaNames) if (!readmeNames.includes(name)) problems.push(`README lacks option ${name}`);
  for (const name of readmeNames) if (!schemaNames.includes(name)) problems.push(`README lists ${name}, which the schema does not have`);
  if (problems.length === 0 && readmeNames.join() !== schemaNames.join()) problems.push(`README order ${readmeNames.join(', ')} differs from the schema's ${schemaNames.join(', ')}`);
  for (const row of rows) {
    const cell = readme.find((r) => r.name === row.name);
    if (!cell) continue;
    const written = cell.default.replace(/`/g, '').replace(/\s+\([^()]+\)$/, '').trim();
    const expected = optionDefaultText(row);
    if (written !== expected) problems.push(`README default of ${row.name} is ${JSON.stringify(written)}, the schema's is ${JSON.stringify(expected)}`);
  }
  return problems;
}
