import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SANDBOX_PATH, spawnInRoot, type IsolatedRoot, type RootBind } from '@kode/isolation';

/** Where things live inside the sandbox. */
const AGENT_DIR = '/opt/opensandbox';
const AGENT_FILE = `${AGENT_DIR}/execd.cjs`;
const AGENT_STATE = `${AGENT_DIR}/run`;
const NODE_IN_SANDBOX = `${AGENT_DIR}/bin/node`;

/** How the agent of one sandbox is started. */
export interface AgentStartOptions {
  root: IsolatedRoot;
  /** Sandbox id (becomes `OPENSANDBOX_ID` and the host name). */
  sandboxId: string;
  /** Environment from the create request (added to the base environment). */
  env: Record<string, string>;
  /** The container's main process (e.g. `['tail', '-f', '/dev/null']`). */
  entrypoint: readonly string[];
  hideCommands: readonly string[];
  /** Extra binds (volumes). */
  binds: readonly RootBind[];
  network: 'host' | 'none';
  workingDir: string;
  pingIntervalMs: number;
  graceMs: number;
  metricsSampleMs: number;
  /** How a missing `cwd` of `POST /command` is answered (see `EmulatorOptions.missingCwd`). */
  missingCwd: 'reject' | 'stream-error';
  /** How long lingering children's output is waited for after a command exits (ms). */
  outputDrainMs: number;
  /** The agent runs but never serves (the client's ready timeout). */
  neverReady: boolean;
}

/** A running agent. */
export interface AgentProcess {
  readonly child: ChildProcess;
  /** Host path of the agent's unix socket. */
  readonly socketPath: string;
  /** Resolves when the agent serves requests; rejects if it exits first. */
  readonly ready: Promise<void>;
  /** Resolves with the exit status when the sandbox's main process (bubblewrap) exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines the agent wrote to stderr (for error messages). */
  stderrTail(): string;
}

function packageRoot(): string {
  // src/agent-process.ts and dist/index.js both sit one level below the package root.
  return join(dirname(fileURLToPath(import.meta.url)), '..');
}

let agentFile: string | undefined;
function agentSource(): string {
  if (agentFile) return agentFile;
  const file = join(packageRoot(), 'agent', 'execd-agent.cjs');
  if (!existsSync(file)) throw new Error(`the execd agent script is missing: ${file}`);
  agentFile = file;
  return file;
}

let busboyDirs: { busboy: string; streamsearch: string } | undefined;
function multipartLibraryDirs(): { busboy: string; streamsearch: string } {
  if (busboyDirs) return busboyDirs;
  const require = createRequire(import.meta.url);
  const busboyMain = require.resolve('busboy');
  const busboy = join(dirname(busboyMain), '..');
  const streamsearchMain = createRequire(busboyMain).resolve('streamsearch');
  const streamsearch = join(dirname(streamsearchMain), '..');
  busboyDirs = { busboy, streamsearch };
  return busboyDirs;
}

/**
 * Starts the execd agent of a sandbox inside its isolated root. The agent first starts the
 * sandbox's entrypoint (its exit ends the sandbox, as a container's main process does) and then
 * serves the execd API on a unix socket in the root's state directory.
 */
export function startAgent(options: AgentStartOptions): AgentProcess {
  const libs = multipartLibraryDirs();
  const nodeOnHost = process.execPath;
  const nodeInside = nodeOnHost.startsWith('/usr/') ? nodeOnHost : NODE_IN_SANDBOX;
  const binds: RootBind[] = [
    { hostPath: agentSource(), sandboxPath: AGENT_FILE, readOnly: true },
    { hostPath: options.root.stateDir, sandboxPath: AGENT_STATE },
    { hostPath: libs.busboy, sandboxPath: `${AGENT_DIR}/node_modules/busboy`, readOnly: true },
    { hostPath: libs.streamsearch, sandboxPath: `${AGENT_DIR}/node_modules/streamsearch`, readOnly: true },
  ];
  if (nodeInside !== nodeOnHost) binds.push({ hostPath: nodeOnHost, sandboxPath: NODE_IN_SANDBOX, readOnly: true });
  binds.push(...options.binds);
  const config = {
    socketPath: `${AGENT_STATE}/execd.sock`,
    stateDir: AGENT_STATE,
    pingIntervalMs: options.pingIntervalMs,
    graceMs: options.graceMs,
    neverReady: options.neverReady,
    entrypoint: options.entrypoint,
    metricsSampleMs: options.metricsSampleMs,
    missingCwd: options.missingCwd,
    outputDrainMs: options.outputDrainMs,
    busboyPath: `${AGENT_DIR}/node_modules/busboy`,
  };
  const hostname = `sandbox-${options.sandboxId.slice(0, 12)}`;
  const env: Record<string, string> = {
    PATH: DEFAULT_SANDBOX_PATH,
    HOME: '/root',
    HOSTNAME: hostname,
    LANG: 'C.UTF-8',
    OPENSANDBOX_ID: options.sandboxId,
    ...options.env,
  };
  const child = spawnInRoot({
    root: options.root,
    argv: [nodeInside, AGENT_FILE, JSON.stringify(config)],
    env,
    cwd: options.workingDir,
    hostname,
    binds,
    hideCommands: options.hideCommands,
    network: options.network,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: 127, signal: null }));
  });
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('READY\n')) resolve();
    });
    void exited.then(({ code, signal }) => {
      reject(new Error(`execd exited before it was ready (code ${code ?? 'none'}, signal ${signal ?? 'none'}): ${stderr.trim().slice(-500) || 'no output'}`));
    });
  });
  ready.catch(() => undefined);
  return {
    child,
    socketPath: join(options.root.stateDir, 'execd.sock'),
    ready,
    exited,
    stderrTail: () => stderr,
  };
}
