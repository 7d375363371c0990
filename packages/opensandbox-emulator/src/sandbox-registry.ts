import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { agentBundle } from './agent-bundle';
import { startAgent, type AgentProcess } from './agent-process';
import { createEgressState, networkFor, type EgressSidecar, type EgressState } from './egress-sidecar';
import type { ExecdForwarder } from './execd-forwarder';
import type { FaultInjector } from './faults';
import { ApiError, delay } from './http-util';
import { findImageProfile, type ImageProfile } from './image-profiles';
import { createIsolatedRoot, killRootProcess, removeIsolatedRoot, type IsolatedRoot, type RootBind } from '@kode/isolation';
import type { CreateRequest } from './lifecycle-validation';
import { signalProcessTree } from '@kode/isolation';

/** Lifecycle states the emulator reports (Docker runtime semantics). */
export type SandboxState = 'Running' | 'Paused' | 'Terminated' | 'Failed';

/** One sandbox as the lifecycle server sees it. */
export interface SandboxRecord {
  readonly id: string;
  readonly imageUri: string;
  readonly profile: ImageProfile;
  readonly entrypoint: string[];
  readonly platform?: { os: string; arch: string };
  metadata: Record<string, string>;
  readonly createdAt: Date;
  /** Undefined = manual cleanup (never expires). */
  expiresAt?: Date;
  state: SandboxState;
  reason: string;
  message: string;
  lastTransitionAt: Date;
  readonly root: IsolatedRoot;
  readonly agent: AgentProcess;
  /** The emulated egress sidecar, present when the sandbox was created with a `networkPolicy`. */
  readonly egress?: EgressState;
  /** Direct-routing listener (127.0.0.1:port forwarding to the agent); absent in other modes. */
  front?: { server: Server; port: number };
  deleting?: Promise<void>;
  /** Lifecycle events, oldest first (for the diagnostics routes). */
  readonly events: { at: Date; state: SandboxState; reason: string; message: string }[];
}

/** Settings of the registry (from the emulator options). */
export interface RegistrySettings {
  stateDir: string;
  images: readonly ImageProfile[];
  host: string;
  directListeners: boolean;
  pingIntervalMs: number;
  graceMs: number;
  metricsSampleMs: number;
  readyTimeoutMs: number;
  network: 'host' | 'none';
  missingCwd: 'reject' | 'stream-error';
  outputDrainMs: number;
  /** Extra time a create takes before it answers (ms; the `real` profile's container start). */
  createLatencyMs: number;
  /** Extra time a delete takes before it answers (ms). */
  deleteLatencyMs: number;
}

/**
 * The create error for an image the emulator does not have (no registry is ever contacted): names
 * the known images and how to add one, instead of inventing a registry's answer.
 */
export function unknownImageMessage(uri: string, images: readonly ImageProfile[], refusedByFault: boolean): string {
  if (refusedByFault) return `Failed to pull image ${uri}: refused by an injected image-pull-failure fault.`;
  const known = images.map((p) => (p.match instanceof RegExp ? `${p.name} (${String(p.match)})` : p.match)).join(', ');
  return (
    `Failed to pull image ${uri}: the kode OpenSandbox emulator has no such image (it pulls nothing). ` +
    `Known images: ${known || 'none'}. Add one as an alias of a known profile with the CLI option ` +
    `--image ${uri}=${images[0]?.name ?? 'ubuntu'}, or the emulator's images option.`
  );
}

/** Owns every sandbox: create (root + agent), pause/resume, delete, expiry. */
export class SandboxRegistry {
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly creating = new Set<Promise<SandboxRecord>>();
  private closed = false;

  private readonly faults: FaultInjector;
  private readonly forwarder: ExecdForwarder;
  private readonly egress: EgressSidecar;

  constructor(
    private readonly settings: RegistrySettings,
    deps: { faults: FaultInjector; forwarder: ExecdForwarder; egress: EgressSidecar },
  ) {
    this.faults = deps.faults;
    this.forwarder = deps.forwarder;
    this.egress = deps.egress;
  }

  get(id: string): SandboxRecord | undefined {
    return this.sandboxes.get(id);
  }

  /** @throws ApiError 404 `DOCKER::SANDBOX_NOT_FOUND`. */
  require(id: string): SandboxRecord {
    const sb = this.sandboxes.get(id);
    if (!sb || sb.deleting) throw new ApiError(404, 'DOCKER::SANDBOX_NOT_FOUND', `Sandbox ${id} not found.`);
    return sb;
  }

  list(): SandboxRecord[] {
    return [...this.sandboxes.values()].filter((s) => !s.deleting);
  }

  /**
   * Provisions a sandbox synchronously (like the Docker runtime): image check, isolated root,
   * agent started and — unless a never-ready fault applies — serving before this resolves.
   * @throws ApiError 500 `DOCKER::SANDBOX_IMAGE_PULL_FAILED`, 503 `DOCKER::SANDBOX_EXECD_START_FAILED`, volume errors.
   */
  async create(req: CreateRequest): Promise<SandboxRecord> {
    if (this.closed) throw new ApiError(503, 'DOCKER::INITIALIZATION_ERROR', 'The emulator is shutting down.');
    const pending = this.provision(req);
    this.creating.add(pending);
    try {
      return await pending;
    } finally {
      this.creating.delete(pending);
    }
  }

  private async provision(req: CreateRequest): Promise<SandboxRecord> {
    if (req.snapshotId !== undefined) throw new ApiError(404, 'SNAPSHOT::NOT_FOUND', `Snapshot ${req.snapshotId} not found.`);
    const uri = req.image!.uri;
    const refused = this.faults.takeCreateFault('image-pull-failure', uri);
    const profile = refused ? undefined : findImageProfile(this.settings.images, uri);
    if (!profile) throw new ApiError(500, 'DOCKER::SANDBOX_IMAGE_PULL_FAILED', unknownImageMessage(uri, this.settings.images, refused !== undefined));
    const startFailure = this.faults.takeCreateFault('execd-start-failure');
    if (startFailure) throw new ApiError(503, 'DOCKER::SANDBOX_EXECD_START_FAILED', `Failed to start execd container: ${startFailure.message ?? 'injected fault'}`);
    const neverReady = this.faults.takeCreateFault('execd-never-ready') !== undefined;
    const binds = await this.volumeBinds(req);
    const agentFile = await agentBundle();

    const id = randomUUID();
    const root = await createIsolatedRoot({ baseDir: join(this.settings.stateDir, 'sandboxes'), name: id });
    let agent: AgentProcess;
    try {
      agent = startAgent({
        agentFile,
        root,
        sandboxId: id,
        env: req.env,
        entrypoint: req.entrypoint ?? ['tail', '-f', '/dev/null'],
        hideCommands: profile.hideCommands ?? [],
        binds,
        network: networkFor(this.settings.network, req.networkPolicy),
        workingDir: profile.workingDir ?? '/',
        pingIntervalMs: this.settings.pingIntervalMs,
        graceMs: this.settings.graceMs,
        metricsSampleMs: this.settings.metricsSampleMs,
        missingCwd: this.settings.missingCwd,
        outputDrainMs: this.settings.outputDrainMs,
        neverReady,
      });
    } catch (err) {
      await removeIsolatedRoot(root);
      throw new ApiError(503, 'DOCKER::SANDBOX_EXECD_START_FAILED', `Failed to start execd container: ${(err as Error).message}`);
    }
    if (!neverReady) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          agent.ready,
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`execd not ready after ${this.settings.readyTimeoutMs} ms`)), this.settings.readyTimeoutMs);
          }),
        ]);
      } catch (err) {
        await removeIsolatedRoot(root, { processes: [agent.child] });
        throw new ApiError(503, 'DOCKER::SANDBOX_EXECD_START_FAILED', `Failed to start execd container: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    }
    if (this.settings.createLatencyMs > 0) await delay(this.settings.createLatencyMs);
    const now = new Date();
    const egress = createEgressState(req.networkPolicy);
    const record: SandboxRecord = {
      id,
      imageUri: uri,
      profile,
      entrypoint: req.entrypoint ?? ['tail', '-f', '/dev/null'],
      ...(req.platform ? { platform: req.platform } : {}),
      metadata: { ...req.metadata },
      createdAt: now,
      ...(req.timeout !== undefined ? { expiresAt: new Date(now.getTime() + req.timeout * 1000) } : {}),
      ...(egress ? { egress } : {}),
      state: 'Running',
      reason: 'CONTAINER_RUNNING',
      message: 'Sandbox container started successfully.',
      lastTransitionAt: now,
      root,
      agent,
      events: [{ at: now, state: 'Running', reason: 'CONTAINER_RUNNING', message: 'Sandbox container started successfully.' }],
    };
    if (this.closed) {
      await removeIsolatedRoot(root, { processes: [agent.child] });
      throw new ApiError(503, 'DOCKER::INITIALIZATION_ERROR', 'The emulator is shutting down.');
    }
    if (this.settings.directListeners) {
      try {
        record.front = await this.startFront(record);
      } catch (err) {
        await removeIsolatedRoot(root, { processes: [agent.child] });
        throw new ApiError(500, 'DOCKER::SANDBOX_START_FAILED', `Failed to publish the sandbox's execd port: ${(err as Error).message}`);
      }
    }
    this.sandboxes.set(id, record);
    void agent.exited.then(({ code, signal }) => {
      if (record.deleting) return;
      const exitCode = code ?? (signal ? 137 : 1);
      this.transition(record, exitCode === 0 ? 'Terminated' : 'Failed', {
        reason: exitCode === 0 ? 'CONTAINER_EXITED' : 'CONTAINER_EXITED_ERROR',
        message: `Container exited with code ${exitCode}.`,
      });
    });
    return record;
  }

  /** @throws ApiError 409 `DOCKER::SANDBOX_NOT_RUNNING`. */
  pause(sb: SandboxRecord): void {
    if (sb.state !== 'Running') throw new ApiError(409, 'DOCKER::SANDBOX_NOT_RUNNING', `Sandbox ${sb.id} is not running (state: ${sb.state}).`);
    if (sb.agent.child.pid) signalProcessTree(sb.agent.child.pid, 'SIGSTOP');
    this.transition(sb, 'Paused', { reason: 'CONTAINER_PAUSED', message: 'Sandbox container is paused.' });
  }

  /** @throws ApiError 409 `DOCKER::SANDBOX_NOT_PAUSED`. */
  resume(sb: SandboxRecord): void {
    if (sb.state !== 'Paused') throw new ApiError(409, 'DOCKER::SANDBOX_NOT_PAUSED', `Sandbox ${sb.id} is not paused (state: ${sb.state}).`);
    if (sb.agent.child.pid) signalProcessTree(sb.agent.child.pid, 'SIGCONT');
    this.transition(sb, 'Running', { reason: 'CONTAINER_RUNNING', message: 'Sandbox container is running.' });
  }

  /** Kills every process of the sandbox and removes its files. Idempotent. */
  async delete(sb: SandboxRecord): Promise<void> {
    if (!sb.deleting) {
      sb.deleting = (async () => {
        if (sb.front) {
          sb.front.server.closeAllConnections();
          await new Promise<void>((resolve) => sb.front!.server.close(() => resolve()));
        }
        await killRootProcess(sb.agent.child);
        await removeIsolatedRoot(sb.root);
        if (this.settings.deleteLatencyMs > 0 && !this.closed) await delay(this.settings.deleteLatencyMs);
        this.sandboxes.delete(sb.id);
      })();
    }
    await sb.deleting;
  }

  /** Deletes every sandbox whose `expiresAt` has passed. */
  async reapExpired(now = Date.now()): Promise<void> {
    const expired = this.list().filter((s) => s.expiresAt !== undefined && s.expiresAt.getTime() <= now);
    await Promise.all(expired.map((s) => this.delete(s)));
  }

  /** Deletes every sandbox and refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    // creates in flight finish (or fail) first, so none adds a sandbox after the sweep
    await Promise.allSettled([...this.creating]);
    await Promise.all([...this.sandboxes.values()].map((s) => this.delete(s)));
  }

  private transition(sb: SandboxRecord, state: SandboxState, detail: { reason: string; message: string }): void {
    sb.state = state;
    sb.reason = detail.reason;
    sb.message = detail.message;
    sb.lastTransitionAt = new Date();
    sb.events.push({ at: sb.lastTransitionAt, state, reason: detail.reason, message: detail.message });
  }

  private async startFront(sb: SandboxRecord): Promise<{ server: Server; port: number }> {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const alive = this.sandboxes.get(sb.id) === sb && !sb.deleting;
      // execd's /proxy/44772 is execd itself (what Docker bridge-mode endpoints rely on)
      const url = req.url ?? '/';
      const egressCall = /^\/proxy\/18080(\/.*)?$/.exec(url);
      if (alive && sb.egress && egressCall) {
        this.egress.handle({ sandboxId: sb.id, state: sb.egress, req, res, path: egressCall[1] ?? '/' }).catch(() => res.destroy());
        return;
      }
      const self = /^\/proxy\/44772(\/[^?]*)?(\?.*)?$/.exec(url);
      void this.forwarder.forward(alive ? { sandboxId: sb.id, socketPath: sb.agent.socketPath } : undefined, {
        req,
        res,
        path: self ? `${self[1] ?? '/'}${self[2] ?? ''}` : url,
        unavailable: 'reset',
        stripCredentials: false,
        selfProxy: self !== null,
      });
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, this.settings.host, () => resolve());
    });
    return { server, port: (server.address() as AddressInfo).port };
  }

  private async volumeBinds(req: CreateRequest): Promise<RootBind[]> {
    const binds: RootBind[] = [];
    for (const v of req.volumes) {
      if (v.host) {
        const hostPath = v.subPath ? join(v.host.path, v.subPath) : v.host.path;
        if (!existsSync(hostPath)) throw new ApiError(400, 'VOLUME::HOST_PATH_NOT_FOUND', `Host path '${hostPath}' does not exist.`);
        binds.push({ hostPath, sandboxPath: v.mountPath, readOnly: v.readOnly });
      } else if (v.pvc) {
        const base = join(this.settings.stateDir, 'volumes', v.pvc.claimName);
        const hostPath = v.subPath ? join(base, v.subPath) : base;
        await mkdir(hostPath, { recursive: true });
        binds.push({ hostPath, sandboxPath: v.mountPath, readOnly: v.readOnly });
      }
    }
    return binds;
  }
}
