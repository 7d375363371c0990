import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** The package directory (cwd of the bin in tests). */
export const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** `node` arguments that run the bin from its TypeScript source (no build needed). */
export const cliArgs = ['--conditions=@kode/source', '--import', 'tsx', join(packageDir, 'src/cli.ts')];

/** The environment of the bin: ours plus `extra`, without an inherited KODE_SANDBOX_CONFIG. */
export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'KODE_SANDBOX_CONFIG') env[k] = v;
  return { ...env, ...extra };
}

/** A temporary host directory, removed by `close`. */
export async function tempDir(): Promise<{ dir: string; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kode-mcp-test-'));
  return { dir, close: () => rm(dir, { recursive: true, force: true }) };
}

/** Resolves with the exit code and signal of `child` (at once when it already exited). */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Runs the bin to completion (for usage/config errors); bounded by `timeoutMs`. */
export async function runCli(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...cliArgs, ...args], { cwd: packageDir, env: options.env ?? cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const { code } = await exited(child);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Starts the bin with `--http 0` and resolves with its URL (first stdout line) and the process. */
export async function startHttpCli(env: Record<string, string>, timeoutMs = 60_000): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [...cliArgs, '--http', '0'], { cwd: packageDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before printing its URL; stderr:\n${stderr}`));
    });
  });
  return { url, child, stderr: () => stderr };
}
