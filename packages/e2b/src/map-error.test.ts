import {
  AuthenticationError,
  FileNotFoundError as E2BFileNotFoundError,
  InvalidArgumentError as E2BInvalidArgumentError,
  NotEnoughSpaceError,
  NotFoundError,
  RateLimitError,
  SandboxError as E2BSandboxError,
  SandboxNotFoundError as E2BSandboxNotFoundError,
  ServiceBusyError,
  TemplateError,
  TimeoutError,
} from 'e2b';
import { FileNotFoundError, InvalidArgumentError, SandboxError } from '@kode/core';
import { describe, expect, it } from 'vitest';
import { mapE2BError } from './map-error';

const ctx = { operation: 'read /home/user/a.txt', path: '/home/user/a.txt', sandboxId: 'i123', secrets: ['e2b_secret_key_1234'] };

describe('mapE2BError', () => {
  it.each([
    [new AuthenticationError('Unauthorized'), 'AUTHENTICATION_FAILED', false],
    [new RateLimitError('Rate limit exceeded'), 'RATE_LIMITED', true],
    [new ServiceBusyError('Service temporarily unavailable'), 'BACKEND_ERROR', true],
    [new E2BSandboxNotFoundError('Sandbox i123 not found'), 'SANDBOX_NOT_FOUND', false],
    [new E2BSandboxNotFoundError('Sandbox is probably not running anymore'), 'BACKEND_ERROR', false],
    [new E2BFileNotFoundError('path not found'), 'FILE_NOT_FOUND', false],
    [new E2BInvalidArgumentError('path is a directory'), 'INVALID_ARGUMENT', false],
    [new NotEnoughSpaceError('disk full'), 'BACKEND_ERROR', false],
    [new TemplateError('update the template'), 'BACKEND_ERROR', false],
  ] as const)('maps %s to %s', (error, code, retryable) => {
    const mapped = mapE2BError(error, ctx);
    expect(mapped.code).toBe(code);
    expect(mapped.retryable).toBe(retryable);
    expect(mapped.backend).toBe('e2b');
    expect(mapped.cause).toBe(error);
    expect(mapped.message).toContain('E2B read /home/user/a.txt failed');
  });

  it('tells the three TimeoutError meanings apart by the client message', () => {
    const gone = new TimeoutError("[unavailable] x: This error is likely due to sandbox timeout. You can modify the sandbox timeout by passing 'timeoutMs'");
    // Gone or a proxy hiccup: not retried, and the front asks exists() once to tell them apart.
    expect(mapE2BError(gone, ctx)).toMatchObject({ code: 'BACKEND_ERROR', retryable: false });
    const request = new TimeoutError("[canceled] x: This error is likely due to exceeding 'requestTimeoutMs'.");
    expect(mapE2BError(request, ctx).code).toBe('REQUEST_TIMEOUT');
    const deadline = new TimeoutError("[deadline_exceeded] x: This error is likely due to exceeding 'timeoutMs' — the total time a long running request");
    expect(mapE2BError(deadline, ctx).code).toBe('REQUEST_TIMEOUT');
  });

  it('reads the status of generic client errors (404 on create = missing template, 502 = retryable unless the proxy says the sandbox is gone)', () => {
    const missingTemplate = Object.assign(new E2BSandboxError("404: template 'x' not found"), { statusCode: 404 });
    const mapped = mapE2BError(missingTemplate, { operation: "create sandbox from template 'x'", template: 'x' });
    expect(mapped.code).toBe('IMAGE_PULL_FAILED');
    expect(mapped.hint).toContain("'x'");
    expect(mapE2BError(new E2BSandboxError('502: The sandbox was not found'), { operation: 'exec' }).code).toBe('SANDBOX_NOT_FOUND');
    expect(mapE2BError(new E2BSandboxError('502: bad gateway'), { operation: 'exec' })).toMatchObject({ code: 'BACKEND_ERROR', retryable: true, status: 502 });
    const server = mapE2BError(Object.assign(new E2BSandboxError('500: boom'), { statusCode: 500 }), { operation: 'exec' });
    expect(server).toMatchObject({ code: 'BACKEND_ERROR', retryable: false, status: 500 });
    expect(mapE2BError(new NotFoundError('process not found'), { operation: 'connect' }).code).toBe('SANDBOX_NOT_FOUND');
    expect(mapE2BError(new NotFoundError('no such file'), ctx).code).toBe('FILE_NOT_FOUND');
  });

  it('maps a missing command cwd to FILE_NOT_FOUND', () => {
    const error = new E2BInvalidArgumentError("[invalid_argument] cwd '/nope' does not exist");
    const mapped = mapE2BError(error, { operation: 'exec in /nope', path: '/nope' });
    expect(mapped.code).toBe('FILE_NOT_FOUND');
    expect(FileNotFoundError.isInstance(mapped) && mapped.path).toBe('/nope');
  });

  it('recognises connection failures through the cause chain', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    expect(mapE2BError(refused, { operation: 'create sandbox' }).code).toBe('CONNECTION_FAILED');
    expect(mapE2BError(new E2BSandboxError('2: [unknown] fetch failed'), { operation: 'exec' }).code).toBe('CONNECTION_FAILED');
    expect(mapE2BError(Object.assign(new Error('aborted'), { name: 'AbortError' }), { operation: 'exec' }).code).toBe('REQUEST_TIMEOUT');
  });

  it('redacts secrets from messages and hints', () => {
    const mapped = mapE2BError(new AuthenticationError('bad key e2b_secret_key_1234 given'), ctx);
    expect(mapped.message).not.toContain('e2b_secret_key_1234');
    expect(mapped.message).toContain('[redacted]');
    expect(JSON.stringify(mapped.toJSON())).not.toContain('e2b_secret_key_1234');
    expect(mapped.hint).toContain('E2B_API_KEY');
  });

  it('passes SandboxErrors through and fills path/sandbox fields', () => {
    const own = new InvalidArgumentError('already mapped');
    expect(mapE2BError(own, ctx)).toBe(own);
    const file = mapE2BError(new E2BFileNotFoundError('missing'), ctx);
    expect(FileNotFoundError.isInstance(file) && file.path).toBe('/home/user/a.txt');
    expect(SandboxError.isInstance(mapE2BError('plain string', ctx))).toBe(true);
  });

  it('maps envd\'s ENOTDIR lookups (internal 500) to FILE_NOT_FOUND for read, stat and list only', () => {
    const statError = new E2BSandboxError('13: [internal] error getting file info: lstat /home/user/f.txt/x: not a directory');
    expect(mapE2BError(statError, { operation: 'stat /home/user/f.txt/x', path: '/home/user/f.txt/x' }).code).toBe('FILE_NOT_FOUND');
    const download = new E2BSandboxError("500: error checking if path exists '/home/user/f.txt/x': stat /home/user/f.txt/x: not a directory");
    expect(mapE2BError(download, { operation: 'read /home/user/f.txt/x', path: '/home/user/f.txt/x' }).code).toBe('FILE_NOT_FOUND');
    const listing = new E2BSandboxError('13: [internal] error resolving symlink: not a directory');
    expect(mapE2BError(listing, { operation: 'list /home/user/f.txt/x', path: '/home/user/f.txt/x' }).code).toBe('FILE_NOT_FOUND');
    expect(mapE2BError(statError, { operation: 'mkdir /home/user/f.txt/x', path: '/home/user/f.txt/x' }).code).toBe('BACKEND_ERROR');
    const listFile = new E2BInvalidArgumentError('[invalid_argument] path is not a directory: /home/user/f.txt');
    expect(mapE2BError(listFile, { operation: 'list /home/user/f.txt', path: '/home/user/f.txt' }).code).toBe('INVALID_ARGUMENT');
  });

  it('maps a cwd that is missing or not a directory to FILE_NOT_FOUND', () => {
    const missing = new E2BInvalidArgumentError("[invalid_argument] cwd '/nope' does not exist");
    expect(mapE2BError(missing, { operation: 'exec in /nope', path: '/nope' }).code).toBe('FILE_NOT_FOUND');
    const file = new E2BInvalidArgumentError("[invalid_argument] error starting process '/bin/bash -l -c exec setsid -w /bin/bash -c 'a\nb' kode-exec true': fork/exec /bin/sh: not a directory");
    const mapped = mapE2BError(file, { operation: 'exec in /home/user/f.txt', path: '/home/user/f.txt' });
    expect(mapped.code).toBe('FILE_NOT_FOUND');
    expect(mapped.hint).toMatch(/not a directory/);
  });
});
