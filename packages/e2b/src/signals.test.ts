import { describe, expect, it } from 'vitest';
import { exitCodeFromEnd } from './signals';

describe('exit codes from envd end events', () => {
  it('keeps normal exit codes', () => {
    expect(exitCodeFromEnd(0, undefined)).toBe(0);
    expect(exitCodeFromEnd(3, 'exit status 3')).toBe(3);
  });

  it('turns Go signal texts into 128 + n', () => {
    expect(exitCodeFromEnd(-1, 'signal: killed')).toBe(137);
    expect(exitCodeFromEnd(-1, 'signal: terminated')).toBe(143);
    expect(exitCodeFromEnd(-1, 'signal: interrupt')).toBe(130);
    expect(exitCodeFromEnd(-1, 'signal: hangup')).toBe(129);
    expect(exitCodeFromEnd(-1, 'signal: segmentation fault')).toBe(139);
  });

  it('treats an unknown signal death as SIGKILL', () => {
    expect(exitCodeFromEnd(-1, undefined)).toBe(137);
    expect(exitCodeFromEnd(-1, 'signal: something new')).toBe(137);
  });
});
