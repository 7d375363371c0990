import { readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve as resolveHostPath } from 'node:path';
import { InvalidArgumentError, isPathInside, PathOutsideSandboxError } from '@kode/core';
import { errnoCode, mapHostError } from './host-errors';
import { LOCAL_KIND } from './local-config';

/** Symlink hops followed while resolving one path before giving up (like the kernel's limit). */
const MAX_SYMLINK_HOPS = 40;

/** One directory (or file) the sandbox may touch. */
export interface SandboxRoot {
  /** What it is, for messages: `'workDir'`, `'allowPaths[0]'`, `'temp'`. */
  label: string;
  /** Absolute path as configured. */
  lexical: string;
  /** Real path (symlinks resolved), or the lexical path until resolved. */
  real: string;
}

/** How {@link PathGuard.check} treats the last path component. */
export interface GuardCheckOptions {
  /** Follow a symlink in the last component (`read`, `write`, `mkdir`, `list`), or not (`stat`, `rm`, `rename`). */
  followFinal: boolean;
  /** Operation name for messages (default: none). */
  op?: string;
}

/**
 * The real path of `path` (absolute): `realpath` when it exists; otherwise the real path of its
 * nearest existing ancestor joined with the rest, following dangling symlinks on the way so that a
 * not-yet-existing target behind a link is judged where it would really be created.
 * With `followFinal: false` the last component is kept as is (lstat semantics).
 * @throws InvalidArgumentError on a symlink loop; mapped host errors for other failures
 */
export async function hostRealPath(path: string, options: { followFinal: boolean; hops?: number }): Promise<string> {
  const hops = options.hops ?? 0;
  if (hops > MAX_SYMLINK_HOPS) {
    throw new InvalidArgumentError(`Too many levels of symbolic links resolving ${path}.`, { backend: LOCAL_KIND });
  }
  if (path === '/') return '/';
  if (!options.followFinal) {
    return join(await hostRealPath(dirname(path), { followFinal: true, hops }), basename(path));
  }
  try {
    return await realpath(path);
  } catch (error) {
    const code = errnoCode(error);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') {
      if (code === 'ELOOP') throw new InvalidArgumentError(`Too many levels of symbolic links resolving ${path}.`, { backend: LOCAL_KIND, cause: error });
      throw mapHostError(error, { op: 'realpath', path });
    }
  }
  const candidate = join(await hostRealPath(dirname(path), { followFinal: true, hops }), basename(path));
  let target: string;
  try {
    target = await readlink(candidate);
  } catch {
    return candidate; // missing (or not a link): this is where the path would be created
  }
  return hostRealPath(resolveHostPath(dirname(candidate), target), { followFinal: true, hops: hops + 1 });
}

/**
 * Confinement of the fs methods: a path is allowed when its real path lies inside one of the
 * roots' real paths. This is a check made before each operation, not a kernel-enforced boundary.
 */
export class PathGuard {
  /** @param roots allowed roots; `real` is updated by {@link PathGuard.resolveRoots} */
  constructor(private roots: SandboxRoot[]) {}

  /** Replaces the roots (called once by `init()` with real paths). */
  setRoots(roots: SandboxRoot[]): void {
    this.roots = roots;
  }

  /** The current roots. */
  get allRoots(): readonly SandboxRoot[] {
    return this.roots;
  }

  /** Lexical check: `path` (absolute) is inside a root's configured or real path. No I/O. */
  isInsideLexical(path: string): boolean {
    return this.roots.some((root) => isPathInside(root.lexical, path) || isPathInside(root.real, path));
  }

  /**
   * Resolves `path` (absolute) to its real path and checks it lies inside a root.
   * @returns the real path
   * @throws PathOutsideSandboxError when it does not
   */
  async check(path: string, options: GuardCheckOptions): Promise<string> {
    const real = await hostRealPath(path, { followFinal: options.followFinal });
    if (this.roots.some((root) => isPathInside(root.real, real))) return real;
    const where = real === path ? '' : ` (real path ${real})`;
    throw new PathOutsideSandboxError(
      `${options.op === undefined ? '' : `${options.op}: `}${path}${where} is outside the sandbox; allowed: ${this.roots.map((r) => `${r.label} ${r.real}`).join(', ')}.`,
      {
        backend: LOCAL_KIND,
        path,
        hint: 'LocalSandbox confines fs paths to workDir, allowPaths and its temp directory, after resolving symlinks. Add the directory to allowPaths if it should be reachable.',
      },
    );
  }
}
