import { InvalidArgumentError } from './errors/error-classes';
import type { BaseSandboxConfig, Sandbox } from './sandbox';

/** How a backend package teaches the factory its kind. */
export interface SandboxBackendRegistration {
  /** The `kind` string the backend answers to. */
  kind: string;
  /** The npm package that provides it, for error messages. */
  packageName: string;
  /** Builds a sandbox from its config without I/O. */
  create(config: BaseSandboxConfig): Sandbox;
}

/** Packages that provide the built-in kinds, named when such a kind is asked for but not registered. */
const KNOWN_PROVIDERS: Readonly<Record<string, string>> = {
  local: '@kode/local',
  opensandbox: '@kode/opensandbox',
  e2b: '@kode/e2b',
};

const REGISTRY_KEY = Symbol.for('@kode/core/sandbox-factory-registry');

/**
 * What `create`/`createAsync` accept: any backend's config, including object literals with the
 * backend's own fields (`endpoint`, `image`, …) and values typed with a backend's config interface.
 */
export type SandboxFactoryConfig = BaseSandboxConfig | (BaseSandboxConfig & Record<string, unknown>);

/** One registry per process, shared by every copy of `@kode/core`. */
function registry(): Map<string, SandboxBackendRegistration> {
  const holder = globalThis as unknown as Record<symbol, Map<string, SandboxBackendRegistration> | undefined>;
  return (holder[REGISTRY_KEY] ??= new Map<string, SandboxBackendRegistration>());
}

function assertConfig(config: unknown): asserts config is BaseSandboxConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new InvalidArgumentError('Sandbox config must be an object with a `kind`.');
  }
  const { kind } = config as { kind?: unknown };
  if (typeof kind !== 'string' || kind === '') {
    throw new InvalidArgumentError('Sandbox config needs a non-empty string `kind`.');
  }
}

/**
 * Builds sandboxes from plain configs. Backend packages register their kind when imported, so
 * `import { SandboxFactory } from '@kode/opensandbox'` already knows `'opensandbox'`.
 */
export const SandboxFactory = {
  /**
   * Registers (or replaces) the backend for `registration.kind`. Idempotent for the same package.
   */
  register(registration: SandboxBackendRegistration): void {
    if (typeof registration.kind !== 'string' || registration.kind === '') {
      throw new InvalidArgumentError('A backend registration needs a non-empty `kind`.');
    }
    registry().set(registration.kind, registration);
  },

  /** Whether a backend is registered for `kind`. */
  has(kind: string): boolean {
    return registry().has(kind);
  },

  /** The registered kinds, sorted. */
  kinds(): string[] {
    return [...registry().keys()].sort();
  },

  /**
   * Builds the sandbox for `config.kind` without I/O; call `init()` before use.
   * @throws InvalidArgumentError for a missing or unknown kind, naming the known kinds and their packages
   */
  create<T extends Sandbox = Sandbox>(config: SandboxFactoryConfig): T {
    assertConfig(config);
    const entry = registry().get(config.kind);
    if (!entry) {
      const known = new Map<string, string>(Object.entries(KNOWN_PROVIDERS));
      for (const [kind, r] of registry()) known.set(kind, r.packageName);
      const list = [...known].map(([kind, pkg]) => `'${kind}' (${pkg}${registry().has(kind) ? '' : ', not imported'})`).join(', ');
      const provider = KNOWN_PROVIDERS[config.kind];
      throw new InvalidArgumentError(`Unknown sandbox kind '${config.kind}'. Known kinds: ${list}.`, {
        hint: provider
          ? `Install and import ${provider} to register the '${config.kind}' kind.`
          : 'Register a backend with SandboxFactory.register({ kind, packageName, create }).',
      });
    }
    return entry.create(config) as T;
  },

  /**
   * Builds the sandbox and awaits `init()`. If `init()` fails the sandbox is disposed (errors from
   * that are ignored) and the `init()` error is rethrown.
   */
  async createAsync<T extends Sandbox = Sandbox>(config: SandboxFactoryConfig): Promise<T> {
    const sandbox = SandboxFactory.create<T>(config);
    try {
      await sandbox.init();
    } catch (error) {
      await sandbox.dispose().catch(() => undefined);
      throw error;
    }
    return sandbox;
  },
};
