import type { Sandbox as E2BClient } from 'e2b';
import { InvalidArgumentError } from '@kode/core';
import { DriverSandbox } from '@kode/driver';
import { E2BDriver } from './e2b-driver';
import { killE2BSandbox, listE2BSandboxes, type E2BAdminConnection, type E2BListEntry, type E2BListOptions } from './list-sandboxes';
import { resolveE2BOptions, type E2BSandboxConfig } from './options';

/**
 * A sandbox on E2B (managed cloud microVMs), driven through the stock `e2b` client. The contract's
 * rules are the shared front's (`DriverSandbox` of `@kode/driver`); an internal `E2BDriver` does
 * the I/O.
 *
 * `new E2BSandbox(config)` validates the config and does no I/O; `init()` creates the sandbox from
 * `template` (or restores `sandboxId` with `Sandbox.connect`) and creates `workDir`. While it is
 * used, its lifetime (`timeoutMs`) is renewed through E2B's timeout API (`lifecycle.autoRenew`,
 * default on; at most one request per half lifetime; an idle sandbox still expires). Idempotent
 * calls are retried on 408/429/502/503/504 and refused connections (`retry`). `dispose()` closes
 * every watch, then kills the sandbox (`lifecycle.disposeAction: 'kill'`, default; the delete is
 * retried, and a failed `dispose()` can be called again) or only releases the client (`'close'`).
 * A sandbox that expired or was killed elsewhere raises `SandboxNotFoundError`. `pause()` pauses
 * it on E2B (memory snapshot; no lifetime runs) and `resume()` connects to it again, which starts
 * a fresh lifetime; restoring a paused sandbox by `sandboxId` resumes it too. `endpoints.get(port)`
 * gives the URL and headers of a port.
 *
 * Printing the object (`console.log`, `util.inspect`, `JSON.stringify`) shows only the redacted
 * config: no API key, no `envs` value.
 *
 * @example
 * ```ts
 * const sandbox = new E2BSandbox({ kind: 'e2b', template: 'base' });
 * await sandbox.init();
 * const { stdout } = await sandbox.exec('echo hello');
 * await sandbox.dispose();
 * ```
 */
export class E2BSandbox extends DriverSandbox {
  /** Always `'e2b'`. */
  declare readonly kind: 'e2b';
  readonly #driver: E2BDriver;

  /**
   * Lists the team's sandboxes, filtered by `metadata` (every pair must match) and `states`
   * (`'running'`, `'paused'`; any of them) on E2B's side, through the client's `Sandbox.list`
   * paginator; every page is read. No sandbox is touched. Sandboxes this package created carry
   * `kode.sdk: 'kode-e2b'` and `kode.version`. Entries: `{ sandboxId, state, image (the template),
   * metadata, createdAt, expiresAt }`.
   * @throws InvalidArgumentError for bad or unknown options; AuthenticationFailedError (no key, or a
   * key E2B refuses); ConnectionFailedError when E2B cannot be reached; other mapped errors
   */
  static list(options: E2BListOptions = {}): Promise<E2BListEntry[]> {
    return listE2BSandboxes(options);
  }

  /**
   * Kills a sandbox by id without connecting to it (the client's static `Sandbox.kill`, one
   * `DELETE`). Idempotent: resolves `true` when it was killed, `false` when it was already gone.
   * @throws InvalidArgumentError for bad options; AuthenticationFailedError; ConnectionFailedError; other mapped errors
   */
  static kill(options: E2BAdminConnection & { sandboxId: string }): Promise<boolean> {
    return killE2BSandbox(options);
  }

  /**
   * Validates every option up front (no I/O). Environment fallback: `E2B_API_KEY`.
   * @throws InvalidArgumentError for a bad option (named in the message) or an unknown key
   */
  constructor(config: E2BSandboxConfig) {
    const options = resolveE2BOptions(config);
    const driver = new E2BDriver(options);
    super(driver, { retry: options.retry });
    this.#driver = driver;
  }

  /**
   * The underlying `e2b` `Sandbox`, for what this package does not wrap (pty, metrics, signed
   * URLs, snapshots). Owned by this instance: do not `kill()` it yourself; `dispose()` does that.
   * @throws NotInitializedError before `init()` @throws DisposedError after `dispose()`
   */
  getClient(): E2BClient {
    this.assertReady();
    return this.#driver.client();
  }

  /**
   * The host name under which a port of the sandbox is reachable (`<port>-<id>.<domain>`; in debug
   * mode `localhost:<port>`). No I/O. `endpoints.get(port)` gives the whole URL and the headers
   * (routing headers with `sandboxUrl`, the traffic access token when there is one).
   * @throws InvalidArgumentError for a port outside 1–65535; NotInitializedError before `init()`
   */
  getHost(port: number): string {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new InvalidArgumentError(`port must be an integer 1–65535, got ${String(port)}.`, { backend: 'e2b' });
    return this.getClient().getHost(port);
  }

  /**
   * Sets the sandbox lifetime to `timeoutMs` from now (E2B `setTimeout`; whole seconds, rounded
   * up), like `renew(timeoutMs)`. `toConfig()` carries the new value.
   * @throws InvalidArgumentError for a value outside 1 000 – 86 400 000; NotInitializedError; DisposedError; SandboxNotFoundError
   */
  async setTimeout(timeoutMs: number): Promise<void> {
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1000 || timeoutMs > 86_400_000) {
      throw new InvalidArgumentError(`setTimeout needs an integer between 1000 and 86400000 ms, got ${String(timeoutMs)}.`, { backend: 'e2b' });
    }
    await this.renew(timeoutMs);
  }

  /** A JSON-safe config that restores this sandbox; `apiKey` and `envs` only with `{ includeSecrets: true }`. */
  override toConfig(options?: { includeSecrets?: boolean }): E2BSandboxConfig & Record<string, unknown> {
    return super.toConfig(options) as E2BSandboxConfig & Record<string, unknown>;
  }
}
