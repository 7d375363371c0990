/** How the agent was started (the host passes it as JSON in argv[2]). */
export interface AgentConfig {
  /** Unix socket the agent serves on. */
  socketPath: string;
  /** Directory of the agent's state (command outputs, sessions, uploads). */
  stateDir: string;
  pingIntervalMs?: number;
  graceMs?: number;
  neverReady?: boolean;
  /** The container's main process. */
  entrypoint?: string[];
  metricsSampleMs?: number;
  missingCwd?: 'reject' | 'stream-error';
  outputDrainMs?: number;
}

/** The settings every part of the agent reads at call time; {@link configure} fills them in. */
export const settings = {
  socketPath: '',
  stateDir: '',
  /** Interval of `ping` events (ms). */
  pingMs: 3000,
  /** Delay before a foreground stream ends (ms; `EXECD_API_GRACE_SHUTDOWN` wins). */
  graceMs: 0,
  /** A missing cwd: 400 before the stream (newer execd) or an error event in it (execd 1.0.x). */
  missingCwd: 'reject' as 'reject' | 'stream-error',
  /** How long after a command's exit output held open by a lingering child is waited for (ms). */
  outputDrainMs: 50,
  metricsSampleMs: 100,
  neverReady: false,
  entrypoint: [] as string[],
  /** The shell commands run in. */
  shell: '/bin/sh',
};

/** Go's `time.ParseDuration` for the units execd's settings use (`1s`, `400ms`, `1m30s`); undefined when invalid. */
export function parseGoDuration(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  let total = 0;
  let matched = '';
  for (const m of value.matchAll(re)) {
    total += Number(m[1]) * (units[m[2]!] ?? 0);
    matched += m[0];
  }
  return matched === value ? Math.round(total) : undefined;
}

/** Applies the host's config and the sandbox environment to {@link settings}. */
export function configure(config: AgentConfig, env: NodeJS.ProcessEnv, shell: string): void {
  settings.socketPath = config.socketPath;
  settings.stateDir = config.stateDir;
  settings.pingMs = config.pingIntervalMs ?? 3000;
  settings.graceMs = parseGoDuration(env.EXECD_API_GRACE_SHUTDOWN) ?? config.graceMs ?? 0;
  settings.missingCwd = config.missingCwd ?? 'reject';
  settings.outputDrainMs = config.outputDrainMs ?? 50;
  settings.metricsSampleMs = config.metricsSampleMs ?? 100;
  settings.neverReady = config.neverReady ?? false;
  settings.entrypoint = config.entrypoint ?? [];
  settings.shell = shell;
}
