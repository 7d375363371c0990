import { InvalidArgumentError } from '@kode/core';

/** Checks an `env` option: an object of string values with non-empty names without `=` or NUL. @throws InvalidArgumentError */
export function validateEnv(env: unknown, field = 'env'): Record<string, string> | undefined {
  if (env === undefined) return undefined;
  if (typeof env !== 'object' || env === null || Array.isArray(env)) {
    throw new InvalidArgumentError(`${field} must be an object of string values.`, { backend: 'opensandbox' });
  }
  for (const [name, value] of Object.entries(env as Record<string, unknown>)) {
    if (name === '' || name.includes('=') || name.includes('\0')) {
      throw new InvalidArgumentError(`${field} has an invalid variable name ${JSON.stringify(name)}.`, { backend: 'opensandbox' });
    }
    if (typeof value !== 'string') throw new InvalidArgumentError(`${field}.${name} must be a string, got ${typeof value}.`, { backend: 'opensandbox' });
    if (value.includes('\0')) throw new InvalidArgumentError(`${field}.${name} must not contain a NUL byte.`, { backend: 'opensandbox' });
  }
  return { ...(env as Record<string, string>) };
}
