import { assertTimeMs, describe, InvalidArgumentError } from '@kode/core';

/**
 * A POSIX-portable environment variable name: letters, digits and `_`, not starting with a digit
 * (docs/contract.md, rule 14). Shells cannot export any other name.
 */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks that `options` is `undefined` or a plain object whose keys are all in `known`.
 * @throws InvalidArgumentError naming the unknown key and the known ones
 */
export function assertOptions(options: unknown, check: { name: string; known: readonly string[]; backend: string }): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(`${check.name} must be an object, got ${describe(options)}.`, { backend: check.backend });
  }
  for (const key of Object.keys(options)) {
    if (!check.known.includes(key)) {
      throw new InvalidArgumentError(`${check.name} has an unknown option ${JSON.stringify(key)}; known: ${check.known.join(', ')}.`, {
        backend: check.backend,
      });
    }
  }
  return options as Record<string, unknown>;
}

/**
 * Checks an `env` object: POSIX names, string values without NUL. Returns a copy, or `undefined`.
 * @throws InvalidArgumentError
 */
export function checkEnv(env: unknown, check: { name: string; backend: string }): Record<string, string> | undefined {
  if (env === undefined) return undefined;
  if (typeof env !== 'object' || env === null || Array.isArray(env)) {
    throw new InvalidArgumentError(`${check.name} must be an object of string values, got ${describe(env)}.`, { backend: check.backend });
  }
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(env as Record<string, unknown>)) {
    if (!ENV_NAME.test(name)) {
      throw new InvalidArgumentError(`${check.name} has an invalid variable name ${JSON.stringify(name)}: use letters, digits and _, not starting with a digit.`, {
        backend: check.backend,
      });
    }
    if (typeof value !== 'string') throw new InvalidArgumentError(`${check.name}.${name} must be a string, got ${typeof value}.`, { backend: check.backend });
    if (value.includes('\0')) throw new InvalidArgumentError(`${check.name}.${name} must not contain a NUL byte.`, { backend: check.backend });
    copy[name] = value;
  }
  return copy;
}

/** @throws InvalidArgumentError unless `value` is `undefined` or a boolean */
export function checkBoolean(value: unknown, check: { name: string; backend: string }): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new InvalidArgumentError(`${check.name} must be a boolean, got ${describe(value)}.`, { backend: check.backend });
}

/** @throws InvalidArgumentError unless `value` is `undefined` or a non-negative safe integer */
export function checkCount(value: unknown, check: { name: string; backend: string }): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw new InvalidArgumentError(`${check.name} must be a non-negative integer, got ${describe(value)}.`, { backend: check.backend });
}

/** @throws InvalidArgumentError unless `value` is `undefined` or a function */
export function checkFunction<T>(value: unknown, check: { name: string; backend: string }): T | undefined {
  if (value === undefined || typeof value === 'function') return value as T | undefined;
  throw new InvalidArgumentError(`${check.name} must be a function, got ${describe(value)}.`, { backend: check.backend });
}

/** @throws InvalidArgumentError unless `value` is `undefined` or an `AbortSignal` */
export function checkSignal(value: unknown, check: { name: string; backend: string }): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw new InvalidArgumentError(`${check.name} must be an AbortSignal, got ${describe(value)}.`, { backend: check.backend });
}

/** A time option: integer ms in `[0, MAX_TIMER_MS]`, or `undefined`. @throws InvalidArgumentError */
export function checkTimeMs(value: unknown, check: { name: string; backend: string }): number | undefined {
  assertTimeMs(value, check);
  return value;
}
