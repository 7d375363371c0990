import { DriverSandbox, NO_RETRY_POLICY } from '@kode/driver';
import { type LocalSandboxConfig, resolveLocalConfig } from './local-config';
import { LocalDriver } from './local-driver';

/**
 * A sandbox on the host: commands run as child processes of this Node process (bash, each in its
 * own process group) and files are the host's, confined to `workDir`, `allowPaths` and a private
 * temp directory. Meant for development, tests and offline debugging. The contract's rules are the
 * shared front's (`DriverSandbox` of `@kode/driver`); {@link LocalDriver} does the I/O.
 *
 * Confinement covers the `fs` methods (checked on real paths), watched paths and the `cwd` of
 * commands; the commands themselves run with the host user's full rights: `exec` is NOT a
 * security boundary.
 *
 * Construct (no I/O) → `await init()` → use → `await dispose()`. `new LocalSandbox(config)` and
 * `SandboxFactory.create(config)` (after importing `@kode/local`) are interchangeable. Host
 * operations are not retried (a local failure is not transient).
 */
export class LocalSandbox extends DriverSandbox {
  /** Always `'local'`. */
  declare readonly kind: 'local';

  /**
   * Validates `config` and builds the sandbox without touching the file system.
   * @throws InvalidArgumentError for any invalid option (the message names it)
   */
  constructor(config: LocalSandboxConfig) {
    super(new LocalDriver(resolveLocalConfig(config)), { retry: NO_RETRY_POLICY });
  }

  /**
   * A JSON-safe config that restores this sandbox (same workDir, same id): `kind`, `workDir`,
   * `allowPaths`, `execTimeoutMs`, the `watch` options that were given and, once known,
   * `sandboxId`. `env` may hold secrets, so it is included only with `{ includeSecrets: true }`.
   * Callable in any state.
   */
  override toConfig(options?: { includeSecrets?: boolean }): LocalSandboxConfig & Record<string, unknown> {
    return super.toConfig(options) as LocalSandboxConfig & Record<string, unknown>;
  }
}
