import { SandboxFactory, type BaseSandboxConfig, type Sandbox } from '@kode/core';

/** What `dispose()` of a restored instance does with the sandbox. */
export type KitDisposeAction = 'kill' | 'close';

/**
 * `config` with `lifecycle.disposeAction` set to `action` when the backend's config has a
 * `lifecycle` object (remote backends); otherwise `config` unchanged (a backend whose `dispose()`
 * never destroys the sandbox, such as local, has no such option).
 */
export function withDisposeAction(config: BaseSandboxConfig & Record<string, unknown>, action: KitDisposeAction): BaseSandboxConfig & Record<string, unknown> {
  const lifecycle = config.lifecycle;
  if (typeof lifecycle !== 'object' || lifecycle === null) return config;
  return { ...config, lifecycle: { ...(lifecycle as Record<string, unknown>), disposeAction: action } };
}

/**
 * A second, NOT initialised instance of the same sandbox, built with `SandboxFactory.create` from a
 * JSON round trip of `sandbox.toConfig()` (so the backend must be registered with the factory and
 * declare `lifecycle.restore`), disposing with `action`.
 */
export function restoreInstance(sandbox: Sandbox, action: KitDisposeAction): Sandbox {
  const config = JSON.parse(JSON.stringify(sandbox.toConfig())) as BaseSandboxConfig & Record<string, unknown>;
  return SandboxFactory.create(withDisposeAction(config, action));
}
