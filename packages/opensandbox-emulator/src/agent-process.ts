import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { AgentConfig } from './execd-agent/settings';
import { DEFAULT_SANDBOX_PATH, spawnInRoot, type IsolatedRoot, type RootBind } from '@kode/isolation';

/** Where things live inside the sandbox. */
const AGENT_DIR = '/opt/opensandbox';
const AGENT_FILE = `${AGENT_DIR}/execd.cjs`;
const AGENT_STATE = `${AGENT_DIR}/run`;
const NODE_IN_SANDBOX = `${AGENT_DIR}/bin/node`;

/** How the agent of one sandbox is started. */
export interface AgentStartOptions {
  /** Host path of the bundled agent (see `agentBundle`). */
  agentFile: string;
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

/**
 * Starts the execd agent of a sandbox inside its isolated root. The agent first starts the
 * sandbox's entrypoint (its exit ends the sandbox, as a container's main process does) and then
 * serves the execd API on a unix socket in the root's state directory.
 */
export function startAgent(options: AgentStartOptions): AgentProcess {
  const nodeOnHost = process.execPath;
  const nodeInside = nodeOnHost.startsWith('/usr/') ? nodeOnHost : NODE_IN_SANDBOX;
  const binds: RootBind[] = [
    { hostPath: options.agentFile, sandboxPath: AGENT_FILE, readOnly: true },
    { hostPath: options.root.stateDir, sandboxPath: AGENT_STATE },
  ];
  if (nodeInside !== nodeOnHost) binds.push({ hostPath: nodeOnHost, sandboxPath: NODE_IN_SANDBOX, readOnly: true });
  binds.push(...options.binds);
  const config: AgentConfig = {
    socketPath: `${AGENT_STATE}/execd.sock`,
    stateDir: AGENT_STATE,
    pingIntervalMs: options.pingIntervalMs,
    graceMs: options.graceMs,
    neverReady: options.neverReady,
    entrypoint: [...options.entrypoint],
    metricsSampleMs: options.metricsSampleMs,
    missingCwd: options.missingCwd,
    outputDrainMs: options.outputDrainMs,
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
