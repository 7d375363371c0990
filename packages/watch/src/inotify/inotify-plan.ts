import { isPathInside } from '@kode/core';
import { parentPath } from '../watch-targets';
import type { WatchStatEntry } from '../watch-port';

/** Which directories the inotifywait processes watch for one watch. */
export interface InotifyPlan {
  /** Existing directories watched with `-r` (recursive directory targets). */
  recursiveDirs: string[];
  /**
   * Existing directories watched without `-r`: non-recursive directory targets, the parents of
   * file targets, and the nearest existing ancestor of targets that do not exist yet.
   */
  flatDirs: string[];
  /** Paths whose creation as a directory changes the plan (a missing target or a step towards it). */
  armPoints: Set<string>;
  /** Every directory watched, in either group (their own deletion changes the plan). */
  roots: Set<string>;
}

/** The paths whose stat the planner needs: every target and every ancestor of it. */
export function planningPaths(targets: readonly string[]): string[] {
  const paths = new Set<string>();
  for (const target of targets) {
    let p = target;
    paths.add(p);
    while (p !== '/') {
      p = parentPath(p);
      paths.add(p);
    }
  }
  return [...paths];
}

/**
 * Plans the inotifywait watches for `targets` given a non-recursive snapshot of
 * {@link planningPaths}. A directory target is watched itself (with `-r` when recursive); any
 * other existing target through its parent directory (so replacing or re-creating the file is
 * seen); a missing target through its nearest existing ancestor directory, and every step from
 * there to the target is an arm point. Flat directories inside a recursive one are dropped.
 */
export function planInotifyWatch(options: { targets: readonly string[]; recursive: boolean; entries: readonly WatchStatEntry[] }): InotifyPlan {
  const types = new Map(options.entries.map((e) => [e.path, e.type]));
  const recursiveDirs = new Set<string>();
  const flatDirs = new Set<string>();
  const armPoints = new Set<string>();
  for (const target of options.targets) {
    const type = types.get(target);
    if (type === 'directory') {
      (options.recursive ? recursiveDirs : flatDirs).add(target);
      continue;
    }
    if (type !== undefined) {
      flatDirs.add(parentPath(target));
      continue;
    }
    let ancestor = target;
    armPoints.add(target);
    while (ancestor !== '/') {
      ancestor = parentPath(ancestor);
      if (types.get(ancestor) === 'directory') break;
      armPoints.add(ancestor);
    }
    flatDirs.add(ancestor);
  }
  const recursive = [...recursiveDirs].sort();
  const flat = [...flatDirs].filter((dir) => !recursive.some((root) => isPathInside(root, dir))).sort();
  for (const point of armPoints) if (recursive.some((root) => isPathInside(root, point))) armPoints.delete(point);
  return { recursiveDirs: recursive, flatDirs: flat, armPoints, roots: new Set([...recursive, ...flat]) };
}
