import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { join, delimiter } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isProcessAlive, listProcessTree } from './process-tree';

/**
 * A sandbox root on the host: the directories that become the sandbox's `/workspace`, `/tmp`,
 * home (`/root`), `/var` and a private state directory. Everything else inside the sandbox is
 * an empty tmpfs (`/`) plus the host's read-only `/usr` and `/etc`.
 */
export interface IsolatedRoot {
  /** Host path of the root directory (owns every other directory below). */
  readonly dir: string;
  /** Host directory bound at `/workspace`. */
  readonly workspaceDir: string;
  /** Host directory bound at `/tmp`. */
  readonly tmpDir: string;
  /** Host directory bound at `/root` (the home directory). */
  readonly homeDir: string;
  /** Host directory bound at `/var`. */
  readonly varDir: string;
  /** Private host directory for the caller's own files (not bound anywhere unless asked). */
  readonly stateDir: string;
}

/** Options of {@link createIsolatedRoot}. */
export interface CreateIsolatedRootOptions {
  /** Host directory the root is created in (created when missing). */
  baseDir: string;
  /** Directory name of the root below `baseDir`; default: a random name. Must not exist yet. */
  name?: string;
}

/** A host path bound into the sandbox. */
export interface RootBind {
  /** Absolute host path (file or directory); must exist. */
  hostPath: string;
  /** Absolute path inside the sandbox. */
  sandboxPath: string;
  /** Bind read-only; default false. */
  readOnly?: boolean;
}

/** Options of {@link spawnInRoot}. */
export interface SpawnInRootOptions {
  /** The root made by {@link createIsolatedRoot}. */
  root: IsolatedRoot;
  /** Program and arguments, resolved inside the sandbox (e.g. `['/usr/bin/node', '/opt/x.cjs']`). */
  argv: readonly string[];
  /**
   * The complete environment of the process (nothing of the host's environment leaks in).
   * Default: `PATH`, `HOME=/root`, `HOSTNAME`, `LANG=C.UTF-8`.
   */
  env?: Record<string, string>;
  /** Working directory inside the sandbox; default `/`. */
  cwd?: string;
  /** Host name inside the sandbox (own UTS namespace); default `sandbox`. */
  hostname?: string;
  /** Extra binds, applied after the standard ones (so they may shadow them). */
  binds?: readonly RootBind[];
  /**
   * Commands made unavailable inside (e.g. `['inotifywait']`): the affected directories of
   * `/usr` are replaced by a copy made of hard links (symlinks across file systems) without them.
   */
  hideCommands?: readonly string[];
  /** `'host'` (default) shares the host's network; `'none'` gives the sandbox its own loopback only. */
  network?: 'host' | 'none';
  /** stdio of the spawned bubblewrap process; default `['ignore', 'pipe', 'pipe']`. */
  stdio?: StdioOptions;
}

/** The directories searched for commands to hide, in the order a default PATH uses them. */
const COMMAND_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin'];

/** The PATH every sandbox gets by default. */
export const DEFAULT_SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

let bwrapPath: string | undefined;

/**
 * Finds the `bwrap` (bubblewrap) executable on the host PATH.
 *
 * @returns its absolute path (cached after the first call).
 * @throws Error naming the package to install (`bubblewrap`) when it is missing or unusable.
 */
export function findBubblewrap(): string {
  if (bwrapPath) return bwrapPath;
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const candidate = join(dir, 'bwrap');
    if (dir && existsSync(candidate)) {
      const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
      if (probe.status === 0) {
        bwrapPath = candidate;
        return candidate;
      }
    }
  }
  throw new Error(
    'bubblewrap (`bwrap`) is required to isolate sandboxes but was not found on PATH. ' +
      'Install the `bubblewrap` package (Debian/Ubuntu: `apt-get install -y bubblewrap`; Fedora: `dnf install bubblewrap`).',
  );
}

/**
 * Creates a sandbox root: a directory below `baseDir` holding the host side of `/workspace`,
 * `/tmp` (mode 1777), `/root`, `/var` and a private state directory.
 *
 * The caller owns the result and must release it with {@link removeIsolatedRoot}.
 *
 * @throws Error when `bwrap` is missing (see {@link findBubblewrap}) or the directories cannot be made.
 */
export async function createIsolatedRoot(options: CreateIsolatedRootOptions): Promise<IsolatedRoot> {
  findBubblewrap();
  const dir = join(options.baseDir, options.name ?? `root-${randomBytes(6).toString('hex')}`);
  await mkdir(options.baseDir, { recursive: true });
  await mkdir(dir);
  const root: IsolatedRoot = {
    dir,
    workspaceDir: join(dir, 'workspace'),
    tmpDir: join(dir, 'tmp'),
    homeDir: join(dir, 'home'),
    varDir: join(dir, 'var'),
    stateDir: join(dir, 'state'),
  };
  await Promise.all([
    mkdir(root.workspaceDir),
    mkdir(root.tmpDir, { mode: 0o1777 }),
    mkdir(root.homeDir, { mode: 0o700 }),
    mkdir(root.varDir),
    mkdir(root.stateDir),
  ]);
  await mkdir(join(root.varDir, 'tmp'));
  await mkdir(join(root.varDir, 'log'));
  // mkdir's mode is filtered by the umask: set the sticky world-writable temp dirs explicitly
  await Promise.all([chmod(root.tmpDir, 0o1777), chmod(join(root.varDir, 'tmp'), 0o1777), chmod(root.homeDir, 0o700)]);
  return root;
}

/**
 * Starts a process inside the root with bubblewrap: `/` is a fresh tmpfs, the host's `/usr` and
 * `/etc` are bound read-only (with the `/bin`, `/sbin`, `/lib`, `/lib64` symlinks), the root's
 * directories are bound at `/workspace`, `/tmp`, `/root` and `/var`, and the process gets its own
 * pid, UTS and IPC namespaces (`--unshare-pid`, `--die-with-parent`): killing the returned
 * bubblewrap process (see {@link killRootProcess}) kills every process of the sandbox.
 *
 * @returns the spawned `bwrap` child; the caller owns it.
 * @throws Error when `bwrap` is missing or a bind source does not exist.
 */
export function spawnInRoot(options: SpawnInRootOptions): ChildProcess {
  const bwrap = findBubblewrap();
  const { root } = options;
  const args: string[] = [
    '--tmpfs', '/',
    '--ro-bind', '/usr', '/usr',
    '--symlink', 'usr/bin', '/bin',
    '--symlink', 'usr/sbin', '/sbin',
    '--symlink', 'usr/lib', '/lib',
  ];
  if (existsSync('/usr/lib64')) args.push('--symlink', 'usr/lib64', '/lib64');
  if (existsSync('/usr/lib32')) args.push('--symlink', 'usr/lib32', '/lib32');
  args.push(
    '--ro-bind', '/etc', '/etc',
    '--bind', root.workspaceDir, '/workspace',
    '--bind', root.tmpDir, '/tmp',
    '--bind', root.homeDir, '/root',
    '--bind', root.varDir, '/var',
    '--proc', '/proc',
    '--dev', '/dev',
    '--unshare-pid', '--unshare-uts', '--unshare-ipc',
    '--hostname', options.hostname ?? 'sandbox',
    '--die-with-parent',
  );
  if (options.network === 'none') args.push('--unshare-net');
  for (const shadow of shadowCommandDirs(options.hideCommands ?? [], join(root.dir, '..', '.shadow'))) {
    args.push('--ro-bind', shadow.hostDir, shadow.dir);
  }
  for (const bind of options.binds ?? []) {
    if (!existsSync(bind.hostPath)) throw new Error(`bind source does not exist: ${bind.hostPath}`);
    args.push(bind.readOnly ? '--ro-bind' : '--bind', bind.hostPath, bind.sandboxPath);
  }
  args.push('--chdir', options.cwd ?? '/', '--', ...options.argv);
  const env = options.env ?? { PATH: DEFAULT_SANDBOX_PATH, HOME: '/root', HOSTNAME: options.hostname ?? 'sandbox', LANG: 'C.UTF-8' };
  return spawn(bwrap, args, { env, stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'] });
}

/**
 * Builds (once per distinct set, cached below `cacheDir`) copies of the command directories of
 * `/usr` that contain one of `commands`, without those commands: regular files are hard links
 * (symlinks when the cache is on another file system), symlinks are copied as they are.
 */
function shadowCommandDirs(commands: readonly string[], cacheDir: string): { dir: string; hostDir: string }[] {
  if (commands.length === 0) return [];
  const hidden = new Set(commands);
  const out: { dir: string; hostDir: string }[] = [];
  for (const dir of COMMAND_DIRS) {
    if (!existsSync(dir) || !commands.some((c) => existsSync(join(dir, c)))) continue;
    const key = `${dir.replace(/\//g, '_')}-${[...hidden].sort().join(',').replace(/[^A-Za-z0-9,._-]/g, '_')}`;
    const hostDir = join(cacheDir, key);
    if (!existsSync(hostDir)) buildShadowDir({ source: dir, target: hostDir, hidden });
    out.push({ dir, hostDir });
  }
  return out;
}

function buildShadowDir(options: { source: string; target: string; hidden: ReadonlySet<string> }): void {
  const staging = `${options.target}.tmp-${randomBytes(4).toString('hex')}`;
  mkdirSync(staging, { recursive: true });
  for (const name of readdirSync(options.source)) {
    if (options.hidden.has(name)) continue;
    const from = join(options.source, name);
    const to = join(staging, name);
    const st = lstatSync(from);
    if (st.isSymbolicLink()) {
      symlinkSync(readlinkSync(from), to);
    } else if (st.isDirectory()) {
      symlinkSync(from, to);
    } else {
      try {
        linkSync(from, to);
      } catch {
        symlinkSync(from, to);
      }
    }
  }
  writeFileSync(join(staging, '.kode-shadow'), `${[...options.hidden].join('\n')}\n`);
  try {
    renameSync(staging, options.target);
  } catch {
    // another emulator built it concurrently
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Kills a process started by {@link spawnInRoot} and, through its pid namespace, every process
 * of the sandbox (paused ones included). Resolves once the bubblewrap process has exited and
 * every process of the sandbox seen at the call is gone (bounded by 5 s). Idempotent.
 */
export async function killRootProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pids = child.pid ? listProcessTree(child.pid) : [];
  child.kill('SIGKILL');
  // SIGKILL every member too: a stopped (paused) tree must not linger until it is continued.
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await exited;
  // The pid namespace is torn down asynchronously: wait until every member is really gone.
  const deadline = Date.now() + 5000;
  while (pids.some(isProcessAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/** Options of {@link removeIsolatedRoot}. */
export interface RemoveIsolatedRootOptions {
  /** Processes started in the root; they are killed (with their sandboxes) first. */
  processes?: readonly ChildProcess[];
}

/**
 * Kills the given sandbox processes (see {@link killRootProcess}), then deletes the root's
 * directory tree. Idempotent; a missing directory is fine.
 */
export async function removeIsolatedRoot(root: IsolatedRoot, options: RemoveIsolatedRootOptions = {}): Promise<void> {
  await Promise.all((options.processes ?? []).map((p) => killRootProcess(p)));
  await rm(root.dir, { recursive: true, force: true, maxRetries: 3 });
}
