import { SandboxApiException, SandboxError as SdkError, SandboxReadyTimeoutException, SandboxUnhealthyException } from '@alibaba-group/opensandbox';
import { FileNotFoundError, ImagePullFailedError, SandboxError, SandboxNotFoundError } from '@kode/core';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { mapOpenSandboxError, OPEN_SANDBOX_HINTS } from './map-error';

const KEY = 'sk-very-secret-key';

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function api(status: number, code: string, message: string, requestId = 'req-123'): SandboxApiException {
  return new SandboxApiException({ message, statusCode: status, requestId, error: new SdkError(code, message), rawBody: { code, message } });
}

describe('mapOpenSandboxError', () => {
  it('maps an image pull failure with the Docker hint, request id, cause and no API key', () => {
    const cause = api(500, 'DOCKER::SANDBOX_IMAGE_PULL_FAILED', `Failed to pull image nope (auth ${KEY})`);
    const error = mapOpenSandboxError(cause, { operation: 'create a sandbox', secrets: [KEY] });
    expect(ImagePullFailedError.isInstance(error)).toBe(true);
    expect(error.code).toBe('IMAGE_PULL_FAILED');
    expect(error.hint).toBe(OPEN_SANDBOX_HINTS.IMAGE_PULL_FAILED);
    expect(error.hint).toContain('opensandbox/execd');
    expect(error.requestId).toBe('req-123');
    expect(error.cause).toBe(cause);
    expect(error.message).not.toContain(KEY);
    expect(error.message).toContain('DOCKER::SANDBOX_IMAGE_PULL_FAILED');
    expect(error.backend).toBe('opensandbox');
  });

  it.each([
    [503, 'DOCKER::SANDBOX_EXECD_START_FAILED', 'SANDBOX_START_FAILED'],
    [500, 'DOCKER::SANDBOX_BOOTSTRAP_INSTALL_FAILED', 'SANDBOX_START_FAILED'],
    [401, 'INVALID_API_KEY', 'AUTHENTICATION_FAILED'],
    [401, 'MISSING_API_KEY', 'AUTHENTICATION_FAILED'],
    [404, 'DOCKER::SANDBOX_NOT_FOUND', 'SANDBOX_NOT_FOUND'],
    [404, 'KUBERNETES::SANDBOX_NOT_FOUND', 'SANDBOX_NOT_FOUND'],
    [429, 'GENERAL::UNKNOWN_ERROR', 'RATE_LIMITED'],
    [504, 'GENERAL::UNKNOWN_ERROR', 'REQUEST_TIMEOUT'],
    [502, 'GENERAL::UNKNOWN_ERROR', 'CONNECTION_FAILED'],
    [400, 'SANDBOX::INVALID_PARAMETER', 'INVALID_ARGUMENT'],
    [500, 'DOCKER::SANDBOX_DELETE_FAILED', 'BACKEND_ERROR'],
  ])('maps HTTP %i %s to %s', (status, code, expected) => {
    const error = mapOpenSandboxError(api(status, code, 'boom'), { operation: 'op' });
    expect(error.code).toBe(expected);
    expect(error.requestId).toBe('req-123');
  });

  it('maps a 404 of a file operation to FILE_NOT_FOUND, reading the code from an unparsed body', () => {
    const cause = new SandboxApiException({ message: 'Download failed', statusCode: 404, error: new SdkError('UNEXPECTED_RESPONSE', 'Download failed'), rawBody: '{"code":"FILE_NOT_FOUND","message":"no such file"}' });
    const error = mapOpenSandboxError(cause, { operation: 'read /a', path: '/a' });
    expect(FileNotFoundError.isInstance(error)).toBe(true);
    expect((error as FileNotFoundError).path).toBe('/a');
    expect(error.message).toContain('no such file');
  });

  it("maps execd's 400 for a missing working directory to FILE_NOT_FOUND of the cwd, and only with a cwd", () => {
    const message = 'invalid request, validation error working directory does not exist: /nope: stat /nope: no such file or directory';
    const error = mapOpenSandboxError(api(400, 'INVALID_REQUEST_BODY', message), { operation: 'exec', cwd: '/nope' });
    expect(FileNotFoundError.isInstance(error)).toBe(true);
    expect((error as FileNotFoundError).path).toBe('/nope');
    expect(mapOpenSandboxError(api(400, 'INVALID_REQUEST_BODY', message), { operation: 'exec' }).code).toBe('INVALID_ARGUMENT');
    expect(mapOpenSandboxError(api(400, 'INVALID_REQUEST_BODY', 'invalid request, validation error uid is required'), { operation: 'exec', cwd: '/x' }).code).toBe('INVALID_ARGUMENT');
    // a 404 while running a command still means the sandbox is gone, cwd or not
    expect(mapOpenSandboxError(api(404, 'DOCKER::SANDBOX_NOT_FOUND', 'gone'), { operation: 'exec', cwd: '/x' }).code).toBe('SANDBOX_NOT_FOUND');
  });

  it('maps a bare 404 while creating (no sandbox id given) to BACKEND_ERROR with the endpoint hint, not SANDBOX_NOT_FOUND', () => {
    const cause = new SandboxApiException({ message: 'Create sandbox failed', statusCode: 404, error: new SdkError('UNEXPECTED_RESPONSE', 'Create sandbox failed'), rawBody: 'Not Found' });
    const error = mapOpenSandboxError(cause, { operation: 'create a sandbox from image ubuntu' });
    expect(error.code).toBe('BACKEND_ERROR');
    expect(error.hint).toBe(OPEN_SANDBOX_HINTS.NOT_AN_OPENSANDBOX_ENDPOINT);
    expect(error.hint).not.toContain('sandboxId');
  });

  it('names another server\'s HTML page by its title instead of putting the page into the message', () => {
    const page = `<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head><body>${'<p>lorem ipsum</p>'.repeat(500)}</body></html>`;
    for (const status of [404, 500, 502]) {
      const cause = new SandboxApiException({ message: `Create sandbox failed: ${page}`, statusCode: status, error: new SdkError('UNEXPECTED_RESPONSE', 'x'), rawBody: page });
      const error = mapOpenSandboxError(cause, { operation: 'create a sandbox' });
      expect(error.message.length).toBeLessThan(400);
      expect(error.message).toContain('an HTML page titled "Welcome to nginx!"');
      expect(error.message).not.toContain('lorem ipsum');
    }
    const ok = mapOpenSandboxError(new SyntaxError('Unexpected token \'<\', "<!DOCTYPE "... is not valid JSON'), { operation: 'create a sandbox' });
    expect(ok.hint).toBe(OPEN_SANDBOX_HINTS.NOT_AN_OPENSANDBOX_ENDPOINT);
  });

  it('cuts a long non-JSON body to one line of 300 characters', () => {
    const body = `error: ${'x'.repeat(1000)}\n\nmore`;
    const error = mapOpenSandboxError(new SandboxApiException({ message: 'Create sandbox failed', statusCode: 500, error: new SdkError('UNEXPECTED_RESPONSE', 'x'), rawBody: body }), { operation: 'create' });
    expect(error.message).toMatch(/… \(\d+ more characters\)/);
    expect(error.message.length).toBeLessThan(450);
  });

  it('maps a 404 without a path to SANDBOX_NOT_FOUND', () => {
    const error = mapOpenSandboxError(api(404, 'UNEXPECTED_RESPONSE', 'Get sandbox endpoint failed'), { operation: 'connect', sandboxId: 'abc' });
    expect(SandboxNotFoundError.isInstance(error)).toBe(true);
    expect((error as SandboxNotFoundError).sandboxId).toBe('abc');
    expect(error.hint).toBe(OPEN_SANDBOX_HINTS.SANDBOX_NOT_FOUND);
  });

  it('maps the SDK ready timeout with the useServerProxy hint', () => {
    const error = mapOpenSandboxError(new SandboxReadyTimeoutException({ message: 'Sandbox health check timed out after 1s' }), { operation: 'create' });
    expect(error.code).toBe('READY_TIMEOUT');
    expect(error.retryable).toBe(true);
    expect(error.hint).toContain('useServerProxy');
    expect(mapOpenSandboxError(new SandboxUnhealthyException({ message: 'x' }), { operation: 'create' }).code).toBe('SANDBOX_START_FAILED');
  });

  it('maps a refused connection (a real fetch) to CONNECTION_FAILED with the reachability hint', async () => {
    const port = await closedPort();
    const cause = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    const error = mapOpenSandboxError(cause, { operation: 'create', endpoint: `http://127.0.0.1:${port}` });
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.retryable).toBe(true);
    expect(error.hint).toContain('reachable');
    expect(error.hint).toContain('proxy');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it("maps the SDK's request timeout to REQUEST_TIMEOUT", () => {
    const error = mapOpenSandboxError(new Error('[http] Request timed out (timeoutSeconds=1)'), { operation: 'stat' });
    expect(error.code).toBe('REQUEST_TIMEOUT');
    expect(error.hint).toContain('requestTimeoutSeconds');
  });

  it('passes SandboxErrors through and wraps anything else as BACKEND_ERROR', () => {
    const mine = new FileNotFoundError('x');
    expect(mapOpenSandboxError(mine, { operation: 'op' })).toBe(mine);
    const other = mapOpenSandboxError(new Error(`weird ${KEY}`), { operation: 'op', secrets: [KEY] });
    expect(SandboxError.isInstance(other)).toBe(true);
    expect(other.code).toBe('BACKEND_ERROR');
    expect(other.message).not.toContain(KEY);
    expect(mapOpenSandboxError('a string', { operation: 'op' }).code).toBe('BACKEND_ERROR');
  });
});
