import type { Sandbox as SdkSandbox } from '@alibaba-group/opensandbox';
import { DriverSandbox } from '@kode/driver';
import { listOpenSandboxes, type OpenSandboxListEntry, type OpenSandboxListOptions } from './list-sandboxes';
import { OpenSandboxNetworkPolicyControl } from './network-policy';
import { OpenSandboxDriver } from './opensandbox-driver';
import { resolveOptions, type OpenSandboxOptions } from './options';

/** The config {@link OpenSandbox.toConfig} returns: the options, JSON-safe, with `sandboxId` set. */
export type OpenSandboxConfig = OpenSandboxOptions & Record<string, unknown>;

/**
 * A sandbox on a self-hosted OpenSandbox server, through the official
 * `@alibaba-group/opensandbox` client. The contract's rules are the shared front's
 * (`DriverSandbox` of `@kode/driver`); {@link OpenSandboxDriver} does the I/O.
 *
 * Lifecycle: `new OpenSandbox(options)` validates the options (no I/O); `init()` creates the
 * sandbox (or connects to `sandboxId`) and creates `workDir`; while it is used its lifetime is
 * renewed (`lifecycle.autoRenew`); `dispose()` closes every watch and then kills the sandbox and
 * releases the client (`lifecycle.disposeAction: 'kill'`, default) or only releases the client
 * (`'close'`). A failed `dispose()` can be called again and sends the delete again.
 *
 * @example
 * ```ts
 * const sandbox = new OpenSandbox({ kind: 'opensandbox', endpoint: 'http://127.0.0.1:8080' });
 * await sandbox.init();
 * const { code, stdout } = await sandbox.exec('echo hello');
 * await sandbox.dispose();
 * ```
 */
export class OpenSandbox extends DriverSandbox {
  /** Always `'opensandbox'`. */
  declare readonly kind: 'opensandbox';
  readonly #driver: OpenSandboxDriver;
  /**
   * The egress policy of the running sandbox: `get()` and `patch({ egress })` through its egress
   * sidecar. Only sandboxes created with a `networkPolicy` have one.
   */
  readonly networkPolicy: OpenSandboxNetworkPolicyControl;

  /**
   * Lists the server's sandboxes, filtered by `metadata` (every pair must match) and `states` (any
   * of them), through the SDK's `SandboxManager`; every page is read. No sandbox is touched.
   * Sandboxes this package created carry `kode.sdk: 'kode-opensandbox'` and `kode.version`.
   * @throws InvalidArgumentError for bad options @throws AuthenticationError, ConnectionFailedError, BackendError from the server
   */
  static list(options: OpenSandboxListOptions = {}): Promise<OpenSandboxListEntry[]> {
    return listOpenSandboxes(options);
  }

  /**
   * Validates every option up front (no I/O). Environment fallbacks: `OPEN_SANDBOX_API_KEY`,
   * `OPEN_SANDBOX_ENDPOINT`, `OPEN_SANDBOX_IMAGE`.
   * @throws InvalidArgumentError naming the offending option
   */
  constructor(options: OpenSandboxOptions) {
    const resolved = resolveOptions(options);
    const driver = new OpenSandboxDriver(resolved);
    super(driver, { retry: resolved.retry });
    this.#driver = driver;
    this.networkPolicy = new OpenSandboxNetworkPolicyControl({ client: () => this.getClient(), toError: (error, where) => driver.toError(error, where) });
  }

  /** A JSON-safe config that restores this sandbox; `apiKey` and `env` only with `{ includeSecrets: true }`. */
  override toConfig(options?: { includeSecrets?: boolean }): OpenSandboxConfig {
    return super.toConfig(options) as OpenSandboxConfig;
  }

  /**
   * The connected `@alibaba-group/opensandbox` sandbox, for what this class does not wrap
   * (pause, metrics, endpoints). Owned by this instance: do not `kill()` or `close()` it yourself.
   * @throws NotInitializedError before `init()` @throws DisposedError after `dispose()`
   */
  getClient(): SdkSandbox {
    this.assertReady();
    return this.#driver.client();
  }
}
