import { SandboxError } from '@kode/core';

/** An error class of `@kode/core`, checked with its cross-copy `isInstance`. */
export interface ErrorClassLike {
  readonly name: string;
  isInstance(value: unknown): boolean;
}

function describeError(error: unknown): string {
  if (SandboxError.isInstance(error)) return `${error.name} (${error.code}): ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `non-error value ${JSON.stringify(error)}`;
}

/**
 * Awaits `action` and returns the error it rejects with, which must satisfy `errorClass.isInstance`.
 * Synchronous throws count as rejections.
 * @throws Error when `action` resolves or rejects with another error
 */
export async function expectError(action: () => unknown, errorClass: ErrorClassLike, label: string): Promise<unknown> {
  let result: unknown;
  try {
    result = await action();
  } catch (error) {
    if (errorClass.isInstance(error)) return error;
    throw new Error(`${label}: expected ${errorClass.name}, got ${describeError(error)}`, { cause: error });
  }
  throw new Error(`${label}: expected ${errorClass.name}, but it resolved with ${safeJson(result)}`);
}

/**
 * Awaits `action` and returns the rejection value, whatever it is.
 * @throws Error when `action` resolves
 */
export async function expectRejection(action: () => unknown, label: string): Promise<unknown> {
  let result: unknown;
  try {
    result = await action();
  } catch (error) {
    return error;
  }
  throw new Error(`${label}: expected a rejection, but it resolved with ${safeJson(result)}`);
}

function safeJson(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.slice(0, 200);
  } catch {
    return String(value);
  }
}
