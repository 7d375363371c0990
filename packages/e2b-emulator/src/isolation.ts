/**
 * Isolation for emulated E2B sandboxes, built on the OpenSandbox emulator's exported bubblewrap
 * primitives (one isolation implementation in the repository): each sandbox gets a fresh root
 * (`/` a tmpfs, the host's `/usr` and `/etc` read-only, its own `/tmp`, `/var`, `/root`, pid/UTS/IPC
 * namespaces) plus E2B's `/home/user`. Kept behind a small interface so the envd emulator does not
 * depend on the primitives' details.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIsolatedRoot, killRootProcess, listProcessTree, removeIsolatedRoot, signalProcessTree, spawnInRoot, type IsolatedRoot as RootDirs } from '@kode/isolation';

/** One isolated root. */
export interface IsolatedRoot {
  /** Spawns `argv` inside the root (own pid namespace; dies with the emulator). */
  spawn(options: { argv: string[]; binds?: Array<{ host: string; sandbox: string }>; hideCommands?: string[] }): ChildProcess;
  /**
   * Host pids of every process running in the root (the processes `spawn` started and all their
   * descendants), parents before children.
   */
  pids(): number[];
  /**
   * Stops every process of the root (SIGSTOP on the bubblewrap process and its whole tree, new
   * forks included). Idempotent.
   */
  freeze(): void;
  /** Continues every process `freeze` stopped (SIGCONT on the whole tree). Idempotent. */
  thaw(): void;
  /** Kills every process of the root (frozen ones too) and deletes its files. Idempotent. */
  destroy(): Promise<void>;
}

/** Creates isolated roots. */
export interface IsolationDriver {
  readonly name: string;
  createRoot(options: { id: string }): Promise<IsolatedRoot>;
}

/** One shared parent; each root below it is removed when its sandbox ends. */
const BASE_DIR = join(tmpdir(), 'kode-e2b-emulator');

/** The bubblewrap driver (OpenSandbox emulator primitives); requires `bwrap`. */
export function bubblewrapDriver(): IsolationDriver {
  return {
    name: 'bubblewrap',
    async createRoot({ id }) {
      const dirs: RootDirs = await createIsolatedRoot({ baseDir: BASE_DIR, name: `${id.replace(/[^A-Za-z0-9_-]/g, '_')}-${randomBytes(4).toString('hex')}` });
      const home = join(dirs.stateDir, 'home');
      await mkdir(join(home, 'user'), { recursive: true });
      const children: ChildProcess[] = [];
      let destroyed: Promise<void> | undefined;
      return {
        spawn({ argv, binds = [], hideCommands = [] }) {
          const child = spawnInRoot({
            root: dirs,
            argv,
            cwd: '/home/user',
            hostname: 'e2b',
            env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/home/user', LANG: 'C.UTF-8' },
            binds: [{ hostPath: home, sandboxPath: '/home' }, ...binds.map((b) => ({ hostPath: b.host, sandboxPath: b.sandbox, readOnly: true }))],
            hideCommands,
          });
          children.push(child);
          return child;
        },
        pids() {
          return children.flatMap((c) => (c.pid === undefined ? [] : [c.pid, ...listProcessTree(c.pid)]));
        },
        freeze() {
          for (const c of children) {
            if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) continue;
            c.kill('SIGSTOP');
            signalProcessTree(c.pid, 'SIGSTOP');
          }
        },
        thaw() {
          for (const c of children) {
            if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) continue;
            signalProcessTree(c.pid, 'SIGCONT');
            c.kill('SIGCONT');
          }
        },
        destroy() {
          destroyed ??= (async () => {
            await Promise.all(children.map((c) => killRootProcess(c)));
            await removeIsolatedRoot(dirs);
          })();
          return destroyed;
        },
      };
    },
  };
}
