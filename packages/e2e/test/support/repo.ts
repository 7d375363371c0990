import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Absolute path of the repository root. */
export const repoRoot = resolve(import.meta.dirname, '../../../..');

/** Binaries installed at the repository root (attw, publint, tsc, tsx, vitest, changeset). */
export const rootBin = (name: string): string => join(repoRoot, 'node_modules', '.bin', name);

/** The fields of a workspace package.json the packaging tests read. */
export interface WorkspacePackage {
  name: string;
  version: string;
  dir: string;
  private: boolean;
  /** `true` when the package builds only ESM (its attw profile is then `esm-only`). */
  esmOnly: boolean;
  manifest: Record<string, unknown>;
}

/** Every package under `packages/`, sorted by name. */
export function workspacePackages(): WorkspacePackage[] {
  const dir = join(repoRoot, 'packages');
  return readdirSync(dir)
    .map((entry) => join(dir, entry))
    .filter((pkgDir) => existsSync(join(pkgDir, 'package.json')))
    .map((pkgDir) => {
      const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as Record<string, unknown> & {
        name: string;
        version: string;
        private?: boolean;
        exports?: Record<string, unknown>;
      };
      const main = manifest.exports?.['.'];
      const esmOnly = typeof main === 'object' && main !== null && !('require' in main);
      return { name: manifest.name, version: manifest.version, dir: pkgDir, private: manifest.private === true, esmOnly, manifest };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The packages that get published (not `private`). */
export const publishedPackages = (): WorkspacePackage[] => workspacePackages().filter((pkg) => !pkg.private);

/** Outcome of {@link run}. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Options of {@link run}. */
export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the process (and its group) after this many milliseconds. Required: every step is bounded. */
  timeoutMs: number;
  /** Reject when the exit code is not 0 (default true). */
  check?: boolean;
  /** Echo each output line with this prefix while it runs (progress in long steps). */
  echo?: string;
  input?: string;
}

/**
 * Runs a command without a shell, collects its output, and kills its whole process group when
 * `timeoutMs` passes. Rejects on timeout, and on a non-zero exit unless `check` is false; the
 * rejection message carries the command, the exit status and the tail of both streams.
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? repoRoot,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const echo = (chunk: string) => {
      if (options.echo === undefined) return;
      for (const line of chunk.split('\n')) if (line.trim() !== '') process.stdout.write(`${options.echo}${line}\n`);
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      echo(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      echo(chunk);
    });
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code, signal, stdout, stderr, durationMs: Date.now() - started };
      const shown = `${command} ${args.join(' ')}`;
      const tail = (text: string) => text.trim().split('\n').slice(-40).join('\n');
      if (timedOut) reject(new Error(`\`${shown}\` timed out after ${options.timeoutMs} ms\n--- stdout\n${tail(stdout)}\n--- stderr\n${tail(stderr)}`));
      else if (options.check !== false && code !== 0)
        reject(new Error(`\`${shown}\` exited with ${code ?? signal}\n--- stdout\n${tail(stdout)}\n--- stderr\n${tail(stderr)}`));
      else resolvePromise(result);
    });
  });
}

/** Builds every package with turbo (fast when cached) unless each one already has its `dist/`. */
export async function ensureBuilt(): Promise<void> {
  const missing = publishedPackages().filter((pkg) => !existsSync(join(pkg.dir, 'dist')));
  if (missing.length === 0) return;
  process.stdout.write(`building (dist/ missing in ${missing.map((pkg) => pkg.name).join(', ')})\n`);
  await run('pnpm', ['turbo', 'run', 'build', '--output-logs=errors-only'], { timeoutMs: 300_000 });
}

/** Human-readable byte count (1 kB = 1000 B, like npm). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(2)} MB`;
}
