import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** A running Verdaccio registry owned by a test. */
export interface VerdaccioHandle {
  /** Registry URL with a trailing slash, e.g. `http://127.0.0.1:41234/`. */
  url: string;
  /** `//127.0.0.1:41234/`, the key prefix of `.npmrc` auth lines. */
  authPrefix: string;
  /** Everything Verdaccio logged (warnings and errors). */
  log(): string;
  /** Registers a user through the registry API and returns its token. */
  addUser(name: string, password: string): Promise<string>;
  /** Stops the registry (SIGTERM, then SIGKILL after 5 s). Idempotent. */
  stop(): Promise<void>;
}

/** A free loopback port (asked from the OS, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts Verdaccio (the devDependency of @kode/e2e) on 127.0.0.1 with its storage under `dir`:
 * `@kode/*` packages live only here (published with a token, never proxied), everything else is
 * proxied to `uplink`. Resolves once the registry answers `/-/ping`.
 * @throws Error when it does not start within `startTimeoutMs`
 */
export async function startVerdaccio(options: { dir: string; uplink: string; startTimeoutMs?: number }): Promise<VerdaccioHandle> {
  const { dir } = options;
  mkdirSync(join(dir, 'storage'), { recursive: true });
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(join(dir, 'storage'))}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(join(dir, 'htpasswd'))}`,
      '    max_users: 100',
      'uplinks:',
      '  npmjs:',
      `    url: ${JSON.stringify(options.uplink)}`,
      '    timeout: 60s',
      'packages:',
      "  '@kode/*':",
      '    access: $all',
      '    publish: $authenticated',
      '    unpublish: $authenticated',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      '    proxy: npmjs',
      'server:',
      '  keepAliveTimeout: 60',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const bin = join(dirname(createRequire(import.meta.url).resolve('verdaccio/package.json')), 'bin', 'verdaccio');
  const child: ChildProcess = spawn(process.execPath, [bin, '--config', config, '--listen', `127.0.0.1:${port}`], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let log = '';
  let exited: string | undefined;
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.once('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) throw new Error(`Verdaccio ${exited} before answering:\n${log}`);
    try {
      const response = await fetch(`${url}-/ping`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Verdaccio did not answer on ${url} within ${options.startTimeoutMs ?? 30_000} ms:\n${log}`);
    }
    // Wait for its next log line or 200 ms, whichever comes first (bounded by the deadline above).
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 200);
      child.stdout!.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    authPrefix: `//127.0.0.1:${port}/`,
    log: () => log,
    async addUser(name, password) {
      const response = await fetch(`${url}-/user/org.couchdb.user:${encodeURIComponent(name)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, password }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await response.json()) as { token?: string; error?: string };
      if (!response.ok || !body.token) throw new Error(`registering ${name} failed: HTTP ${response.status} ${JSON.stringify(body)}`);
      return body.token;
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await closed;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
