import { describe, expect, it } from 'vitest';
import { exitCodeOf, UNKNOWN_SIGNAL_EXIT_CODE } from './exit-code';

describe('exitCodeOf', () => {
  it('passes plain exit codes through', () => {
    expect(exitCodeOf({ value: '0', detail: '' })).toBe(0);
    expect(exitCodeOf({ value: '7', detail: 'exit status 7' })).toBe(7);
    expect(exitCodeOf({ value: ' 127 ', detail: '' })).toBe(127);
  });

  it('turns a signal death into 128 + n', () => {
    expect(exitCodeOf({ value: '-1', detail: 'signal: killed' })).toBe(137);
    expect(exitCodeOf({ value: '-1', detail: 'signal: terminated' })).toBe(143);
    expect(exitCodeOf({ value: '-1', detail: 'SIGINT' })).toBe(128 + 2);
    expect(exitCodeOf({ value: '-1', detail: '' })).toBe(UNKNOWN_SIGNAL_EXIT_CODE);
  });

  it('returns undefined when the command could not start', () => {
    expect(exitCodeOf({ value: 'fork/exec /bin/bash: no such file or directory', detail: '' })).toBeUndefined();
  });
});
