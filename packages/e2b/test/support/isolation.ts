/**
 * Isolation for emulated sandboxes: each sandbox is a bubblewrap root (its own `/home`, `/tmp`,
 * `/var`, and pid namespace over the host's read-only `/usr` and `/etc`), like a small VM.
 * Kept behind a tiny interface so the implementation can be swapped for the OpenSandbox
 * emulator's primitives without touching the envd emulator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One isolated root. */
export interface IsolatedRoot {
  /** Host directory holding the root's writable parts. */
  readonly hostDir: string;
  /** Host path of an absolute sandbox path under a writable mount (`/home`, `/tmp`, `/var`). */
  hostPath(sandboxPath: string): string;
  /** Spawns `command` inside the root (pid namespace of its own; dies with the emulator). */
  spawn(command: string, args: string[], options?: { env?: Record<string, string>; binds?: Array<{ host: string; sandbox: string }> }): ChildProcess;
  /** Deletes the root's files. Kill its processes first. */
  destroy(): Promise<void>;
}

/** Creates isolated roots. */
export interface IsolationDriver {
  readonly name: string;
  createRoot(options: { id: string }): Promise<IsolatedRoot>;
}

const WRITABLE = ['home', 'tmp', 'var', 'root'] as const;

/** The bubblewrap driver (requires `bwrap`, as in environment notes). */
export function bubblewrapDriver(): IsolationDriver {
  return {
    name: 'bubblewrap',
    async createRoot({ id }) {
      const hostDir = await mkdtemp(join(tmpdir(), `kode-e2b-${id.replace(/[^a-z0-9]/gi, '').slice(0, 12)}-`));
      for (const dir of WRITABLE) await mkdir(join(hostDir, dir), { recursive: true });
      await mkdir(join(hostDir, 'home', 'user'), { recursive: true });
      const hostPath = (sandboxPath: string): string => {
        const top = sandboxPath.split('/')[1] ?? '';
        if (!(WRITABLE as readonly string[]).includes(top)) throw new Error(`${sandboxPath} is not on a writable mount of the emulated sandbox`);
        return join(hostDir, sandboxPath);
      };
      return {
        hostDir,
        hostPath,
        spawn(command, args, options = {}) {
          const bwrapArgs = ['--tmpfs', '/', '--ro-bind', '/usr', '/usr'];
          for (const [link, target] of [['/bin', 'usr/bin'], ['/sbin', 'usr/sbin'], ['/lib', 'usr/lib'], ['/lib64', 'usr/lib64']] as const) {
            if (existsSync(`/${target}`)) bwrapArgs.push('--symlink', target, link);
          }
          bwrapArgs.push('--ro-bind', '/etc', '/etc');
          for (const dir of WRITABLE) bwrapArgs.push('--bind', join(hostDir, dir), `/${dir}`);
          for (const bind of options.binds ?? []) bwrapArgs.push('--ro-bind', bind.host, bind.sandbox);
          bwrapArgs.push('--proc', '/proc', '--dev', '/dev', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--hostname', 'e2b', '--die-with-parent', '--chdir', '/home/user');
          bwrapArgs.push('--', command, ...args);
          return spawn('bwrap', bwrapArgs, { env: { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
        },
        async destroy() {
          await rm(hostDir, { recursive: true, force: true });
        },
      };
    },
  };
}
