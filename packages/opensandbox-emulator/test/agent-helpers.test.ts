// Unit tests of the pure parts of the in-sandbox agent (its modules, imported without starting it).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EventStream } from '../src/execd-agent/event-stream';
import { formatNs } from '../src/execd-agent/file-info';
import { globToRegExp } from '../src/execd-agent/glob';
import { LineSplitter } from '../src/execd-agent/line-splitter';
import { parseRange } from '../src/execd-agent/download';
import { parseGoDuration } from '../src/execd-agent/settings';

const agent = { EventStream, formatNs, globToRegExp, LineSplitter, parseRange, parseGoDuration };

describe('event stream frames', () => {
  it("leave out zero values as execd's omitempty does (execution_time 0, empty text)", async () => {
    const server = createServer((_req, res) => {
      const stream = new agent.EventStream(res);
      stream.send({ type: 'stdout', text: '' });
      stream.send({ type: 'execution_complete', execution_time: 0 });
      stream.send({ type: 'execution_complete', execution_time: 7 });
      stream.finish();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const text = await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)).text();
      const frames = text.split('\n\n').filter((f) => f !== '').map((f) => JSON.parse(f) as Record<string, unknown>);
      expect(frames.map(({ timestamp, ...rest }) => (expect(typeof timestamp).toBe('number'), rest))).toEqual([
        { type: 'stdout' },
        { type: 'execution_complete' },
        { type: 'execution_complete', execution_time: 7 },
      ]);
    } finally {
      server.close();
    }
  });
});

describe('search globs (doublestar, matched against base names)', () => {
  it.each([
    ['*.txt', 'a.txt', true],
    ['*.txt', 'a.txt.bak', false],
    ['**', 'anything', true],
    ['**/*.txt', 'notes.txt', true],
    ['*.{ts,js}', 'x.js', true],
    ['*.{ts,js}', 'x.py', false],
    ['{a,b{c,d}}', 'bd', true],
    ['file?.log', 'file1.log', true],
    ['file?.log', 'file10.log', false],
    ['[abc]*', 'beta', true],
    ['[!abc]*', 'beta', false],
    ['[^abc]*', 'delta', true],
    ['[a-c]x', 'bx', true],
    ['\\*literal', '*literal', true],
    ['\\*literal', 'xliteral', false],
    ['.hidden', '.hidden', true],
    ['a.b', 'axb', false],
    ['(x)+', '(x)+', true],
  ])('%s vs %s → %s', (pattern, name, expected) => {
    expect(agent.globToRegExp(pattern).test(name)).toBe(expected);
  });

  it.each(['[', 'a[', '[]', '{a,b', 'x\\'])('%s is a bad pattern (500 RUNTIME_ERROR)', (pattern) => {
    expect(() => agent.globToRegExp(pattern)).toThrow(/invalid pattern/);
  });
});

describe('line splitting like execd', () => {
  function split(chunks: string[]): string[] {
    const lines: string[] = [];
    const splitter = new agent.LineSplitter((l) => lines.push(l));
    for (const c of chunks) splitter.push(Buffer.from(c));
    splitter.end();
    return lines;
  }

  it('splits on \\n and \\r, \\r\\n once, even across chunks; blank → "\\n"; tail flushed', () => {
    expect(split(['a\nb\r\nc\rd'])).toEqual(['a', 'b', 'c', 'd']);
    expect(split(['a\r', '\nb\n'])).toEqual(['a', 'b']);
    expect(split(['a\n\n\nb'])).toEqual(['a', '\n', '\n', 'b']);
    expect(split(['par', 'tial', ' line'])).toEqual(['partial line']);
    expect(split(['\n'])).toEqual(['\n']);
    expect(split([])).toEqual([]);
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const bytes = Buffer.from('héllo wörld\n');
    const lines: string[] = [];
    const splitter = new agent.LineSplitter((l) => lines.push(l));
    for (let i = 0; i < bytes.length; i++) splitter.push(bytes.subarray(i, i + 1));
    splitter.end();
    expect(lines).toEqual(['héllo wörld']);
  });
});

describe('ranges, durations, timestamps', () => {
  it.each([
    ['bytes=0-4', 10, { start: 0, end: 4 }],
    ['bytes=5-', 10, { start: 5, end: 9 }],
    ['bytes=-3', 10, { start: 7, end: 9 }],
    ['bytes=8-100', 10, { start: 8, end: 9 }],
    ['bytes=0-1,4-5', 10, { start: 0, end: 1 }],
    ['bytes=10-12', 10, 'unsatisfiable'],
    ['bytes=12-,0-1', 10, { start: 0, end: 1 }],
    ['bytes=-20', 10, { start: 0, end: 9 }],
    ['bytes=5-2', 10, 'invalid'],
    ['items=0-1', 10, 'invalid'],
    ['bytes=a-b', 10, 'invalid'],
    ['bytes=-0', 10, 'unsatisfiable'],
    ['bytes=0-0', 0, 'unsatisfiable'],
  ])('%s of %i bytes', (header, size, expected) => {
    expect(agent.parseRange(header, size)).toEqual(expected);
  });

  it('parses Go durations like EXECD_API_GRACE_SHUTDOWN', () => {
    expect(agent.parseGoDuration('3s')).toBe(3000);
    expect(agent.parseGoDuration('400ms')).toBe(400);
    expect(agent.parseGoDuration('1m30s')).toBe(90_000);
    expect(agent.parseGoDuration('1.5s')).toBe(1500);
    expect(agent.parseGoDuration('soon')).toBeUndefined();
    expect(agent.parseGoDuration(undefined)).toBeUndefined();
  });

  it('formats nanosecond timestamps as RFC 3339 that Date parses', () => {
    expect(agent.formatNs(1_700_000_000_123_456_789n)).toBe('2023-11-14T22:13:20.123456789Z');
    expect(agent.formatNs(1_700_000_000_000_000_000n)).toBe('2023-11-14T22:13:20Z');
    expect(new Date(agent.formatNs(1_700_000_000_500_000_000n)).getTime()).toBe(1_700_000_000_500);
  });
});
