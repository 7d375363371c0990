import { describe, expect, it } from 'vitest';
import { applyLiteralEdit, countTextLines, ToolFailure } from '../src/index';

function failure(fn: () => unknown): ToolFailure {
  try {
    fn();
  } catch (error) {
    if (error instanceof ToolFailure) return error;
    throw error;
  }
  throw new Error('expected a ToolFailure');
}

describe('applyLiteralEdit', () => {
  it('takes every $ sequence in the replacement literally', () => {
    for (const replacement of ['$&', '$$', "$'", '$`', '$1', '$<name>', 'a$&b$$c']) {
      const out = applyLiteralEdit('x = OLD;', { oldString: 'OLD', newString: replacement, replaceAll: false });
      expect(out.text).toBe(`x = ${replacement};`);
    }
    const all = applyLiteralEdit('OLD OLD', { oldString: 'OLD', newString: '$&$&', replaceAll: true });
    expect(all.text).toBe('$&$& $&$&');
    expect(all.replacements).toBe(2);
  });

  it('matches regex metacharacters literally', () => {
    const out = applyLiteralEdit('a.b axb (x)', { oldString: '(x)', newString: '[y]', replaceAll: false });
    expect(out.text).toBe('a.b axb [y]');
    expect(failure(() => applyLiteralEdit('axb', { oldString: 'a.b', newString: 'z', replaceAll: false })).code).toBe('NO_MATCH');
  });

  it('requires a unique match unless replace_all, naming the lines', () => {
    const text = 'foo\nbar\nfoo\nbaz foo\n';
    const error = failure(() => applyLiteralEdit(text, { oldString: 'foo', newString: 'qux', replaceAll: false }));
    expect(error.code).toBe('AMBIGUOUS_MATCH');
    expect(error.message).toContain('3 times');
    expect(error.message).toContain('lines 1, 3, 4');
    expect(error.field).toBe('old_string');
    const out = applyLiteralEdit(text, { oldString: 'foo', newString: 'qux', replaceAll: true });
    expect(out.text).toBe('qux\nbar\nqux\nbaz qux\n');
    expect(out.replacements).toBe(3);
  });

  it('rejects an empty old_string and a no-op edit, and reports the first changed line', () => {
    expect(failure(() => applyLiteralEdit('abc', { oldString: '', newString: 'x', replaceAll: true })).field).toBe('old_string');
    expect(failure(() => applyLiteralEdit('abc', { oldString: 'b', newString: 'b', replaceAll: false })).code).toBe('INVALID_INPUT');
    expect(applyLiteralEdit('a\nb\nc\n', { oldString: 'c', newString: 'C', replaceAll: false }).firstLine).toBe(3);
    expect(failure(() => applyLiteralEdit('abc', { oldString: 'x', newString: 'y', replaceAll: false }, 'edits.2.')).field).toBe('edits.2.old_string');
  });

  it('matches a \\n-written multi-line old_string in a CRLF file and keeps the file CRLF', () => {
    const out = applyLiteralEdit('a\r\nb\r\nc\r\n', { oldString: 'a\nb', newString: 'A\nB\nX', replaceAll: false });
    expect(out.text).toBe('A\r\nB\r\nX\r\nc\r\n');
    // An LF file, or an old_string that already matches, is left exactly as given.
    expect(applyLiteralEdit('a\nb\n', { oldString: 'a\nb', newString: 'x\ny', replaceAll: false }).text).toBe('x\ny\n');
    expect(applyLiteralEdit('a\r\nb\nc', { oldString: 'b\nc', newString: 'q\nr', replaceAll: false }).text).toBe('a\r\nq\nr');
  });

  it('counts non-overlapping occurrences like split', () => {
    const out = applyLiteralEdit('aaaa', { oldString: 'aa', newString: 'b', replaceAll: true });
    expect(out.text).toBe('bb');
    expect(out.replacements).toBe(2);
  });
});

describe('countTextLines', () => {
  it('counts lines with and without a final newline', () => {
    expect(countTextLines('')).toBe(0);
    expect(countTextLines('a')).toBe(1);
    expect(countTextLines('a\n')).toBe(1);
    expect(countTextLines('a\nb')).toBe(2);
    expect(countTextLines('\n\n')).toBe(2);
  });
});
