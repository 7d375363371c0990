import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EgressSidecar } from './egress-sidecar';
import { ExecdForwarder } from './execd-forwarder';
import { FaultInjector, validateFault, type FaultController, type FaultRule } from './faults';
import { DEFAULT_IMAGE_PROFILES, type ImageProfile } from './image-profiles';
import { findBubblewrap } from '@kode/isolation';
import { LifecycleServer, type RoutingMode } from './lifecycle-server';
import { RequestCounter, type RequestStats } from './request-stats';
import { isProcessAlive } from '@kode/isolation';
import { SandboxRegistry } from './sandbox-registry';

/** Longest unix socket path Linux accepts (sun_path is 108 bytes including the NUL). */
const MAX_SOCKET_PATH = 107;

/** Bytes of the longest execd socket path below `stateDir` (see SandboxRegistry/startAgent). */
function socketPathLength(stateDir: string): number {
  return Buffer.byteLength(join(resolve(stateDir), 'sandboxes', '00000000-0000-0000-0000-000000000000', 'state', 'execd.sock'));
}

const STATE_DIR_PREFIX = 'kode-osb-';
const OWNER_FILE = 'owner.pid';

/**
 * Removes temp state directories of emulators whose process is gone (killed before `close()`),
 * so crashed test runs do not fill the temp directory. A directory whose owner is alive, or
 * whose owner cannot be told, is left alone.
 */
async function sweepAbandonedStateDirs(): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(tmpdir())).filter((n) => n.startsWith(STATE_DIR_PREFIX));
  } catch {
    return;
  }
  await Promise.all(
    names.map(async (name) => {
      const dir = join(tmpdir(), name);
      try {
        const pid = Number((await readFile(join(dir, OWNER_FILE), 'utf8')).trim());
        if (!Number.isInteger(pid) || pid <= 0 || isProcessAlive(pid)) return;
        await rm(dir, { recursive: true, force: true });
      } catch {
        // no owner file (yet) or already gone: not ours to judge
      }
    }),
  );
}

/** Options of {@link startEmulator}. Every field is optional. */
export interface EmulatorOptions {
  /** TCP port of the lifecycle server; default 0 (a free port). */
  port?: number;
  /** Listen address; default `127.0.0.1`. */
  host?: string;
  /**
   * Host name put into the endpoints handed out (direct and gateway modes); default the listen
   * host, or `127.0.0.1` when listening on `0.0.0.0`/`::`.
   */
  publicHost?: string;
  /** When set, lifecycle calls need header `OPEN-SANDBOX-API-KEY` with this value (401 otherwise). */
  apiKey?: string;
  /**
   * How execd endpoints are handed out; default `'direct'`.
   * - `direct`: each sandbox gets its own loopback port (`127.0.0.1:<port>`);
   * - `server-proxy`: every endpoint is `<server>/sandboxes/{id}/proxy/{port}`;
   * - `gateway`: one address (the server's) plus header `OpenSandbox-Ingress-To: {id}-{port}`.
   * `use_server_proxy=true` on an endpoint lookup always yields the server-proxy form.
   */
  routing?: RoutingMode;
  /**
   * Shape of direct endpoints; default `'bridge'` (the usual Docker deployment).
   * - `bridge`: like Docker's bridge mode, `127.0.0.1:<per-sandbox port>/proxy/<port>` for every
   *   port, 44772 included (execd's own `/proxy/44772` reaches execd itself);
   * - `port`: `127.0.0.1:<per-sandbox port>` for 44772 (execd reached without its self-proxy, like
   *   Docker's host mode), `…/proxy/<port>` for other ports.
   */
  directEndpoint?: 'port' | 'bridge';
  /**
   * Path of server-proxy endpoints; default `'v1'`: `<host>/v1/sandboxes/{id}/proxy/{port}` as
   * server 1.1.x answers; `'root'` gives the older `<host>/sandboxes/{id}/proxy/{port}`.
   */
  serverProxyPath?: 'v1' | 'root';
  /**
   * Timing profile; default `'fast'` (for CI). `'real'` behaves like a Docker deployment's timings:
   * 1000 ms stream grace, 800 ms create latency, 280 ms delete latency, 1000 ms metrics sampling.
   * The explicit options below override the profile's values.
   */
  profile?: EmulatorProfile;
  /**
   * How `POST /command` answers a `cwd` that does not exist; default `'reject'`: 400
   * `INVALID_REQUEST_BODY` before any stream (execd since 2026-04). `'stream-error'`: the stream
   * starts and ends with an `error` event whose `evalue` is `chdir …` (execd 1.0.x).
   */
  missingCwd?: 'reject' | 'stream-error';
  /**
   * How long after a foreground command exits the output of children still holding its pipes is
   * waited for (ms); default 50. The exited process's own output is always complete.
   */
  outputDrainMs?: number;
  /** Extra time each create takes (ms); default 0 (`real` profile: 800). */
  createLatencyMs?: number;
  /** Extra time each delete takes (ms); default 0 (`real` profile: 280). */
  deleteLatencyMs?: number;
  /** Known images; default {@link DEFAULT_IMAGE_PROFILES}. Any other image fails create with 500. */
  images?: readonly ImageProfile[];
  /**
   * Where sandbox roots live (at most 43 bytes: execd sockets live below it). Default: a fresh
   * `kode-osb-*` directory under the OS temp dir, removed on close; such directories left by
   * emulators killed before `close()` are removed by the next `startEmulator`.
   */
  stateDir?: string;
  /** Interval of `ping` events in command streams (ms); default 3000 like execd. */
  pingIntervalMs?: number;
  /**
   * Delay between the final event of a foreground command stream and the end of the response
   * (ms); default 0 (`real` profile: 1000). Real execd waits `EXECD_API_GRACE_SHUTDOWN` (1 s); a
   * sandbox created with that variable in its `env` uses its value.
   */
  streamGraceMs?: number;
  /** CPU sampling window of `GET /metrics` (ms); default 100 (`real` profile and real execd: 1000). */
  metricsSampleMs?: number;
  /** How often expired sandboxes are reaped (ms); default 1000. */
  reaperIntervalMs?: number;
  /** How long create waits for a sandbox's execd to start (ms); default 15000. */
  execdStartTimeoutMs?: number;
  /** Upper bound of `timeout` at create (s); default 86400. */
  maxTimeoutSeconds?: number;
  /**
   * `'host'` (default) shares the host network with sandboxes created without a `networkPolicy`
   * (or with `defaultAction: 'allow'`); `'none'` gives every sandbox only its own loopback. A
   * `networkPolicy` with `defaultAction: 'deny'` always gives the sandbox its own network
   * namespace (no route out, not even to the host's loopback).
   */
  network?: 'host' | 'none';
  /** Faults active from the start (see {@link FaultRule}). */
  faults?: readonly FaultRule[];
}

/** Timing profiles of {@link EmulatorOptions.profile}. */
export type EmulatorProfile = 'fast' | 'real';

/** The timings of each profile (ms). */
const PROFILES: Record<EmulatorProfile, { streamGraceMs: number; createLatencyMs: number; deleteLatencyMs: number; metricsSampleMs: number }> = {
  fast: { streamGraceMs: 0, createLatencyMs: 0, deleteLatencyMs: 0, metricsSampleMs: 100 },
  real: { streamGraceMs: 1000, createLatencyMs: 800, deleteLatencyMs: 280, metricsSampleMs: 1000 },
};

function nonNegative(value: number | undefined, name: string): number | undefined {
  if (value !== undefined && (!Number.isFinite(value) || value < 0)) throw new TypeError(`${name} must be a non-negative number of milliseconds (got ${String(value)})`);
  return value;
}

/** A running emulator. */
export interface EmulatorHandle {
  /** Base URL of the lifecycle server, e.g. `http://127.0.0.1:41234` (the SDK's `domain` is the part after `http://`). */
  readonly url: string;
  /** `host:port` of the lifecycle server (what `ConnectionConfig.domain` expects). */
  readonly domain: string;
  readonly port: number;
  readonly routing: RoutingMode;
  /** Directory holding the sandbox roots. */
  readonly stateDir: string;
  /** Injected faults; changes apply to the next request. */
  readonly faults: FaultController;
  /** Requests counted per route. */
  readonly stats: RequestStats;
  /** Ids of the live sandboxes. */
  sandboxIds(): string[];
  /** Host pid of a sandbox's main (bubblewrap) process, for tests that inspect processes. */
  sandboxPid(id: string): number | undefined;
  /**
   * Stops listening, deletes every sandbox (no process is left behind) and removes the state
   * directory when the emulator created it. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Starts an OpenSandbox-compatible server: the lifecycle API (under `/v1` and `/`), each
 * sandbox's execd API (served by an agent inside a bubblewrap root), the server proxy, the
 * gateway header route and an admin API under `/_emulator`.
 *
 * The caller owns the handle and must `close()` it.
 *
 * @throws Error when bubblewrap is missing (naming the package to install), TypeError for an
 *   invalid option or fault, or the listen error (e.g. EADDRINUSE).
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  findBubblewrap();
  const routing = options.routing ?? 'direct';
  if (!['direct', 'server-proxy', 'gateway'].includes(routing)) throw new TypeError(`routing must be direct, server-proxy or gateway (got ${String(routing)})`);
  if (options.directEndpoint !== undefined && options.directEndpoint !== 'port' && options.directEndpoint !== 'bridge') {
    throw new TypeError(`directEndpoint must be port or bridge (got ${String(options.directEndpoint)})`);
  }
  const profileName = options.profile ?? 'fast';
  const profile = PROFILES[profileName];
  if (!profile) throw new TypeError(`profile must be fast or real (got ${String(options.profile)})`);
  if (options.serverProxyPath !== undefined && options.serverProxyPath !== 'v1' && options.serverProxyPath !== 'root') {
    throw new TypeError(`serverProxyPath must be v1 or root (got ${String(options.serverProxyPath)})`);
  }
  if (options.missingCwd !== undefined && options.missingCwd !== 'reject' && options.missingCwd !== 'stream-error') {
    throw new TypeError(`missingCwd must be reject or stream-error (got ${String(options.missingCwd)})`);
  }
  const host = options.host ?? '127.0.0.1';
  const publicHost = options.publicHost ?? (host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host);
  const faults = new FaultInjector();
  for (const rule of options.faults ?? []) {
    validateFault(rule);
    faults.add(rule);
  }
  const ownsStateDir = options.stateDir === undefined;
  if (options.stateDir !== undefined && socketPathLength(options.stateDir) > MAX_SOCKET_PATH) {
    throw new TypeError(`stateDir is too long (${options.stateDir.length} characters): each sandbox's execd socket below it must fit in ${MAX_SOCKET_PATH} bytes; use a shorter path`);
  }
  if (options.stateDir === undefined) await sweepAbandonedStateDirs();
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), STATE_DIR_PREFIX)));
  if (ownsStateDir) await writeFile(join(stateDir, OWNER_FILE), `${process.pid}\n`);
  if (socketPathLength(stateDir) > MAX_SOCKET_PATH) {
    await rm(stateDir, { recursive: true, force: true });
    throw new TypeError(`the temp directory ${tmpdir()} is too deep for execd sockets; pass a short stateDir`);
  }
  const stats = new RequestCounter();
  const forwarder = new ExecdForwarder(stats, faults);
  const egress = new EgressSidecar(stats, faults);
  const registry = new SandboxRegistry(
    {
      stateDir,
      images: options.images ?? DEFAULT_IMAGE_PROFILES,
      host,
      directListeners: routing === 'direct',
      pingIntervalMs: options.pingIntervalMs ?? 3000,
      graceMs: nonNegative(options.streamGraceMs, 'streamGraceMs') ?? profile.streamGraceMs,
      metricsSampleMs: options.metricsSampleMs ?? profile.metricsSampleMs,
      readyTimeoutMs: options.execdStartTimeoutMs ?? 15_000,
      network: options.network ?? 'host',
      missingCwd: options.missingCwd ?? 'reject',
      outputDrainMs: nonNegative(options.outputDrainMs, 'outputDrainMs') ?? 50,
      createLatencyMs: nonNegative(options.createLatencyMs, 'createLatencyMs') ?? profile.createLatencyMs,
      deleteLatencyMs: nonNegative(options.deleteLatencyMs, 'deleteLatencyMs') ?? profile.deleteLatencyMs,
    },
    { faults, forwarder, egress },
  );
  let port = 0;
  const lifecycle = new LifecycleServer({
    settings: {
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      routing,
      directEndpoint: options.directEndpoint ?? 'bridge',
      serverProxyPath: options.serverProxyPath ?? 'v1',
      publicHost,
      port: () => port,
      maxTimeoutSeconds: options.maxTimeoutSeconds ?? 86_400,
    },
    registry,
    forwarder,
    egress,
    stats,
    faults,
  });
  const server = createServer(lifecycle.handle);
  server.keepAliveTimeout = 30_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    if (ownsStateDir) await rm(stateDir, { recursive: true, force: true });
    throw err;
  }
  port = (server.address() as AddressInfo).port;
  const reaper = setInterval(() => void registry.reapExpired(), options.reaperIntervalMs ?? 1000);
  reaper.unref();

  let closing: Promise<void> | undefined;
  const urlHost = publicHost.includes(':') ? `[${publicHost}]` : publicHost;
  return {
    url: `http://${urlHost}:${port}`,
    domain: `${urlHost}:${port}`,
    port,
    routing,
    stateDir,
    faults,
    stats,
    sandboxIds: () => registry.list().map((s) => s.id),
    sandboxPid: (id) => registry.get(id)?.agent.child.pid,
    close: () => {
      closing ??= (async () => {
        clearInterval(reaper);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await registry.close();
        server.closeAllConnections();
        await closed;
        if (ownsStateDir) await rm(stateDir, { recursive: true, force: true, maxRetries: 3 });
      })();
      return closing;
    },
  };
}
