import {
  DisposedError,
  FileNotFoundError,
  hasCapability,
  InvalidArgumentError,
  quoteShellArg,
  type BaseSandboxConfig,
  type ByteSource,
  type CapabilityPath,
  type ExecSession,
  type ToConfigOptions,
  type WatchFilesOptions,
  type WatchListener,
  type ExecOptions,
  type Sandbox,
  type SandboxCapabilities,
  type SandboxEndpoints,
  type SandboxFs,
  type SandboxProcesses,
  type SandboxSessions,
} from '@kode/core';
import type { ExpectStatic } from 'vitest';
import { conformanceCases } from './conformance-cases';
import { runConformanceCase } from './run-case';
import { restoreInstance } from './support/restore';
import { withTimeout } from './support/wait';
import type { ConformanceCase, ConformanceGroup, ConformanceSandboxOptions, ConformanceTarget, ConformanceWatchMode } from './types';

/**
 * A deliberately broken backend: it wraps a real sandbox and breaks one rule of the contract.
 * The kit must catch every mutant with at least one case, or the kit cannot fail.
 */
export interface ConformanceMutant {
  /** Stable kebab-case id. */
  id: string;
  /** The rule it breaks, in words. */
  description: string;
  /** The groups whose cases are expected to catch it (the self-test runs only those). */
  groups: ReadonlyArray<ConformanceGroup | (string & {})>;
  /**
   * The case ids built to catch it (a subset of `groups`' cases). Self-tests on slow backends run
   * only these; at least one must catch the mutant wherever it applies.
   */
  catchers: readonly string[];
  /** Why the mutant cannot be expressed on `target`, or `undefined` when it can. Default: always applies. */
  appliesTo?(target: ConformanceTarget): string | undefined;
  /**
   * Capabilities the real backend must declare for the mutant to be expressible (what it breaks
   * exists only there, e.g. `lifecycle.pause`); elsewhere it is skipped. Read from the backend's
   * sandbox, never from the target (see {@link mutantSkipReason}). Default: none.
   */
  requires?: readonly CapabilityPath[];
  /** Wraps a fresh (not initialised) sandbox created with `options`; the result is used exactly like the original. */
  wrap(sandbox: Sandbox, options: ConformanceSandboxOptions): Sandbox;
}

/** Which parts of a sandbox a mutant replaces; everything else is delegated to the real one. */
interface Overrides {
  exec?: (inner: Sandbox, command: string, options?: ExecOptions) => ReturnType<Sandbox['exec']>;
  fs?: Partial<SandboxFs>;
  processes?: Partial<SandboxProcesses>;
  sessions?: Partial<SandboxSessions>;
  endpoints?: Partial<SandboxEndpoints>;
  pause?: Sandbox['pause'];
  resume?: Sandbox['resume'];
  dispose?: (inner: Sandbox) => Promise<void>;
  init?: (inner: Sandbox) => Promise<void>;
  getSandboxId?: () => string;
  toConfig?: (options?: ToConfigOptions) => BaseSandboxConfig & Record<string, unknown>;
  watchFiles?: Sandbox['watchFiles'];
  unwatchFiles?: Sandbox['unwatchFiles'];
  capabilities?: SandboxCapabilities;
}

function delegate<T extends object>(inner: T, overrides: Partial<T>): T {
  return new Proxy(inner, {
    get(target, key) {
      if (Object.prototype.hasOwnProperty.call(overrides, key)) return overrides[key as keyof T];
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function mutate(inner: Sandbox, overrides: Overrides): Sandbox {
  const fs = overrides.fs ? delegate(inner.fs, overrides.fs) : inner.fs;
  const processes = overrides.processes ? delegate(inner.processes, overrides.processes) : inner.processes;
  const sessions = overrides.sessions ? delegate(inner.sessions, overrides.sessions) : inner.sessions;
  const endpoints = overrides.endpoints ? delegate(inner.endpoints, overrides.endpoints) : inner.endpoints;
  const replaced: Partial<Sandbox> = { fs, processes, sessions, endpoints };
  if (overrides.pause) replaced.pause = overrides.pause;
  if (overrides.resume) replaced.resume = overrides.resume;
  if (overrides.exec) {
    const exec = overrides.exec;
    replaced.exec = (command, options) => exec(inner, command, options);
  }
  if (overrides.dispose) {
    const dispose = overrides.dispose;
    replaced.dispose = () => dispose(inner);
    replaced[Symbol.asyncDispose] = () => dispose(inner);
  }
  if (overrides.init) {
    const init = overrides.init;
    replaced.init = () => init(inner);
  }
  if (overrides.getSandboxId) replaced.getSandboxId = overrides.getSandboxId;
  if (overrides.toConfig) replaced.toConfig = overrides.toConfig;
  if (overrides.watchFiles) replaced.watchFiles = overrides.watchFiles;
  if (overrides.unwatchFiles) replaced.unwatchFiles = overrides.unwatchFiles;
  if (overrides.capabilities) Object.defineProperty(replaced, 'capabilities', { value: overrides.capabilities, enumerable: true });
  return delegate(inner, replaced);
}

/** Turns FileNotFoundError into a plain Error, as a backend leaking raw ENOENT would. */
function leakEnoent<A extends unknown[], R>(call: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await call(...args);
    } catch (error) {
      if (FileNotFoundError.isInstance(error)) throw new Error(`ENOENT: no such file or directory`);
      throw error;
    }
  };
}

/** A session a mutant wraps, and the absolute directory it was created in. */
interface WrappedSession {
  real: ExecSession;
  startCwd: string;
}

/** Sessions whose every session's `exec` is replaced by `exec(session, command, options)`; `id` and `close` stay the real session's. */
function mutateSessions(s: Sandbox, exec: (session: WrappedSession, command: string, options?: ExecOptions) => ReturnType<ExecSession['exec']>): Partial<SandboxSessions> {
  return {
    create: async (options) => {
      const real = await s.sessions.create(options);
      const session: WrappedSession = { real, startCwd: s.fs.resolve(options?.cwd ?? s.workDir) };
      return { id: real.id, exec: (command, o) => exec(session, command, o), close: () => real.close() };
    },
  };
}

/** The chunks of any `ByteSource`, one at a time. */
async function* chunksOfSource(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (source instanceof ReadableStream) {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  yield* source as AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function isValidPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65_535;
}

/** The built-in mutants (each breaks one rule the issue names, plus a few more). */
export const conformanceMutants: readonly ConformanceMutant[] = [
  {
    id: 'exec-wrong-exit-code',
    description: 'exec collapses every non-zero exit code to 1',
    groups: ['exec'],
    catchers: ['exec.exit-code-127', 'exec.exit-code-arbitrary', 'exec.killed-by-signal', 'exec.stderr-with-exit-code'],
    wrap: (s) => mutate(s, { exec: async (inner, cmd, o) => { const r = await inner.exec(cmd, o); return { ...r, code: r.code === 0 ? 0 : 1 }; } }),
  },
  {
    id: 'exec-ignores-cwd',
    description: 'exec ignores the cwd option (runs in workDir)',
    groups: ['exec'],
    catchers: ['exec.cwd-absolute', 'exec.cwd-relative'],
    wrap: (s) => mutate(s, { exec: (inner, cmd, o) => inner.exec(cmd, { ...o, cwd: undefined }) }),
  },
  {
    id: 'fs-missing-file-untyped',
    description: 'fs calls on a missing path reject with a plain Error instead of FileNotFoundError',
    groups: ['fs', 'errors'],
    catchers: ['errors.typed-file-not-found', 'fs.not-found.read'],
    wrap: (s) =>
      mutate(s, {
        fs: {
          read: leakEnoent((p: string) => s.fs.read(p)),
          readBytes: leakEnoent((p: string) => s.fs.readBytes(p)),
          stat: leakEnoent((p: string) => s.fs.stat(p)),
          list: leakEnoent((p: string, o?: Parameters<SandboxFs['list']>[1]) => s.fs.list(p, o)),
          rm: leakEnoent((p: string, o?: Parameters<SandboxFs['rm']>[1]) => s.fs.rm(p, o)),
          rename: leakEnoent((a: string, b: string) => s.fs.rename(a, b)),
        },
      }),
  },
  {
    id: 'dispose-not-idempotent',
    description: 'a second dispose() rejects with DisposedError',
    groups: ['lifecycle'],
    catchers: ['lifecycle.dispose-idempotent'],
    wrap: (s) => {
      let disposed = false;
      return mutate(s, {
        dispose: async (inner) => {
          if (disposed) throw new DisposedError('already disposed');
          disposed = true;
          await inner.dispose();
        },
      });
    },
  },
  {
    id: 'watch-drops-events',
    description: 'the watch listener receives only every second event',
    groups: ['watch'],
    catchers: ['watch.rename', 'watch.multiple-paths', 'watch.burst-200'],
    requires: ['watch.polling'],
    wrap: (s) =>
      mutate(s, {
        watchFiles: (paths, listener, options) => {
          let n = 0;
          return s.watchFiles(paths, (event) => {
            if (n++ % 2 === 0) listener(event);
          }, options);
        },
      }),
  },
  {
    id: 'glob-unsorted',
    description: 'glob returns its matches in reverse order',
    groups: ['fs'],
    catchers: ['fs.glob.sorting', 'fs.list-1000-files'],
    wrap: (s) => mutate(s, { fs: { glob: async (p, o) => (await s.fs.glob(p, o)).reverse() } }),
  },
  {
    id: 'glob-ignores-dot-option',
    description: 'glob always matches dotfiles (dot: true regardless of the option)',
    groups: ['fs'],
    catchers: ['fs.glob.star', 'fs.glob.dotfiles-without-dot'],
    wrap: (s) => mutate(s, { fs: { glob: (p, o) => s.fs.glob(p, { ...o, dot: true }) } }),
  },
  {
    id: 'timeout-leaves-children',
    description: 'on timeout only the direct child is killed: the command runs in its own session and survives',
    groups: ['exec'],
    catchers: ['exec.timeout-kills-grandchild'],
    wrap: (s) => {
      // The escaped sessions are recorded so that dispose can still end them (the mutant must not leak).
      const sessions = () => `${s.workDir}/.kode-mutant-sessions`;
      return mutate(s, {
        exec: (inner, cmd, o) =>
          o?.timeoutMs !== undefined && o.timeoutMs > 0 && o.timeoutMs < 5_000
            ? inner.exec(`setsid sh -c ${quoteShellArg(cmd)} </dev/null >/dev/null 2>&1 & echo $! >> ${quoteShellArg(sessions())}; wait $!`, o)
            : inner.exec(cmd, o),
        dispose: async (inner) => {
          await inner
            .exec(`[ -f ${quoteShellArg(sessions())} ] && for p in $(cat ${quoteShellArg(sessions())}); do kill -KILL -"$p" 2>/dev/null; done; rm -f ${quoteShellArg(sessions())}`)
            .catch(() => undefined);
          await inner.dispose();
        },
      });
    },
  },
  {
    id: 'exec-waits-for-background-children',
    description: 'exec waits for background children of the shell (as envd does for children holding the output pipes)',
    groups: ['exec'],
    catchers: ['exec.background-child-holds-stdout'],
    wrap: (s) => mutate(s, { exec: (inner, cmd, o) => inner.exec(`${cmd}\n__kode_status=$?; wait; exit $__kode_status`, o) }),
  },
  {
    id: 'exec-merges-stderr',
    description: 'exec appends stderr to stdout',
    groups: ['exec'],
    catchers: ['exec.stdout-stderr-separate', 'exec.stderr-with-exit-code'],
    wrap: (s) => mutate(s, { exec: async (inner, cmd, o) => { const r = await inner.exec(cmd, o); return { ...r, stdout: r.stdout + r.stderr, stderr: '' }; } }),
  },
  {
    id: 'exec-ignores-max-output',
    description: 'exec ignores maxOutputBytes (never truncates)',
    groups: ['exec'],
    catchers: ['exec.output-truncated', 'exec.output-truncated-stderr'],
    wrap: (s) => mutate(s, { exec: (inner, cmd, o) => inner.exec(cmd, { ...o, maxOutputBytes: undefined }) }),
  },
  {
    id: 'processes-output-ignores-cursor',
    description: 'processes.output always returns everything from the start',
    groups: ['processes'],
    catchers: ['processes.output-cursor'],
    requires: ['processes.background'],
    wrap: (s) => mutate(s, { processes: { output: (id) => s.processes.output(id) } }),
  },
  {
    id: 'unwatch-keeps-listening',
    description: 'unwatchFiles resolves but the watch keeps delivering events',
    groups: ['watch'],
    catchers: ['watch.unwatch-stops-events'],
    requires: ['watch.polling'],
    wrap: (s) => mutate(s, { unwatchFiles: () => Promise.resolve() }),
  },
  {
    id: 'capabilities-mutable',
    description: 'capabilities are a fresh unfrozen object on every read',
    groups: ['lifecycle'],
    catchers: ['lifecycle.capabilities-frozen'],
    wrap: (s) => {
      const proxy = mutate(s, {});
      return new Proxy(proxy, {
        get: (target, key) => (key === 'capabilities' ? (JSON.parse(JSON.stringify(s.capabilities)) as SandboxCapabilities) : (Reflect.get(target, key, target) as unknown)),
      });
    },
  },
  {
    id: 'capability-declared-absent-but-works',
    description: 'declares processes.background false yet runs processes.start (a silent half-implementation)',
    groups: ['errors', 'processes'],
    catchers: ['errors.unsupported.processes-background'],
    wrap: (s) => mutate(s, { capabilities: Object.freeze({ ...s.capabilities, processes: Object.freeze({ ...s.capabilities.processes, background: false }) }) }),
  },
  {
    id: 'exec-accepts-empty-command',
    description: "exec('') and whitespace-only commands resolve with code 0 instead of raising InvalidArgumentError",
    groups: ['errors'],
    catchers: ['errors.exec-empty-command'],
    wrap: (s) =>
      mutate(s, {
        exec: (inner, cmd, o) =>
          typeof cmd === 'string' && cmd.trim() === '' ? Promise.resolve({ code: 0, stdout: '', stderr: '', timedOut: false, truncated: false, durationMs: 0 }) : inner.exec(cmd, o),
      }),
  },
  {
    id: 'exec-ignores-unknown-option',
    description: 'exec drops option keys it does not know ({ timeout: 5 }) instead of raising InvalidArgumentError',
    groups: ['errors'],
    catchers: ['errors.exec-unknown-option'],
    wrap: (s) =>
      mutate(s, {
        exec: (inner, cmd, o) => {
          const known = ['cwd', 'env', 'timeoutMs', 'signal', 'onStdout', 'onStderr', 'maxOutputBytes'];
          return inner.exec(cmd, o === undefined ? o : (Object.fromEntries(Object.entries(o).filter(([key]) => known.includes(key)))));
        },
      }),
  },
  {
    id: 'mkdir-over-file-succeeds',
    description: 'mkdir where a file exists resolves silently instead of raising InvalidArgumentError',
    groups: ['fs'],
    catchers: ['fs.mkdir-over-file'],
    wrap: (s) =>
      mutate(s, {
        fs: {
          mkdir: async (p, o) => {
            if ((await s.fs.exists(p)) && (await s.fs.stat(p)).type === 'file') return;
            await s.fs.mkdir(p, o);
          },
        },
      }),
  },
  {
    id: 'unwatch-after-dispose-throws',
    description: 'unwatchFiles after dispose raises DisposedError instead of resolving',
    groups: ['lifecycle'],
    catchers: ['lifecycle.unwatch-after-dispose'],
    wrap: (s) => {
      let disposed = false;
      return mutate(s, {
        unwatchFiles: (id: string) => (disposed ? Promise.reject(new DisposedError('the sandbox is disposed')) : s.unwatchFiles(id)),
        dispose: async (inner) => {
          disposed = true;
          await inner.dispose();
        },
      });
    },
  },
  {
    id: 'exec-duration-zero',
    description: 'exec reports durationMs 0 whatever the command took',
    groups: ['exec'],
    catchers: ['exec.duration'],
    wrap: (s) => mutate(s, { exec: async (inner, cmd, o) => ({ ...(await inner.exec(cmd, o)), durationMs: 0 }) }),
  },
  {
    id: 'fs-list-unsorted',
    description: 'fs.list returns entries in natural (locale, numeric) order instead of sorted by path',
    groups: ['fs'],
    catchers: ['fs.list-sort-order'],
    wrap: (s) =>
      mutate(s, {
        fs: {
          list: async (p, o) => (await s.fs.list(p, o)).sort((a, b) => a.path.localeCompare(b.path, undefined, { numeric: true, sensitivity: 'base' })),
        },
      }),
  },
  {
    id: 'rm-directory-wrong-error',
    description: 'rm of a directory without recursive is refused with a plain Error instead of InvalidArgumentError',
    groups: ['fs'],
    catchers: ['fs.rm-recursive'],
    wrap: (s) =>
      mutate(s, {
        fs: {
          rm: async (p, o) => {
            if (o?.recursive !== true && (await s.fs.exists(p)) && (await s.fs.stat(p)).type === 'directory') throw new Error(`EISDIR: illegal operation on a directory, rm '${p}'`);
            return s.fs.rm(p, o);
          },
        },
      }),
  },
  {
    id: 'sandbox-id-throws-after-dispose',
    description: 'getSandboxId throws DisposedError after dispose instead of still answering',
    groups: ['lifecycle'],
    catchers: ['lifecycle.sandbox-id-after-dispose'],
    wrap: (s) => {
      let disposed = false;
      return mutate(s, {
        getSandboxId: () => {
          if (disposed) throw new DisposedError('the sandbox is disposed');
          return s.getSandboxId();
        },
        dispose: async (inner) => {
          disposed = true;
          await inner.dispose();
        },
      });
    },
  },
  {
    id: 'to-config-includes-secrets',
    description: 'toConfig() includes secrets (env values) without { includeSecrets: true }',
    groups: ['lifecycle'],
    catchers: ['lifecycle.to-config-redacts-env'],
    appliesTo: (target) => (target.supportsEnv ? undefined : 'the target cannot create a sandbox with env'),
    wrap: (s) => mutate(s, { toConfig: () => s.toConfig({ includeSecrets: true }) }),
  },
  {
    id: 'init-skips-workdir',
    description: 'init never creates a custom workDir (it only exists when the image happens to have it)',
    groups: ['lifecycle'],
    catchers: ['lifecycle.init-creates-workdir'],
    appliesTo: (target) => (target.supportsWorkDir ? undefined : 'the target cannot create a sandbox with a fresh workDir'),
    wrap: (s, options) =>
      mutate(s, {
        init: async (inner) => {
          await inner.init();
          // Undo what init created: an empty fresh workDir is removed again.
          if (options.workDir !== undefined) await inner.exec(`rmdir -- ${quoteShellArg(options.workDir)}`, { cwd: '/' });
        },
      }),
  },
  {
    id: 'dispose-close-destroys',
    description: "dispose with disposeAction 'close' destroys the sandbox's state anyway (as a kill would)",
    groups: ['lifecycle'],
    catchers: ['lifecycle.dispose-close-keeps-sandbox'],
    requires: ['lifecycle.restore'],
    appliesTo: (target) => (target.supportsDisposeAction ? undefined : "the target cannot create a sandbox with disposeAction 'close'"),
    wrap: (s, options) =>
      mutate(s, {
        dispose: async (inner) => {
          if (options.disposeAction === 'close') {
            await inner.exec(`find ${quoteShellArg(inner.workDir)} -mindepth 1 -delete`).catch(() => undefined);
          }
          await inner.dispose();
        },
      }),
  },
  {
    id: 'dispose-leaves-watches',
    description: 'dispose() leaves watches running: the listener still gets events from the sandbox afterwards',
    groups: ['watch'],
    catchers: ['watch.dispose-closes-watches'],
    requires: ['lifecycle.restore', 'watch.polling'],
    appliesTo: (target) => (target.supportsDisposeAction ? undefined : "the target cannot create a sandbox with disposeAction 'close'"),
    wrap: (s) => {
      // Watches run on a second instance of the same sandbox that dispose() forgets to close; it is
      // closed a while later so the mutant does not leak.
      let watcher: Promise<Sandbox> | undefined;
      let disposed = false;
      const instance = (): Promise<Sandbox> => {
        watcher ??= (async () => {
          const second = restoreInstance(s, 'close');
          await second.init();
          return second;
        })();
        return watcher;
      };
      return mutate(s, {
        watchFiles: async (paths: string[], listener: WatchListener, options?: WatchFilesOptions) => {
          if (disposed) return s.watchFiles(paths, listener, options);
          return (await instance()).watchFiles(paths, listener, options);
        },
        unwatchFiles: async (id: string) => {
          if (watcher !== undefined) await (await watcher).unwatchFiles(id);
        },
        dispose: async (inner) => {
          disposed = true;
          await inner.dispose();
          const pending = watcher;
          if (pending !== undefined) setTimeout(() => void pending.then((w) => w.dispose()).catch(() => undefined), 30_000);
        },
      });
    },
  },
  {
    id: 'session-forgets-cwd',
    description: "a session runs every command in its starting directory (a cd does not persist)",
    groups: ['sessions'],
    catchers: ['sessions.cd-persists'],
    requires: ['exec.sessions'],
    wrap: (s) => mutate(s, { sessions: mutateSessions(s, ({ real, startCwd }, cmd, o) => real.exec(cmd, { ...o, cwd: o?.cwd ?? startCwd })) }),
  },
  {
    id: 'session-forgets-exports',
    description: 'a session forgets variables exported by a command (each command runs in a subshell; only its directory is kept)',
    groups: ['sessions'],
    catchers: ['sessions.export-persists'],
    requires: ['exec.sessions'],
    wrap: (s) =>
      mutate(s, {
        sessions: mutateSessions(s, ({ real }, cmd, o) =>
          real.exec(
            [
              '__kode_mutant_pwd=$(mktemp) || exit 125',
              `( trap 'pwd > "$__kode_mutant_pwd"' EXIT`,
              cmd,
              ')',
              '__kode_mutant_status=$?; cd -- "$(cat "$__kode_mutant_pwd")"; rm -f -- "$__kode_mutant_pwd"; (exit $__kode_mutant_status)',
            ].join('\n'),
            o,
          ),
        ),
      }),
  },
  {
    id: 'session-exec-env-persists',
    description: "a session exec's env is exported for good instead of for that command only",
    groups: ['sessions'],
    catchers: ['sessions.export-persists'],
    requires: ['exec.sessions'],
    wrap: (s) =>
      mutate(s, {
        sessions: mutateSessions(s, ({ real }, cmd, o) => {
          if (o?.env === undefined) return real.exec(cmd, o);
          const { env, ...rest } = o;
          const exports = Object.entries(env).map(([name, value]) => `export ${name}=${quoteShellArg(value)}`);
          return real.exec([...exports, cmd].join('\n'), rest);
        }),
      }),
  },
  {
    id: 'sessions-shared',
    description: 'sessions.create hands out one shared shell (under different ids): a cd or export in one session shows in the other',
    groups: ['sessions'],
    catchers: ['sessions.independent'],
    requires: ['exec.sessions'],
    wrap: (s) => {
      let shared: Promise<ExecSession> | undefined;
      let users = 0;
      let made = 0;
      return mutate(s, {
        sessions: {
          create: async (options) => {
            shared ??= s.sessions.create(options);
            const pending = shared;
            users++;
            const real = await pending;
            const id = made++ === 0 ? real.id : `${real.id}-${made}`;
            let closed = false;
            return {
              id,
              exec: (cmd, o) => real.exec(cmd, o),
              close: async () => {
                if (closed) return;
                closed = true;
                if (--users === 0) {
                  shared = undefined;
                  await real.close();
                }
              },
            };
          },
        },
      });
    },
  },
  {
    id: 'session-timeout-kills-session',
    description: 'a session exec that times out closes the session (later execs fail)',
    groups: ['sessions'],
    catchers: ['sessions.exec-contract'],
    requires: ['exec.sessions'],
    wrap: (s) =>
      mutate(s, {
        sessions: mutateSessions(s, async ({ real }, cmd, o) => {
          const result = await real.exec(cmd, o);
          if (result.timedOut) await real.close();
          return result;
        }),
      }),
  },
  {
    id: 'session-exec-wrong-exit-code',
    description: 'a session exec collapses every non-zero exit code to 1',
    groups: ['sessions'],
    catchers: ['sessions.exec-contract'],
    requires: ['exec.sessions'],
    wrap: (s) => mutate(s, { sessions: mutateSessions(s, async ({ real }, cmd, o) => { const r = await real.exec(cmd, o); return { ...r, code: r.code === 0 ? 0 : 1 }; }) }),
  },
  {
    id: 'session-close-noop',
    description: 'session.close() resolves but the session keeps serving execs (dispose still closes it)',
    groups: ['sessions'],
    catchers: ['sessions.exec-contract'],
    requires: ['exec.sessions'],
    wrap: (s) =>
      mutate(s, {
        sessions: {
          create: async (options) => {
            const real = await s.sessions.create(options);
            return { id: real.id, exec: (cmd, o) => real.exec(cmd, o), close: () => Promise.resolve() };
          },
        },
      }),
  },
  {
    id: 'session-create-drops-env',
    description: 'sessions.create ignores its env option (nothing is exported at the start)',
    groups: ['sessions'],
    catchers: ['sessions.export-persists'],
    requires: ['exec.sessions'],
    wrap: (s) =>
      mutate(s, {
        sessions: { create: (options) => s.sessions.create(options === undefined ? options : Object.fromEntries(Object.entries(options).filter(([key]) => key !== 'env'))) },
      }),
  },
  {
    id: 'session-create-accepts-bad-cwd',
    description: 'sessions.create ignores a cwd that is not a string (starts in workDir) instead of raising InvalidArgumentError',
    groups: ['sessions'],
    catchers: ['sessions.exec-contract'],
    requires: ['exec.sessions'],
    wrap: (s) =>
      mutate(s, {
        sessions: {
          create: (options) =>
            s.sessions.create(options !== undefined && typeof options.cwd !== 'string' ? Object.fromEntries(Object.entries(options).filter(([key]) => key !== 'cwd')) : options),
        },
      }),
  },
  {
    id: 'session-exec-accepts-empty-command',
    description: "a session's exec('') resolves with code 0 instead of raising InvalidArgumentError",
    groups: ['sessions'],
    catchers: ['sessions.exec-contract'],
    requires: ['exec.sessions'],
    wrap: (s) =>
      mutate(s, {
        sessions: mutateSessions(s, ({ real }, cmd, o) =>
          typeof cmd === 'string' && cmd.trim() === '' ? Promise.resolve({ code: 0, stdout: '', stderr: '', timedOut: false, truncated: false, durationMs: 0 }) : real.exec(cmd, o),
        ),
      }),
  },
  {
    id: 'session-close-not-idempotent',
    description: 'a second session.close() rejects instead of resolving',
    groups: ['sessions'],
    catchers: ['sessions.exec-contract'],
    requires: ['exec.sessions'],
    wrap: (s) =>
      mutate(s, {
        sessions: {
          create: async (options) => {
            const real = await s.sessions.create(options);
            let closed = false;
            return {
              id: real.id,
              exec: (cmd, o) => real.exec(cmd, o),
              close: async () => {
                if (closed) throw new InvalidArgumentError(`session ${real.id} is already closed`);
                closed = true;
                await real.close();
              },
            };
          },
        },
      }),
  },
  {
    id: 'session-exec-concurrent',
    description: "a session's exec issued while another of its commands runs starts at once, beside it (a plain exec in the session's start directory)",
    groups: ['sessions'],
    catchers: ['sessions.one-at-a-time'],
    requires: ['exec.sessions'],
    wrap: (s) => {
      const running = new WeakMap<WrappedSession, number>();
      return mutate(s, {
        sessions: mutateSessions(s, async (session, cmd, o) => {
          const busy = running.get(session) ?? 0;
          const run = busy > 0 ? s.exec(cmd, { ...o, cwd: session.startCwd }) : session.real.exec(cmd, o);
          running.set(session, busy + 1);
          try {
            return await run;
          } finally {
            running.set(session, (running.get(session) ?? 1) - 1);
          }
        }),
      });
    },
  },
  {
    id: 'session-exec-after-dispose-invalid-argument',
    description: "a session's exec during or after dispose() raises InvalidArgumentError (as on a session closed by hand) instead of DisposedError",
    groups: ['sessions'],
    catchers: ['sessions.dispose-closes-sessions'],
    requires: ['exec.sessions'],
    wrap: (s) =>
      mutate(s, {
        sessions: mutateSessions(s, async ({ real }, cmd, o) => {
          try {
            return await real.exec(cmd, o);
          } catch (error) {
            if (DisposedError.isInstance(error)) throw new InvalidArgumentError(`Session ${real.id} is closed.`, { cause: error });
            throw error;
          }
        }),
      }),
  },
  {
    id: 'endpoint-wrong-port',
    description: 'endpoints.get(port) returns the endpoint of the next port (port + 1)',
    groups: ['endpoints'],
    catchers: ['endpoints.fetch'],
    requires: ['endpoints', 'processes.background'],
    wrap: (s) => mutate(s, { endpoints: { get: (port) => s.endpoints.get(isValidPort(port) ? (port === 65_535 ? port - 1 : port + 1) : port) } }),
  },
  {
    id: 'endpoint-trailing-slash',
    description: 'endpoints.get returns its URL with a trailing slash',
    groups: ['endpoints'],
    catchers: ['endpoints.fetch'],
    requires: ['endpoints', 'processes.background'],
    wrap: (s) => mutate(s, { endpoints: { get: async (port) => { const e = await s.endpoints.get(port); return { ...e, url: `${e.url}/` }; } } }),
  },
  {
    id: 'endpoint-accepts-invalid-port',
    description: "endpoints.get skips the port check: 0, 65536, 80.5, NaN and '80' get a URL instead of InvalidArgumentError",
    groups: ['endpoints'],
    catchers: ['endpoints.invalid-port'],
    requires: ['endpoints'],
    wrap: (s) =>
      mutate(s, {
        endpoints: { get: (port) => (isValidPort(port) ? s.endpoints.get(port) : Promise.resolve({ url: `http://127.0.0.1:${String(port)}`, headers: {} })) },
      }),
  },
  {
    id: 'pause-noop',
    description: 'pause() resolves without pausing: calls while "paused" are served',
    groups: ['lifecycle'],
    catchers: ['lifecycle.pause-resume'],
    requires: ['lifecycle.pause', 'processes.background'],
    wrap: (s) => mutate(s, { pause: () => Promise.resolve() }),
  },
  {
    id: 'resume-noop',
    description: 'resume() resolves without thawing: the sandbox stays paused',
    groups: ['lifecycle'],
    catchers: ['lifecycle.pause-resume'],
    requires: ['lifecycle.pause', 'processes.background'],
    wrap: (s) => mutate(s, { resume: () => Promise.resolve() }),
  },
  {
    id: 'pause-kills-processes',
    description: 'pause() kills the background processes before pausing (files survive, processes do not)',
    groups: ['lifecycle'],
    catchers: ['lifecycle.pause-resume'],
    requires: ['lifecycle.pause', 'processes.background'],
    wrap: (s) =>
      mutate(s, {
        pause: async () => {
          for (const p of await s.processes.list()) if (p.running) await s.processes.kill(p.id, 'SIGKILL');
          await s.pause();
        },
      }),
  },
  {
    id: 'pause-not-idempotent',
    description: 'a second pause() rejects with InvalidArgumentError (already paused) instead of resolving',
    groups: ['lifecycle'],
    catchers: ['lifecycle.pause-resume'],
    requires: ['lifecycle.pause', 'processes.background'],
    wrap: (s) => {
      let paused = false;
      return mutate(s, {
        pause: async () => {
          if (paused) throw new InvalidArgumentError('the sandbox is already paused');
          await s.pause();
          paused = true;
        },
        resume: async () => {
          await s.resume();
          paused = false;
        },
      });
    },
  },
  {
    id: 'paused-call-resumes',
    description: 'a call while paused resumes the sandbox implicitly and is served (instead of raising InvalidArgumentError)',
    groups: ['lifecycle'],
    catchers: ['lifecycle.pause-resume'],
    requires: ['lifecycle.pause', 'processes.background'],
    wrap: (s) =>
      mutate(s, {
        exec: async (inner, cmd, o) => {
          try {
            return await inner.exec(cmd, o);
          } catch (error) {
            if (!InvalidArgumentError.isInstance(error) || !/resume/.test(error.hint ?? '')) throw error;
            await inner.resume();
            return inner.exec(cmd, o);
          }
        },
      }),
  },
  {
    id: 'pause-while-busy-succeeds',
    description: 'pause() while a command runs or a watch is open resolves (without pausing) instead of raising InvalidArgumentError',
    groups: ['lifecycle'],
    catchers: ['lifecycle.pause-refused-while-busy'],
    requires: ['lifecycle.pause'],
    wrap: (s) =>
      mutate(s, {
        pause: async () => {
          try {
            await s.pause();
          } catch (error) {
            if (!InvalidArgumentError.isInstance(error)) throw error;
          }
        },
      }),
  },
  {
    id: 'write-stream-abort-leaves-partial',
    description: 'an aborted writeStream leaves the bytes sent so far at the path (over an existing file too)',
    groups: ['fs'],
    catchers: ['fs.stream.abort-leaves-no-file'],
    requires: ['fs.streaming', 'fs.binary'],
    wrap: (s) =>
      mutate(s, {
        fs: {
          writeStream: async (path, source, o) => {
            const sent: Uint8Array[] = [];
            async function* recorded(): AsyncGenerator<Uint8Array> {
              for await (const chunk of chunksOfSource(source)) {
                sent.push(chunk);
                yield chunk;
              }
            }
            try {
              return await s.fs.writeStream(path, recorded(), o);
            } catch (error) {
              await s.fs.write(path, concatBytes(sent));
              throw error;
            }
          },
        },
      }),
  },
  {
    id: 'dispose-flushes-partial-write',
    description: 'dispose() writes the bytes a writeStream in progress has sent so far to its path before stopping it',
    groups: ['fs'],
    catchers: ['fs.stream.dispose-stops-write'],
    requires: ['fs.streaming', 'fs.binary', 'lifecycle.restore'],
    wrap: (s) => {
      const inFlight = new Map<string, Uint8Array[]>();
      return mutate(s, {
        fs: {
          writeStream: async (path, source, o) => {
            const sent: Uint8Array[] = [];
            const key = s.fs.resolve(path);
            inFlight.set(key, sent);
            async function* recorded(): AsyncGenerator<Uint8Array> {
              for await (const chunk of chunksOfSource(source)) {
                sent.push(chunk);
                yield chunk;
              }
            }
            try {
              return await s.fs.writeStream(path, recorded(), o);
            } finally {
              inFlight.delete(key);
            }
          },
        },
        dispose: async (inner) => {
          for (const [path, sent] of inFlight) await inner.fs.write(path, concatBytes(sent)).catch(() => undefined);
          inFlight.clear();
          await inner.dispose();
        },
      });
    },
  },
  {
    id: 'read-stream-drops-last-chunk',
    description: 'readStream ends one chunk early (the last chunk of the file is lost)',
    groups: ['fs'],
    catchers: ['fs.stream.round-trip'],
    requires: ['fs.streaming'],
    wrap: (s) =>
      mutate(s, {
        fs: {
          readStream: async (path, o) => {
            let held: Uint8Array | undefined;
            return (await s.fs.readStream(path, o)).pipeThrough(
              new TransformStream<Uint8Array, Uint8Array>({
                transform(chunk, controller) {
                  if (held !== undefined) controller.enqueue(held);
                  held = chunk;
                },
              }),
            );
          },
        },
      }),
  },
  {
    id: 'write-stream-ignores-progress',
    description: 'writeStream never calls onProgress',
    groups: ['fs'],
    catchers: ['fs.stream.progress'],
    requires: ['fs.streaming'],
    wrap: (s) => mutate(s, { fs: { writeStream: (path, source, o) => s.fs.writeStream(path, source, o?.signal === undefined ? {} : { signal: o.signal }) } }),
  },
  {
    id: 'write-stream-abort-wrong-reason',
    description: "an aborted writeStream rejects with its own AbortError instead of the signal's reason",
    groups: ['fs'],
    catchers: ['fs.stream.abort-leaves-no-file'],
    requires: ['fs.streaming'],
    wrap: (s) =>
      mutate(s, {
        fs: {
          writeStream: async (path, source, o) => {
            try {
              return await s.fs.writeStream(path, source, o);
            } catch (error) {
              if (o?.signal?.aborted === true) throw new DOMException('The operation was aborted.', 'AbortError');
              throw error;
            }
          },
        },
      }),
  },
  {
    id: 'read-stream-ignores-progress',
    description: 'readStream never calls onProgress',
    groups: ['fs'],
    catchers: ['fs.stream.progress'],
    requires: ['fs.streaming'],
    wrap: (s) => mutate(s, { fs: { readStream: (path, o) => s.fs.readStream(path, o?.signal === undefined ? {} : { signal: o.signal }) } }),
  },
  {
    id: 'read-stream-ignores-abort',
    description: 'readStream ignores its signal: an aborted read runs to the end',
    groups: ['fs'],
    catchers: ['fs.stream.abort-read'],
    requires: ['fs.streaming'],
    wrap: (s) => mutate(s, { fs: { readStream: (path, o) => s.fs.readStream(path, o?.onProgress === undefined ? {} : { onProgress: o.onProgress }) } }),
  },
  {
    id: 'read-stream-missing-untyped',
    description: 'readStream of a missing path rejects with a plain Error instead of FileNotFoundError',
    groups: ['fs'],
    catchers: ['fs.stream.not-found'],
    requires: ['fs.streaming'],
    wrap: (s) => mutate(s, { fs: { readStream: leakEnoent((p: string, o?: Parameters<SandboxFs['readStream']>[1]) => s.fs.readStream(p, o)) } }),
  },
  {
    id: 'read-stream-directory-untyped',
    description: 'readStream of a directory rejects with a plain Error (EISDIR) instead of InvalidArgumentError',
    groups: ['fs'],
    catchers: ['fs.stream.directory'],
    requires: ['fs.streaming'],
    wrap: (s) =>
      mutate(s, {
        fs: {
          readStream: async (path, o) => {
            if ((await s.fs.exists(path)) && (await s.fs.stat(path)).type === 'directory') throw new Error(`EISDIR: illegal operation on a directory, read '${path}'`);
            return s.fs.readStream(path, o);
          },
        },
      }),
  },
];

/**
 * Why `mutant` cannot be expressed on `target`, whose sandboxes declare `capabilities` (read from a
 * sandbox of the real backend), or `undefined` when it can: its {@link ConformanceMutant.appliesTo},
 * then its {@link ConformanceMutant.requires}.
 */
export function mutantSkipReason(mutant: ConformanceMutant, input: { target: ConformanceTarget; capabilities: SandboxCapabilities }): string | undefined {
  const own = mutant.appliesTo?.(input.target);
  if (own !== undefined) return own;
  const missing = (mutant.requires ?? []).filter((path) => !hasCapability(input.capabilities, path));
  return missing.length === 0 ? undefined : `the backend declares ${missing.map((p) => `${p}: false`).join(', ')}`;
}

/** Milliseconds one case may run in a mutant check before it counts as failed. */
const CASE_LIMIT_MS = 60_000;

/** A target whose sandboxes are wrapped by `mutant`. */
export function mutateTarget(target: ConformanceTarget, mutant: ConformanceMutant): ConformanceTarget {
  return {
    ...target,
    name: `${target.name} [mutant ${mutant.id}]`,
    create: async (options: ConformanceSandboxOptions) => mutant.wrap(await target.create(options), options),
  };
}

/** Outcome of {@link findCatchingCases}. */
export interface MutantVerdict {
  mutant: string;
  /** Cases that fail on the mutant and do not fail on the real backend (pass, or do not apply to it). */
  caughtBy: string[];
  /** Cases that fail on the real backend too (they cannot count as catching). */
  failingOnControl: string[];
}

/**
 * Runs the cases of `mutant.groups` against the real `target` (control) and the mutated one, and
 * reports which cases catch it: reject on the mutant, do not fail on the control. Each run uses a fresh
 * sandbox per case (slower, but no state leaks between a mutant and the control).
 */
export async function findCatchingCases(options: {
  target: ConformanceTarget;
  mutant: ConformanceMutant;
  expect: ExpectStatic;
  cases?: readonly ConformanceCase[];
  /** Stop once this many catching cases are found (speed); default: run every case of the groups. */
  maxCatches?: number;
  /** Run only the mutant's `catchers` (looked up in `cases`) instead of every case of its groups. Default false. */
  onlyCatchers?: boolean;
  /** Watch modes a `watch` case runs in. Default `['polling', 'native']`. */
  watchModes?: readonly ConformanceWatchMode[];
  /**
   * Outcomes of cases on the real `target`, by case label (`id` or `id@mode`). Pass one map to
   * every call of a suite over the same target: a case then runs on the real backend at most once,
   * however many mutants it catches (its outcome there does not depend on the mutant).
   */
  controlOutcomes?: Map<string, Promise<'passed' | 'skipped' | 'failed'>>;
}): Promise<MutantVerdict> {
  const { target, mutant, expect } = options;
  const all = options.cases ?? conformanceCases;
  const cases = options.onlyCatchers
    ? mutant.catchers.map((id) => {
        const found = all.find((c) => c.id === id);
        if (found === undefined) throw new Error(`mutant ${mutant.id} names an unknown catching case ${id}`);
        return found;
      })
    : all.filter((c) => (mutant.groups as readonly string[]).includes(c.group));
  const mutated = mutateTarget(target, mutant);
  const caughtBy: string[] = [];
  const failingOnControl: string[] = [];
  const limit = options.maxCatches ?? Number.POSITIVE_INFINITY;
  for (const kase of cases) {
    if (caughtBy.length >= limit) break;
    const modes: ReadonlyArray<ConformanceWatchMode | undefined> = kase.group === 'watch' ? (options.watchModes ?? ['polling', 'native']) : [undefined];
    for (const mode of modes) {
      const sandboxOptions: ConformanceSandboxOptions = mode === undefined ? {} : { watch: { mode, pollIntervalMs: target.tolerances?.pollIntervalMs ?? 200 } };
      const run = (t: ConformanceTarget) =>
        withTimeout(runConformanceCase(kase, { target: t, sandboxOptions, ...(mode ? { watchMode: mode } : {}), expect }), {
          ms: CASE_LIMIT_MS,
          what: `${kase.id} on ${t.name}`,
        });
      const mutantOutcome = await run(mutated).then(
        (o) => o.status,
        () => 'failed' as const,
      );
      if (mutantOutcome !== 'failed') continue;
      const label = mode === undefined ? kase.id : `${kase.id}@${mode}`;
      let control = options.controlOutcomes?.get(label);
      if (control === undefined) {
        control = run(target).then(
          (o) => o.status,
          () => 'failed' as const,
        );
        options.controlOutcomes?.set(label, control);
      }
      // Skipped on the control counts too: the mutant declared other capabilities and then failed under them.
      if ((await control) === 'failed') failingOnControl.push(label);
      else caughtBy.push(label);
      if (caughtBy.length >= limit) break;
    }
  }
  return { mutant: mutant.id, caughtBy, failingOnControl };
}
