#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startEmulator, type EmulatorOptions } from './emulator';
import { parseFaultSpec, type FaultRule } from './faults';
import { DEFAULT_IMAGE_PROFILES, parseImageAlias } from './image-profiles';
import type { RoutingMode } from './lifecycle-server';

const USAGE = `Usage: kode-opensandbox-emulator [options]

An OpenSandbox-compatible server (lifecycle + execd API); sandboxes are bubblewrap roots.

Options:
  --port <n>               port to listen on (default 8080; 0 = any free port)
  --host <addr>            listen address (default 127.0.0.1)
  --public-host <name>     host name put in endpoints (default: the listen address)
  --api-key <key>          require OPEN-SANDBOX-API-KEY (default: no auth)
  --routing <mode>         direct | server-proxy | gateway (default direct)
  --direct-endpoint <s>    bridge | port: direct endpoints like Docker's bridge mode,
                           127.0.0.1:<port>/proxy/44772 (default), or 127.0.0.1:<port>
  --server-proxy-path <p>  v1 | root: server-proxy endpoints as <host>/v1/sandboxes/... (default,
                           as server 1.1.x) or <host>/sandboxes/... (older servers)
  --profile <name>         fast | real: timings for CI (default) or like a Docker deployment
                           (1 s stream grace, ~0.8 s create, ~0.3 s delete, 1 s metrics sampling)
  --missing-cwd <shape>    reject | stream-error: a missing cwd is a 400 before the stream
                           (default, newer execd) or an error event in it (execd 1.0.x)
  --image <name=profile>   answer to image NAME like the known PROFILE (repeatable), e.g.
                           --image opensandbox/code-interpreter:latest=ubuntu
                           (profiles: ubuntu, debian, python, minimal)
  --state-dir <dir>        where sandbox roots live (default: a temp dir, removed on exit)
  --network <mode>         host | none (default host; a networkPolicy with defaultAction deny
                           always gives the sandbox its own network namespace)
  --ping-interval-ms <n>   ping event interval of command streams (default 3000)
  --grace-ms <n>           delay before a command stream ends (default 0; --profile real and
                           real execd: 1000)
  --reaper-interval-ms <n> expiry check interval (default 1000)
  --fault <spec>           inject a fault (repeatable): JSON, or kind:key=value,...
                           e.g. --fault 'latency:route=POST /command,ms=200'
                                --fault 'error:route=GET /files/info,status=503,times=2'
                                --fault 'cut-stream:afterEvents=3'
  --latency <route=ms>     shorthand for a latency fault (repeatable)
  --never-ready            every sandbox's execd never becomes ready
  --execd-start-failure    every create fails with 503 DOCKER::SANDBOX_EXECD_START_FAILED
  --refuse-image <uri>     creates with this image fail with 500 DOCKER::SANDBOX_IMAGE_PULL_FAILED (repeatable)
  -h, --help               show this help

Admin API (same address): GET/DELETE /_emulator/stats, GET/POST/DELETE /_emulator/faults[/<id>].
SIGINT/SIGTERM removes every sandbox and exits.`;

function intOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new TypeError(`--${name} must be a non-negative integer (got "${value}")`);
  return Number(value);
}

function buildOptions(argv: string[]): EmulatorOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'public-host': { type: 'string' },
      'api-key': { type: 'string' },
      routing: { type: 'string' },
      'direct-endpoint': { type: 'string' },
      'server-proxy-path': { type: 'string' },
      profile: { type: 'string' },
      'missing-cwd': { type: 'string' },
      image: { type: 'string', multiple: true },
      'state-dir': { type: 'string' },
      network: { type: 'string' },
      'ping-interval-ms': { type: 'string' },
      'grace-ms': { type: 'string' },
      'reaper-interval-ms': { type: 'string' },
      fault: { type: 'string', multiple: true },
      latency: { type: 'string', multiple: true },
      'never-ready': { type: 'boolean' },
      'execd-start-failure': { type: 'boolean' },
      'refuse-image': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return undefined;
  const routing = values.routing ?? 'direct';
  if (!['direct', 'server-proxy', 'gateway'].includes(routing)) throw new TypeError(`--routing must be direct, server-proxy or gateway (got "${routing}")`);
  const directEndpoint = values['direct-endpoint'] ?? 'bridge';
  if (directEndpoint !== 'port' && directEndpoint !== 'bridge') throw new TypeError(`--direct-endpoint must be port or bridge (got "${directEndpoint}")`);
  const serverProxyPath = values['server-proxy-path'] ?? 'v1';
  if (serverProxyPath !== 'v1' && serverProxyPath !== 'root') throw new TypeError(`--server-proxy-path must be v1 or root (got "${serverProxyPath}")`);
  const profile = values.profile ?? 'fast';
  if (profile !== 'fast' && profile !== 'real') throw new TypeError(`--profile must be fast or real (got "${profile}")`);
  const missingCwd = values['missing-cwd'] ?? 'reject';
  if (missingCwd !== 'reject' && missingCwd !== 'stream-error') throw new TypeError(`--missing-cwd must be reject or stream-error (got "${missingCwd}")`);
  const aliases = (values.image ?? []).map((spec) => parseImageAlias(spec, DEFAULT_IMAGE_PROFILES));
  const network = values.network ?? 'host';
  if (network !== 'host' && network !== 'none') throw new TypeError(`--network must be host or none (got "${network}")`);
  const faults: FaultRule[] = (values.fault ?? []).map(parseFaultSpec);
  for (const spec of values.latency ?? []) {
    const eq = spec.lastIndexOf('=');
    if (eq <= 0) throw new TypeError(`--latency expects ROUTE=MS, e.g. "POST /command=200" (got "${spec}")`);
    faults.push(parseFaultSpec(JSON.stringify({ kind: 'latency', route: spec.slice(0, eq), ms: intOption(spec.slice(eq + 1), 'latency') })));
  }
  if (values['never-ready']) faults.push({ kind: 'execd-never-ready' });
  if (values['execd-start-failure']) faults.push({ kind: 'execd-start-failure' });
  for (const image of values['refuse-image'] ?? []) faults.push({ kind: 'image-pull-failure', image });
  const options: EmulatorOptions = {
    port: intOption(values.port, 'port') ?? 8080,
    routing: routing as RoutingMode,
    directEndpoint,
    serverProxyPath,
    profile,
    missingCwd,
    network,
    faults,
  };
  if (aliases.length > 0) options.images = [...aliases, ...DEFAULT_IMAGE_PROFILES];
  if (values.host !== undefined) options.host = values.host;
  if (values['public-host'] !== undefined) options.publicHost = values['public-host'];
  if (values['api-key'] !== undefined) options.apiKey = values['api-key'];
  if (values['state-dir'] !== undefined) options.stateDir = values['state-dir'];
  const ping = intOption(values['ping-interval-ms'], 'ping-interval-ms');
  if (ping !== undefined) options.pingIntervalMs = ping;
  const grace = intOption(values['grace-ms'], 'grace-ms');
  if (grace !== undefined) options.streamGraceMs = grace;
  const reaper = intOption(values['reaper-interval-ms'], 'reaper-interval-ms');
  if (reaper !== undefined) options.reaperIntervalMs = reaper;
  return options;
}

async function main(): Promise<void> {
  let options: EmulatorOptions | undefined;
  try {
    options = buildOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`kode-opensandbox-emulator: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (!options) {
    console.log(USAGE);
    return;
  }
  const emulator = await startEmulator(options);
  console.log(emulator.url);
  console.error(`OpenSandbox emulator listening on ${emulator.url} (routing: ${emulator.routing}${options.apiKey ? ', API key required' : ''})`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.error(`received ${signal} again, exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.error(`received ${signal}, removing ${emulator.sandboxIds().length} sandbox(es)…`);
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`kode-opensandbox-emulator: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
