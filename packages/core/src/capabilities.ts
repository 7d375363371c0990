import { UnsupportedCapabilityError } from './errors/error-classes';

/**
 * What a backend can do, declared by the backend itself as frozen, JSON-serialisable data.
 * Applications use it for feature detection, `@kode/watch` to pick a strategy, and the conformance
 * kit to decide which cases apply. Calling something declared absent raises
 * {@link UnsupportedCapabilityError}.
 */
export interface SandboxCapabilities {
  readonly exec: {
    /**
     * True when stdout/stderr come back byte-for-byte. False for transports that split output
     * into lines: then each line is returned ending in `\n` (docs/contract.md, rule 4).
     */
    readonly exactOutput: boolean;
    /** True when `onStdout`/`onStderr` are called while the command runs. */
    readonly streaming: boolean;
    /** True when `sandbox.sessions.create()` gives shells whose `cd` and `export` persist between commands. */
    readonly sessions: boolean;
  };
  readonly fs: {
    /** True when `readBytes`/`write(Uint8Array)` round-trip arbitrary bytes. */
    readonly binary: boolean;
    /** True when the sandbox confines paths to `workDir` + allowed roots (local); false for remote sandboxes, where every path is theirs. */
    readonly confined: boolean;
    /** True when symbolic links exist in the sandbox's file system and `stat` reports them. */
    readonly symlinks: boolean;
    /**
     * True when `fs.readStream`/`fs.writeStream` move a file in chunks, holding O(chunk) memory,
     * with progress and abort, and a write shows up at its path only once complete (docs/contract.md).
     */
    readonly streaming: boolean;
  };
  readonly processes: {
    /** True when `sandbox.processes` runs background work. */
    readonly background: boolean;
    /** True when process ids survive a reconnect to the same sandbox (new instance, same `sandboxId`). */
    readonly reconnect: boolean;
  };
  readonly watch: {
    /** True when `watch.mode: 'native'` gets change events from the OS (inotify or a backend API). */
    readonly native: boolean;
    /** True when `watch.mode: 'polling'` is available. */
    readonly polling: boolean;
  };
  readonly lifecycle: {
    /** True when a new instance can restore an existing sandbox from `toConfig()` (it carries `sandboxId`). */
    readonly restore: boolean;
    /**
     * True when the sandbox has a lifetime that `renew(timeoutMs)` extends (and that activity
     * renews automatically unless disabled). False for sandboxes that never expire (local).
     */
    readonly renew: boolean;
    /** True when `pause()` freezes the sandbox (files and processes kept) and `resume()` thaws it. */
    readonly pause: boolean;
  };
  /**
   * True when `sandbox.endpoints.get(port)` gives a URL (and headers) that reaches a port inside the
   * sandbox. A capability of its own (not a group): `if (sandbox.capabilities.endpoints)` reads as it should.
   */
  readonly endpoints: boolean;
}

/** The capability groups (objects of booleans), such as `watch`. */
type CapabilityGroup = { [G in keyof SandboxCapabilities]: SandboxCapabilities[G] extends boolean ? never : G }[keyof SandboxCapabilities];
/** The capabilities that stand alone (a boolean, not a group), such as `endpoints`. */
type CapabilityFlag = { [G in keyof SandboxCapabilities]: SandboxCapabilities[G] extends boolean ? G : never }[keyof SandboxCapabilities];

/** The name of one boolean capability: `group.name` (such as `'watch.native'`) or a standalone one (`'endpoints'`). */
export type CapabilityPath = { [G in CapabilityGroup]: `${G}.${keyof SandboxCapabilities[G] & string}` }[CapabilityGroup] | CapabilityFlag;

/** Returns a deep-frozen copy of `capabilities`. Backends call it once, at module load. */
export function defineCapabilities(capabilities: SandboxCapabilities): SandboxCapabilities {
  const copy = JSON.parse(JSON.stringify(capabilities)) as Record<string, Record<string, boolean> | boolean>;
  for (const group of Object.values(copy)) if (typeof group === 'object') Object.freeze(group);
  return Object.freeze(copy) as unknown as SandboxCapabilities;
}

/** Whether `capabilities` declares the capability at `path`. */
export function hasCapability(capabilities: SandboxCapabilities, path: CapabilityPath): boolean {
  const [group, name] = path.split('.') as [keyof SandboxCapabilities, string | undefined];
  const value: unknown = capabilities[group];
  if (name === undefined) return value === true;
  return (value as Record<string, boolean> | undefined)?.[name] === true;
}

/**
 * Throws {@link UnsupportedCapabilityError} when `capabilities` does not declare `path`.
 * @throws UnsupportedCapabilityError
 */
export function assertCapability(capabilities: SandboxCapabilities, path: CapabilityPath, backend: string): void {
  if (!hasCapability(capabilities, path)) {
    throw new UnsupportedCapabilityError(`The ${backend} backend does not support ${path}.`, {
      backend,
      capability: path,
    });
  }
}
