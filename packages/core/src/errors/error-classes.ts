import { SandboxError, type SandboxErrorOptions } from './sandbox-error';

function mark(target: object, name: string): void {
  Object.defineProperty(target, Symbol.for(`@kode/core/error/${name}`), { value: true });
}

function isMarked(value: unknown, name: string): boolean {
  return SandboxError.isInstance(value) && (value as unknown as Record<symbol, unknown>)[Symbol.for(`@kode/core/error/${name}`)] === true;
}

/**
 * `INVALID_ARGUMENT`: An option, argument or path given by the caller is invalid. Fix the input; retrying will not help.
 */
export class InvalidArgumentError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super('INVALID_ARGUMENT', message, options);
    this.name = 'InvalidArgumentError';
    mark(this, 'InvalidArgumentError');
  }

  /** True for a `InvalidArgumentError` from any copy of `@kode/core`. */
  static override isInstance(value: unknown): value is InvalidArgumentError {
    return isMarked(value, 'InvalidArgumentError');
  }
}

/**
 * `NOT_INITIALIZED`: The sandbox was used before `init()` resolved. Call `await sandbox.init()` (or use `SandboxFactory.createAsync`).
 */
export class NotInitializedError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super('NOT_INITIALIZED', message, options);
    this.name = 'NotInitializedError';
    mark(this, 'NotInitializedError');
  }

  /** True for a `NotInitializedError` from any copy of `@kode/core`. */
  static override isInstance(value: unknown): value is NotInitializedError {
    return isMarked(value, 'NotInitializedError');
  }
}

/**
 * `DISPOSED`: The sandbox was used after `dispose()`. Create or restore a new instance.
 */
export class DisposedError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super('DISPOSED', message, options);
    this.name = 'DisposedError';
    mark(this, 'DisposedError');
  }

  /** True for a `DisposedError` from any copy of `@kode/core`. */
  static override isInstance(value: unknown): value is DisposedError {
    return isMarked(value, 'DisposedError');
  }
}

/**
 * `UNSUPPORTED`: The backend declares the capability absent (see `sandbox.capabilities`).
 */
export class UnsupportedCapabilityError extends SandboxError {
  /** The capability this error is about, when known. */
  readonly capability: string | undefined;

  constructor(message: string, options: SandboxErrorOptions & { capability?: string } = {}) {
    super('UNSUPPORTED', message, options);
    this.name = 'UnsupportedCapabilityError';
    this.capability = options.capability;
    mark(this, 'UnsupportedCapabilityError');
  }

  /** True for a `UnsupportedCapabilityError` from any copy of `@kode/core`. */
  static override isInstance(value: unknown): value is UnsupportedCapabilityError {
    return isMarked(value, 'UnsupportedCapabilityError');
  }
}

/**
 * `SANDBOX_NOT_FOUND`: The sandbox id does not exist on the server (never created, killed or expired).
 */
export class SandboxNotFoundError extends SandboxError {
  /** The sandboxId this error is about, when known. */
  readonly sandboxId: string | undefined;

  constructor(message: string, options: SandboxErrorOptions & { sandboxId?: string } = {}) {
    super('SANDBOX_NOT_FOUND', message, options);
    this.name = 'SandboxNotFoundError';
    this.sandboxId = options.sandboxId;
    mark(this, 'SandboxNotFoundError');
  }

  /** True for a `SandboxNotFoundError` from any copy of `@kode/core`. */
  static override isInstance(value: unknown): value is SandboxNotFoundError {
    return isMarked(value, 'SandboxNotFoundError');
  }
}

/**
 * `FILE_NOT_FOUND`: A path that must exist does not.
 */
export class FileNotFoundError extends SandboxError {
  /** The path this error is about, when known. */
  readonly path: string | undefined;

  constructor(message: string, options: SandboxErrorOptions & { path?: string } = {}) {
    super('FILE_NOT_FOUND', message, options);
    this.name = 'FileNotFoundError';
    this.path = options.path;
    mark(this, 'FileNotFoundError');
  }

  /** True for a `FileNotFoundError` from any copy of `@kode/core`. */
  static override isInstance(value: unknown): value is FileNotFoundError {
    return isMarked(value, 'FileNotFoundError');
  }
}

/**
 * `PATH_OUTSIDE_SANDBOX`: A path resolves (after following symlinks) outside the directories the sandbox may touch.
 */
export class PathOutsideSandboxError extends SandboxError {
  /** The path this error is about, when known. */
  readonly path: string | undefined;

  constructor(message: string, options: SandboxErrorOptions & { path?: string } = {}) {
    super('PATH_OUTSIDE_SANDBOX', message, options);
    this.name = 'PathOutsideSandboxError';
    this.path = options.path;
    mark(this, 'PathOutsideSandboxError');
  }

  /** True for a `PathOutsideSandboxError` from any copy of `@kode/core`. */
  static override isInstance(value: unknown): value is PathOutsideSandboxError {
    return isMarked(value, 'PathOutsideSandboxError');
  }
}

/**
 * `CONNECTION_FAILED`: The backend could not be reached (refused, reset, DNS, TLS). Retryable.
 */
export class ConnectionFailedError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super('CONNECTION_FAILED', message, options);
    this.name = 'ConnectionFailedError';
    mark(this, 'ConnectionFailedError');
  }

  /** True for a `ConnectionFailedError` from any copy of `@kode/core`. */
  static override isInstance(value: unknown): value is ConnectionFailedError {
    return isMarked(value, 'ConnectionFailedError');
  }
}

/**
 * `AUTHENTICATION_FAILED`: The server rejected the credentials (missing or wrong API key).
 */
export class AuthenticationFailedError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super('AUTHENTICATION_FAILED', message, options);
    this.name = 'AuthenticationFailedError';
    mark(this, 'AuthenticationFailedError');
  }

  /** True for a `AuthenticationFailedError` from any copy of `@kode/core`. */
  static override isInstance(value: unknown): value is AuthenticationFailedError {
    return isMarked(value, 'AuthenticationFailedError');
  }
}

/**
 * `IMAGE_PULL_FAILED`: The server could not pull the image the sandbox needs.
 */
export class ImagePullFailedError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super('IMAGE_PULL_FAILED', message, options);
    this.name = 'ImagePullFailedError';
    mark(this, 'ImagePullFailedError');
  }

  /** True for a `ImagePullFailedError` from any copy of `@kode/core`. */
  static override isInstance(value: unknown): value is ImagePullFailedError {
    return isMarked(value, 'ImagePullFailedError');
  }
}

/**
 * `SANDBOX_START_FAILED`: The server accepted the sandbox but could not start it (e.g. its exec daemon).
 */
export class SandboxStartFailedError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super('SANDBOX_START_FAILED', message, options);
    this.name = 'SandboxStartFailedError';
    mark(this, 'SandboxStartFailedError');
  }

  /** True for a `SandboxStartFailedError` from any copy of `@kode/core`. */
  static override isInstance(value: unknown): value is SandboxStartFailedError {
    return isMarked(value, 'SandboxStartFailedError');
  }
}

/**
 * `READY_TIMEOUT`: The sandbox did not become ready in time. Retryable.
 */
export class ReadyTimeoutError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super('READY_TIMEOUT', message, options);
    this.name = 'ReadyTimeoutError';
    mark(this, 'ReadyTimeoutError');
  }

  /** True for a `ReadyTimeoutError` from any copy of `@kode/core`. */
  static override isInstance(value: unknown): value is ReadyTimeoutError {
    return isMarked(value, 'ReadyTimeoutError');
  }
}

/**
 * `REQUEST_TIMEOUT`: A single request to the backend took longer than its limit. Retryable.
 */
export class RequestTimeoutError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super('REQUEST_TIMEOUT', message, options);
    this.name = 'RequestTimeoutError';
    mark(this, 'RequestTimeoutError');
  }

  /** True for a `RequestTimeoutError` from any copy of `@kode/core`. */
  static override isInstance(value: unknown): value is RequestTimeoutError {
    return isMarked(value, 'RequestTimeoutError');
  }
}

/**
 * `RATE_LIMITED`: The backend refused the call for rate or quota reasons. Retryable after a back-off.
 */
export class RateLimitedError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super('RATE_LIMITED', message, options);
    this.name = 'RateLimitedError';
    mark(this, 'RateLimitedError');
  }

  /** True for a `RateLimitedError` from any copy of `@kode/core`. */
  static override isInstance(value: unknown): value is RateLimitedError {
    return isMarked(value, 'RateLimitedError');
  }
}

/**
 * `BACKEND_ERROR`: Any other backend failure, with the server's status and code when known.
 */
export class BackendError extends SandboxError {
  constructor(message: string, options: SandboxErrorOptions = {}) {
    super('BACKEND_ERROR', message, options);
    this.name = 'BackendError';
    mark(this, 'BackendError');
  }

  /** True for a `BackendError` from any copy of `@kode/core`. */
  static override isInstance(value: unknown): value is BackendError {
    return isMarked(value, 'BackendError');
  }
}

/**
 * Builds the subclass that matches `code`, so a mapping function can pick the code from data.
 * Field options (`path`, `sandboxId`, …) are passed through to the subclass.
 */
export function createSandboxError(
  code: SandboxError['code'],
  message: string,
  options: SandboxErrorOptions & { path?: string; sandboxId?: string; capability?: string } = {},
): SandboxError {
  switch (code) {
    case 'INVALID_ARGUMENT':
      return new InvalidArgumentError(message, options);
    case 'NOT_INITIALIZED':
      return new NotInitializedError(message, options);
    case 'DISPOSED':
      return new DisposedError(message, options);
    case 'UNSUPPORTED':
      return new UnsupportedCapabilityError(message, options);
    case 'SANDBOX_NOT_FOUND':
      return new SandboxNotFoundError(message, options);
    case 'FILE_NOT_FOUND':
      return new FileNotFoundError(message, options);
    case 'PATH_OUTSIDE_SANDBOX':
      return new PathOutsideSandboxError(message, options);
    case 'CONNECTION_FAILED':
      return new ConnectionFailedError(message, options);
    case 'AUTHENTICATION_FAILED':
      return new AuthenticationFailedError(message, options);
    case 'IMAGE_PULL_FAILED':
      return new ImagePullFailedError(message, options);
    case 'SANDBOX_START_FAILED':
      return new SandboxStartFailedError(message, options);
    case 'READY_TIMEOUT':
      return new ReadyTimeoutError(message, options);
    case 'REQUEST_TIMEOUT':
      return new RequestTimeoutError(message, options);
    case 'RATE_LIMITED':
      return new RateLimitedError(message, options);
    case 'BACKEND_ERROR':
      return new BackendError(message, options);
  }
}
