import { describe, expect, it } from 'vitest';
import { InotifyRecordParser, parseInotifyRecord } from './inotify-parser';

function feed(lines: string[]) {
  const parser = new InotifyRecordParser();
  return lines.map((line) => parser.push(line)).filter((o) => o !== undefined);
}

describe('parseInotifyRecord', () => {
  it.each([
    ['CREATE /w/a', 'create', false],
    ['MOVED_TO /w/a', 'create', false],
    ['CREATE,ISDIR /w/d', 'create', true],
    ['MODIFY /w/a', 'modify', false],
    ['CLOSE_WRITE,CLOSE /w/a', 'modify', false],
    ['DELETE /w/a', 'delete', false],
    ['MOVED_FROM /w/a', 'delete', false],
    ['DELETE,ISDIR /w/d', 'delete', true],
  ] as const)('%s → %s', (text, type, isDirectory) => {
    expect(parseInotifyRecord(text)).toEqual({ type, path: text.slice(text.indexOf(' ') + 1), isDirectory, self: false });
  });

  it('maps DELETE_SELF / MOVE_SELF of a watched directory (printed with a trailing slash) to delete', () => {
    expect(parseInotifyRecord('DELETE_SELF /w/d/')).toEqual({ type: 'delete', path: '/w/d', isDirectory: false, self: true });
    expect(parseInotifyRecord('MOVE_SELF /w/d/')?.path).toBe('/w/d');
  });

  it('ignores records it does not report and malformed text', () => {
    expect(parseInotifyRecord('IGNORED /w/a')).toBeUndefined();
    expect(parseInotifyRecord('UNMOUNT /w')).toBeUndefined();
    expect(parseInotifyRecord('Setting up watches.')).toBeUndefined();
    expect(parseInotifyRecord('')).toBeUndefined();
  });
});

describe('InotifyRecordParser', () => {
  it('reassembles names containing newlines, including empty lines and trailing newlines', () => {
    const outputs = feed(['CREATE /w/a', 'b//', 'CREATE /w/', '', 'x', '//', 'MODIFY /w/plain//', 'DELETE /w/end', '//']);
    expect(outputs.map((o) => (o.kind === 'event' ? o.record.path : o.kind))).toEqual(['/w/a\nb', '/w/\n\nx\n', '/w/plain', '/w/end\n']);
  });

  it('keeps spaces, quotes, $(...), backticks, dashes, unicode and single slashes after newlines', () => {
    const name = " -x 'q' \"d\" $(rm -rf /) `id` ü✓ \\ ;|&";
    expect(feed([`CREATE /w/${name}//`])).toEqual([
      { kind: 'event', record: { type: 'create', path: `/w/${name}`, isDirectory: false, self: false } },
    ]);
    // a directory whose name ends in a newline: "/w/d\n/f"
    expect(feed(['CREATE /w/d', '/f//'])[0]).toMatchObject({ kind: 'event', record: { path: '/w/d\n/f' } });
  });

  it('recognises the ready record', () => {
    expect(feed(['KODE_INOTIFY_READY//'])).toEqual([{ kind: 'ready' }]);
  });
});
