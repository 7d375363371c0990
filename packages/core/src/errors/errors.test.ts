import { describe, expect, it } from 'vitest';
import {
  BackendError,
  createSandboxError,
  FileNotFoundError,
  InvalidArgumentError,
  SandboxNotFoundError,
} from './error-classes';
import { SANDBOX_ERROR_CODES } from './error-codes';
import { hasErrorCode, SandboxError } from './sandbox-error';

describe('SandboxError', () => {
  it('carries code, retryable, backend, hint, requestId and cause', () => {
    const cause = new Error('socket hang up');
    const error = createSandboxError('CONNECTION_FAILED', 'cannot reach server', {
      backend: 'opensandbox',
      hint: 'check the endpoint',
      requestId: 'req-1',
      cause,
    });
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.retryable).toBe(true);
    expect(error.backend).toBe('opensandbox');
    expect(error.hint).toBe('check the endpoint');
    expect(error.requestId).toBe('req-1');
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('ConnectionFailedError');
    expect(error).toBeInstanceOf(Error);
  });

  it('builds one subclass per code, each recognised by its own isInstance only', () => {
    const all = SANDBOX_ERROR_CODES.map((code) => createSandboxError(code, code));
    expect(new Set(all.map((e) => e.name)).size).toBe(SANDBOX_ERROR_CODES.length);
    for (const error of all) {
      expect(SandboxError.isInstance(error)).toBe(true);
      expect(error.constructor.name).toBe(error.name);
    }
    const notFound = all.find((e) => e.code === 'FILE_NOT_FOUND');
    expect(FileNotFoundError.isInstance(notFound)).toBe(true);
    expect(FileNotFoundError.isInstance(all.find((e) => e.code === 'SANDBOX_NOT_FOUND'))).toBe(false);
  });

  it('is recognised across duplicate copies of the package (marker, not instanceof)', () => {
    // A structurally separate object carrying the same global-symbol markers, as a second copy of
    // @kode/core would produce.
    const foreign = Object.create(Error.prototype) as Record<symbol, unknown> & { code: string };
    Object.defineProperty(foreign, Symbol.for('@kode/core/error'), { value: true });
    Object.defineProperty(foreign, Symbol.for('@kode/core/error/FileNotFoundError'), { value: true });
    foreign.code = 'FILE_NOT_FOUND';
    expect(foreign instanceof FileNotFoundError).toBe(false);
    expect(FileNotFoundError.isInstance(foreign)).toBe(true);
    expect(SandboxError.isInstance(foreign)).toBe(true);
    expect(SandboxError.isInstance(new Error('plain'))).toBe(false);
    expect(SandboxError.isInstance(null)).toBe(false);
  });

  it('keeps subclass fields', () => {
    expect(new FileNotFoundError('missing', { path: '/a' }).path).toBe('/a');
    expect(new SandboxNotFoundError('gone', { sandboxId: 'sb-1' }).sandboxId).toBe('sb-1');
    expect(new BackendError('boom', { status: 502 }).status).toBe(502);
  });

  it('derives retryable from the code unless overridden', () => {
    expect(new InvalidArgumentError('bad').retryable).toBe(false);
    expect(createSandboxError('RATE_LIMITED', 'slow down').retryable).toBe(true);
    expect(new BackendError('boom', { retryable: true }).retryable).toBe(true);
  });

  it('serialises to JSON without the cause', () => {
    const json = JSON.parse(JSON.stringify(new FileNotFoundError('missing', { backend: 'local', cause: new Error('x') })));
    expect(json).toEqual({ name: 'FileNotFoundError', code: 'FILE_NOT_FOUND', message: 'missing', retryable: false, backend: 'local' });
  });

  it('hasErrorCode checks the code', () => {
    expect(hasErrorCode(new FileNotFoundError('x'), 'FILE_NOT_FOUND')).toBe(true);
    expect(hasErrorCode(new FileNotFoundError('x'), 'DISPOSED')).toBe(false);
    expect(hasErrorCode('FILE_NOT_FOUND', 'FILE_NOT_FOUND')).toBe(false);
  });
});
