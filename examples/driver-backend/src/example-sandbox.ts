import { DriverSandbox } from '@kode/driver';
import { ExampleDriver, type ExampleSandboxConfig } from './example-driver';

/**
 * The example backend's public class: the shared front (`DriverSandbox` of `@kode/driver`, which
 * owns every rule of docs/contract.md) over an {@link ExampleDriver}. A backend subclasses the
 * front only to keep a constructor of its own and to narrow types.
 *
 * Lifecycle: `new ExampleSandbox(config)` validates (no I/O); `init()` creates a fresh host
 * directory; `dispose()` removes it. Not an isolation boundary: commands run on the host as the
 * current user.
 *
 * @example
 * ```ts
 * const sandbox = new ExampleSandbox({ kind: 'example' });
 * await sandbox.init();
 * const { stdout } = await sandbox.exec('echo hello');
 * await sandbox.dispose();
 * ```
 */
export class ExampleSandbox extends DriverSandbox {
  /** Always `'example'`. */
  declare readonly kind: 'example';

  /**
   * @throws InvalidArgumentError naming the offending option
   * @throws UnsupportedCapabilityError for a `sandboxId` (restoring is not supported)
   */
  constructor(config: ExampleSandboxConfig) {
    super(new ExampleDriver(config));
  }

  /** A JSON-safe config (with `sandboxId`); `env` values only with `{ includeSecrets: true }`. */
  override toConfig(options?: { includeSecrets?: boolean }): ExampleSandboxConfig & Record<string, unknown> {
    return super.toConfig(options) as ExampleSandboxConfig & Record<string, unknown>;
  }
}
