import { ToolFailure } from './tool-error';

/** One literal replacement to apply to a text. */
export interface LiteralEdit {
  /** Exact text to find (non-empty). */
  oldString: string;
  /** Replacement text, inserted literally (`$&`, `$1`, `$$` have no special meaning). */
  newString: string;
  /** Replace every occurrence; otherwise exactly one must exist. */
  replaceAll: boolean;
}

/** Result of {@link applyLiteralEdit}. */
export interface LiteralEditResult {
  text: string;
  /** How many occurrences were replaced. */
  replacements: number;
  /** 1-based line of the first replacement in the new text. */
  firstLine: number;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function occurrences(text: string, needle: string): number[] {
  const at: number[] = [];
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) at.push(i);
  return at;
}

/**
 * fs_read shows CRLF files without the `\r`, so a model's multi-line `old_string` uses `\n`. When
 * the file has CRLF line ends and `old_string` has a bare `\n` but does not match as given, both
 * strings are converted to CRLF; anything else is left exactly as given.
 */
function withFileLineEndings(text: string, edit: LiteralEdit): LiteralEdit {
  const { oldString, newString } = edit;
  if (!text.includes('\r\n') || !oldString.includes('\n') || oldString.includes('\r') || text.includes(oldString)) return edit;
  const crlf = (s: string): string => s.replace(/\r?\n/g, '\r\n');
  return { ...edit, oldString: crlf(oldString), newString: crlf(newString) };
}

/**
 * Applies one literal edit. Matching is exact (no regex, no whitespace folding); the replacement
 * is spliced in by index or split/join, so `$` sequences stay literal. In a CRLF file a multi-line
 * `old_string` written with `\n` matches the file's `\r\n` (and `new_string` gets `\r\n` too).
 * @throws ToolFailure `INVALID_INPUT` (empty or unchanged text), `NO_MATCH`, `AMBIGUOUS_MATCH` (lists the lines)
 */
export function applyLiteralEdit(text: string, edit: LiteralEdit, fieldPrefix = ''): LiteralEditResult {
  const { oldString, newString, replaceAll } = withFileLineEndings(text, edit);
  if (oldString === '') {
    throw new ToolFailure('INVALID_INPUT', 'old_string must not be empty.', { field: `${fieldPrefix}old_string`, hint: 'To create or overwrite a file use fs_write.' });
  }
  if (oldString === newString) {
    throw new ToolFailure('INVALID_INPUT', 'old_string and new_string are identical; the edit would change nothing.', { field: `${fieldPrefix}new_string` });
  }
  const at = occurrences(text, oldString);
  if (at.length === 0) {
    throw new ToolFailure('NO_MATCH', 'old_string was not found in the file.', {
      field: `${fieldPrefix}old_string`,
      hint: 'Matching is exact, including whitespace and indentation. Read the file again with fs_read and copy the text exactly (without the line-number prefix).',
    });
  }
  if (at.length > 1 && !replaceAll) {
    const lines = [...new Set(at.map((i) => lineAt(text, i)))].slice(0, 10);
    throw new ToolFailure('AMBIGUOUS_MATCH', `old_string occurs ${at.length} times (lines ${lines.join(', ')}${at.length > lines.length ? ', …' : ''}).`, {
      field: `${fieldPrefix}old_string`,
      hint: 'Include more surrounding lines in old_string so it matches exactly once, or set replace_all: true to change every occurrence.',
    });
  }
  const first = at[0] ?? 0;
  const out = replaceAll ? text.split(oldString).join(newString) : text.slice(0, first) + newString + text.slice(first + oldString.length);
  return { text: out, replacements: replaceAll ? at.length : 1, firstLine: lineAt(out, first) };
}

/** Number of lines of `text` (a trailing newline does not start a new line; `''` has 0). */
export function countTextLines(text: string): number {
  if (text === '') return 0;
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return text.endsWith('\n') ? n - 1 : n;
}
