import { InvalidArgumentError } from '@kode/core';
import { describe, expect, it } from 'vitest';
import { assertOptions, checkEnv, checkTimeMs } from './arguments';

const b = { backend: 't' };

describe('argument checks', () => {
  it('unknown option keys are rejected, naming the key and the known ones', () => {
    expect(() => assertOptions({ timeout: 5 }, { name: 'exec options', known: ['timeoutMs'], ...b })).toThrow(/"timeout".*timeoutMs/);
    expect(assertOptions(undefined, { name: 'x', known: [], ...b })).toEqual({});
    expect(() => assertOptions(null, { name: 'x', known: [], ...b })).toThrow(InvalidArgumentError);
  });

  it.each(['A=B', 'has space', '1ABC', '', 'a-b'])('env name %j is refused', (name) => {
    expect(() => checkEnv({ [name]: 'v' }, { name: 'env', ...b })).toThrow(InvalidArgumentError);
  });

  it('POSIX names with string values pass, as a copy', () => {
    const env = { _A1: 'x', path: 'y' };
    const copy = checkEnv(env, { name: 'env', ...b });
    expect(copy).toEqual(env);
    expect(copy).not.toBe(env);
    expect(() => checkEnv({ A: 1 }, { name: 'env', ...b })).toThrow(/env.A/);
    expect(() => checkEnv({ A: 'a\0b' }, { name: 'env', ...b })).toThrow(/NUL/);
  });

  it.each([1.5, -1, 2 ** 31, Number.NaN, '5'])('time %j is refused', (value) => {
    expect(() => checkTimeMs(value, { name: 'timeoutMs', ...b })).toThrow(/timeoutMs/);
  });
});
