import { redactSecrets, SandboxError } from '@kode/core';
import { OPEN_SANDBOX_HINTS, summariseBody } from '../map-error';
import { OpenSandbox } from '../open-sandbox';
import type { DoctorSettings } from './args';
import { formatDuration, type Progress, type ProgressStep, type StepOutcome } from './progress';

/** The checks of `kode-sandbox doctor`, in the order they run. */
export type DoctorCheckId = 'endpoint' | 'api-key' | 'create' | 'inotify' | 'execd-direct' | 'isolation' | 'dispose';

/** One check's result. */
export interface DoctorCheck {
  id: DoctorCheckId;
  /** Short human title, e.g. `endpoint answers`. */
  title: string;
  /** `pass`, `fail`, `warn` (passes with a remark) or `skip` (an earlier check failed). */
  outcome: StepOutcome;
  /** What was found (never contains the API key). */
  detail?: string;
  /** Troubleshooting advice for a failure or a warning, one item per line. */
  advice?: string[];
  /** Wall time in milliseconds. */
  durationMs: number;
}

/** The whole report (`--json` prints it). */
export interface DoctorReport {
  /** `true` when every check passed (`warn` counts as passed). */
  ok: boolean;
  endpoint: string;
  image: string;
  useServerProxy: boolean;
  /** Whether an API key was configured (the key itself is never reported). */
  apiKeyConfigured: boolean;
  checks: DoctorCheck[];
}

/** Options of {@link runDoctor}. */
export interface RunDoctorOptions {
  settings: DoctorSettings;
  /** Where steps are shown as they run. */
  progress: Progress;
  /** Timeout of each plain HTTP probe (health, API key, execd ping), in milliseconds. Default 5000. */
  probeTimeoutMs?: number;
  /** Lifetime of the test sandbox in milliseconds (it is killed at the end anyway). Default 120 000. */
  sandboxTimeoutMs?: number;
  /** Stops after the current check (the test sandbox is still disposed). */
  signal?: AbortSignal;
}

/** The execd port inside every OpenSandbox sandbox. */
const EXECD_PORT = 44772;

/** Which checks must have passed for a check to run. */
const NEEDS: Record<DoctorCheckId, readonly DoctorCheckId[]> = {
  endpoint: [],
  'api-key': ['endpoint'],
  create: ['api-key'],
  inotify: ['create'],
  'execd-direct': ['create'],
  isolation: ['create'],
  dispose: ['create'],
};

const TITLES: Record<DoctorCheckId, string> = {
  endpoint: '1/7 endpoint',
  'api-key': '2/7 API key',
  create: '3/7 sandbox creation',
  inotify: '4/7 inotifywait',
  'execd-direct': '5/7 direct execd access',
  isolation: '6/7 sandbox isolation',
  dispose: '7/7 disposal',
};

/** The seed's troubleshooting advice, split by the failure it fits. */
export const SEED_ADVICE = {
  serverRunning: 'The OpenSandbox server must be running (for example on http://127.0.0.1:8080); pass its URL with --endpoint or OPEN_SANDBOX_ENDPOINT.',
  endpointReachable: 'Verify that the OpenSandbox server endpoint is reachable from the SDK process (this machine).',
  proxySettings: 'If you use a proxy, verify the Docker daemon proxy and the OpenSandbox server network settings separately.',
  apiKey: 'If your server enables auth, prepare an API key: pass --api-key or set OPEN_SANDBOX_API_KEY (required only when server auth is enabled).',
  apiKeyRejected:
    'The server rejected the API key you gave: check that --api-key or OPEN_SANDBOX_API_KEY holds this server\'s key (its `[server].api_key` or OPENSANDBOX_SERVER_API_KEY), without extra spaces or quotes.',
  imagePull:
    '`DOCKER::SANDBOX_IMAGE_PULL_FAILED` or `DOCKER::SANDBOX_EXECD_START_FAILED`: Docker cannot pull the required images (the sandbox `image` and `opensandbox/execd`). The Docker daemon must be running and able to pull them.',
  inotify:
    "watch.mode='native' uses inotifywait in the sandbox container; when it is unavailable the SDK falls back to polling. Install inotify-tools in the image (Debian/Ubuntu: apt-get install -y inotify-tools), or keep watch.mode 'polling' (the default).",
  hostNetwork:
    "The server's Docker runtime uses host networking (`[docker].network_mode = \"host\"`, the default when `[docker]` is absent): every sandbox's execd binds the host's port 44772, so only the first sandbox has one, and a second sandbox's commands and files go to the first. Set `[docker] network_mode = \"bridge\"` in the server's config (e.g. ~/.sandbox.toml) and restart it; `useServerProxy` does not help (the server proxies to the same address).",
  serverProxy:
    'Set `useServerProxy: true` in the OpenSandbox options so execd traffic goes through the server (doctor: --use-server-proxy), or make sandbox endpoints reachable from this machine (server `[docker].host_ip` or `[server].eip`).',
} as const;

class CheckFailure extends Error {
  constructor(
    message: string,
    readonly advice: string[],
  ) {
    super(message);
  }
}

function errorText(error: unknown): string {
  if (SandboxError.isInstance(error)) return error.message;
  if (error instanceof Error) {
    const cause = error.cause instanceof Error && error.cause.message !== error.message ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

/** Advice for a server's 401/403: a rejected key is not a missing one. */
function authAdvice(settings: DoctorSettings): string[] {
  return settings.apiKey ? [SEED_ADVICE.apiKeyRejected] : [SEED_ADVICE.apiKey, OPEN_SANDBOX_HINTS.AUTHENTICATION_FAILED];
}

/** Advice for a failed `init()`, by error code. */
function createAdvice(error: unknown, settings: DoctorSettings): string[] {
  if (!SandboxError.isInstance(error)) return [SEED_ADVICE.endpointReachable];
  const hint = error.hint ? [error.hint] : [];
  switch (error.code) {
    case 'IMAGE_PULL_FAILED':
      return [SEED_ADVICE.imagePull, `Check the image name ${JSON.stringify(settings.image)} (--image or OPEN_SANDBOX_IMAGE) and the server's \`[runtime].execd_image\`.`];
    case 'SANDBOX_START_FAILED':
      return [SEED_ADVICE.imagePull, ...hint];
    case 'CONNECTION_FAILED':
      return [SEED_ADVICE.endpointReachable, SEED_ADVICE.proxySettings];
    case 'AUTHENTICATION_FAILED':
      return authAdvice(settings);
    case 'READY_TIMEOUT':
      return hint.length > 0 ? hint : [SEED_ADVICE.serverProxy];
    case 'BACKEND_ERROR':
    case 'DISPOSED':
    case 'FILE_NOT_FOUND':
    case 'INVALID_ARGUMENT':
    case 'NOT_INITIALIZED':
    case 'PATH_OUTSIDE_SANDBOX':
    case 'RATE_LIMITED':
    case 'REQUEST_TIMEOUT':
    case 'SANDBOX_NOT_FOUND':
    case 'UNSUPPORTED':
      return hint;
  }
}

async function probe(url: string, init: { headers?: Record<string, string>; timeoutMs: number }): Promise<Response> {
  return fetch(url, { headers: init.headers ?? {}, signal: AbortSignal.timeout(init.timeoutMs), redirect: 'manual' });
}

async function bodyCode(response: Response): Promise<{ code?: string; message?: string; notJson?: string }> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    return {};
  }
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    return { ...(typeof body.code === 'string' ? { code: body.code } : {}), ...(typeof body.message === 'string' ? { message: body.message } : {}) };
  } catch {
    // Another web server's page: named, never reproduced.
    return text.trim() === '' ? {} : { notJson: summariseBody(text) };
  }
}

/**
 * Runs the doctor's checks in order — endpoint, API key, sandbox creation, `inotifywait`,
 * direct execd access, isolation of a second sandbox, disposal — showing each on `progress` as it runs, with the seed's
 * troubleshooting advice under each failure. A failed check skips the checks that depend on it.
 * The test sandbox (created through the server proxy, so that creation does not depend on
 * direct access, which check 5 tests on its own) is always disposed. Never throws for a failed
 * check; the API key never appears in the report.
 */
export async function runDoctor(options: RunDoctorOptions): Promise<DoctorReport> {
  const { settings, progress } = options;
  const timeoutMs = options.probeTimeoutMs ?? 5000;
  const secrets = [settings.apiKey];
  const redact = (text: string) => redactSecrets(text, secrets);
  const authHeaders: Record<string, string> = settings.apiKey ? { 'OPEN-SANDBOX-API-KEY': settings.apiKey } : {};
  const checks: DoctorCheck[] = [];
  const passed = new Set<DoctorCheckId>();

  const record = (check: Omit<DoctorCheck, 'title'>): void => {
    const full: DoctorCheck = {
      ...check,
      title: TITLES[check.id],
      ...(check.detail !== undefined ? { detail: redact(check.detail) } : {}),
      ...(check.advice !== undefined ? { advice: check.advice.map(redact) } : {}),
    };
    checks.push(full);
    if (full.outcome === 'pass' || full.outcome === 'warn') passed.add(full.id);
  };

  /** Runs one check as a progress step. `task` returns the detail, or throws a CheckFailure. */
  const check = async (id: DoctorCheckId, label: string, task: (step: ProgressStep) => Promise<{ detail: string; outcome?: 'pass' | 'warn'; advice?: string[] }>): Promise<boolean> => {
    const missing = NEEDS[id].find((need) => !passed.has(need));
    const interrupted = options.signal?.aborted === true && id !== 'dispose';
    if (missing !== undefined || interrupted) {
      const detail = interrupted ? 'interrupted' : `needs ${TITLES[missing!].replace(/^\d\/\d /, '')}`;
      progress.start(TITLES[id]).end('skip', detail);
      record({ id, outcome: 'skip', detail, durationMs: 0 });
      return false;
    }
    const step = progress.start(TITLES[id]);
    step.update(label);
    try {
      const result = await task(step);
      const outcome = result.outcome ?? 'pass';
      const durationMs = step.end(outcome, redact(result.detail));
      for (const line of result.advice ?? []) progress.note(redact(line));
      record({ id, outcome, detail: result.detail, ...(result.advice ? { advice: result.advice } : {}), durationMs });
      return true;
    } catch (error) {
      const advice = error instanceof CheckFailure ? error.advice : SandboxError.isInstance(error) && error.hint ? [error.hint] : [];
      const durationMs = step.end('fail', redact(errorText(error)));
      for (const line of advice) progress.note(redact(line));
      record({ id, outcome: 'fail', detail: errorText(error), advice, durationMs });
      return false;
    }
  };

  // 1. The endpoint answers.
  await check('endpoint', `GET ${settings.endpoint}/health`, async () => {
    let response: Response;
    try {
      response = await probe(`${settings.endpoint}/health`, { timeoutMs });
    } catch (error) {
      throw new CheckFailure(`no answer from ${settings.endpoint}: ${errorText(error)}`, [SEED_ADVICE.serverRunning, SEED_ADVICE.endpointReachable, SEED_ADVICE.proxySettings]);
    }
    await response.body?.cancel();
    if (response.status !== 200) {
      throw new CheckFailure(`${settings.endpoint}/health answered HTTP ${response.status}`, [
        'This does not look like an OpenSandbox server: check the URL (the server root, without /v1).',
        SEED_ADVICE.serverRunning,
      ]);
    }
    return { detail: `${settings.endpoint}/health answers HTTP 200` };
  });

  // 2. The API key is accepted (a cheap authenticated call: list one sandbox).
  await check('api-key', 'GET /v1/sandboxes', async () => {
    let response: Response;
    try {
      response = await probe(`${settings.endpoint}/v1/sandboxes?pageSize=1`, { headers: authHeaders, timeoutMs });
    } catch (error) {
      throw new CheckFailure(`GET /v1/sandboxes failed: ${errorText(error)}`, [SEED_ADVICE.endpointReachable, SEED_ADVICE.proxySettings]);
    }
    const body = await bodyCode(response);
    if (response.status === 401 || response.status === 403) {
      const what = !settings.apiKey ? 'the server requires an API key and none is set' : 'the server rejected the API key';
      throw new CheckFailure(`${what} (HTTP ${response.status}${body.code ? ` ${body.code}` : ''})`, authAdvice(settings));
    }
    if (body.notJson !== undefined) {
      throw new CheckFailure(`GET /v1/sandboxes answered HTTP ${response.status} with ${body.notJson}`, [OPEN_SANDBOX_HINTS.NOT_AN_OPENSANDBOX_ENDPOINT]);
    }
    if (response.status !== 200) {
      throw new CheckFailure(`GET /v1/sandboxes answered HTTP ${response.status}${body.code ? ` ${body.code}` : ''}${body.message ? `: ${body.message}` : ''}`, [
        'The server is up but its sandbox API failed; check the server log.',
      ]);
    }
    return { detail: settings.apiKey ? 'accepted' : 'none set, and none needed (server auth is off)' };
  });

  /** A test sandbox (created through the server proxy; killed on dispose). */
  const testSandbox = () =>
    new OpenSandbox({
      kind: 'opensandbox',
      endpoint: settings.endpoint,
      ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
      image: settings.image,
      timeoutMs: options.sandboxTimeoutMs ?? 120_000,
      useServerProxy: true,
      metadata: { 'created-by': 'kode-sandbox-doctor' },
      watch: { mode: 'off' },
      lifecycle: { disposeAction: 'kill' },
    });

  /** The direct execd endpoint the server hands out for sandbox `id`, or `undefined` when it has none. */
  const directEndpoint = async (id: string): Promise<string | undefined> => {
    const lookup = await probe(`${settings.endpoint}/v1/sandboxes/${encodeURIComponent(id)}/endpoints/${EXECD_PORT}`, { headers: authHeaders, timeoutMs });
    if (lookup.status !== 200) {
      await lookup.body?.cancel();
      return undefined;
    }
    const { endpoint } = (await lookup.json()) as { endpoint?: unknown };
    return typeof endpoint === 'string' && endpoint !== '' ? endpoint : undefined;
  };

  // 3. A sandbox can be created from the image (through the server proxy; see above).
  let sandbox: OpenSandbox | undefined;
  let sandboxId: string | undefined;
  let second: OpenSandbox | undefined;
  try {
    const creating = `creating a sandbox from image ${settings.image} and waiting until it is ready`;
    await check('create', creating, async (step) => {
      const candidate = testSandbox();
      sandbox = candidate;
      try {
        // Shown live beside the spinner: which phase of init() is running, and for how long.
        await candidate.init({ onProgress: ({ phase, elapsedMs }) => step.update(`${creating}: ${phase} (${formatDuration(elapsedMs)})`) });
      } catch (error) {
        throw new CheckFailure(errorText(error), createAdvice(error, settings));
      }
      sandboxId = candidate.getSandboxId();
      return { detail: `sandbox ${sandboxId} from image ${settings.image} is ready` };
    });

    // 4. inotifywait exists in it.
    await check('inotify', 'command -v inotifywait', async () => {
      const result = await sandbox!.exec('command -v inotifywait', { timeoutMs: 30_000 });
      const path = result.stdout.trim();
      if (result.code !== 0 || path === '') {
        const missing = `inotifywait is not installed in image ${settings.image}`;
        if (settings.watchMode !== 'native') {
          return { outcome: 'warn', detail: `${missing}; fine, watch.mode is '${settings.watchMode}'`, advice: [`Only watch.mode 'native' needs it (run doctor with --watch native to require it). ${SEED_ADVICE.inotify}`] };
        }
        throw new CheckFailure(`${missing}, and watch.mode is 'native'`, [SEED_ADVICE.inotify]);
      }
      return { detail: `found at ${path}` };
    });

    // 5. execd is reachable directly.
    await check('execd-direct', 'resolving the execd endpoint and pinging it', async () => {
      const lookup = await probe(`${settings.endpoint}/v1/sandboxes/${encodeURIComponent(sandboxId!)}/endpoints/${EXECD_PORT}`, { headers: authHeaders, timeoutMs });
      const unreachable = (reason: string) => {
        if (settings.useServerProxy) {
          return { outcome: 'warn' as const, detail: `${reason}; fine, useServerProxy is set`, advice: ['Keep `useServerProxy: true` for this server.'] };
        }
        throw new CheckFailure(reason, [SEED_ADVICE.serverProxy, SEED_ADVICE.proxySettings]);
      };
      if (lookup.status !== 200) {
        const body = await bodyCode(lookup);
        return unreachable(`the server has no direct execd endpoint (HTTP ${lookup.status}${body.code ? ` ${body.code}` : ''})`);
      }
      const { endpoint, headers } = (await lookup.json()) as { endpoint?: unknown; headers?: unknown };
      if (typeof endpoint !== 'string' || endpoint === '') return unreachable('the server returned no execd endpoint');
      const base = /^https?:\/\//.test(endpoint) ? endpoint : `${settings.protocol}://${endpoint}`;
      const extra = typeof headers === 'object' && headers !== null ? Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
      try {
        const ping = await probe(`${base.replace(/\/+$/, '')}/ping`, { headers: extra, timeoutMs });
        await ping.body?.cancel();
        if (ping.status !== 200) return unreachable(`execd at ${endpoint} answered HTTP ${ping.status}`);
      } catch (error) {
        return unreachable(`execd at ${endpoint} is not reachable from here: ${errorText(error)}`);
      }
      return { detail: `execd at ${endpoint} answers` };
    });

    // 6. A second sandbox gets an execd of its own (not so on Docker in host network mode).
    await check('isolation', 'creating a second sandbox and comparing the execd endpoints', async () => {
      second = testSandbox();
      try {
        await second.init();
      } catch (error) {
        throw new CheckFailure(`a second sandbox could not be created: ${errorText(error)}`, createAdvice(error, settings));
      }
      const secondId = second.getSandboxId();
      const [first, other] = [await directEndpoint(sandboxId!), await directEndpoint(secondId)];
      if (first === undefined || other === undefined) return { detail: `second sandbox ${secondId} created; the server hands out no direct execd endpoints to compare` };
      if (first === other) {
        throw new CheckFailure(`two sandboxes got the same execd endpoint ${first}: the second sandbox's commands would run in the first`, [SEED_ADVICE.hostNetwork]);
      }
      return { detail: `second sandbox ${secondId} has an execd of its own (${other}, the first's is ${first})` };
    });
  } finally {
    // 7. The sandboxes are disposed (killed), whatever happened above.
    if (sandboxId === undefined) await sandbox?.dispose().catch(() => undefined);
    await check('dispose', `killing sandbox ${sandboxId ?? ''}${second ? ' and the second one' : ''}`, async () => {
      const results = await Promise.allSettled([sandbox!.dispose(), ...(second ? [second.dispose()] : [])]);
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) throw new CheckFailure(errorText(failure.reason), ['A test sandbox may still be running; it expires on its own after its lifetime.']);
      return { detail: second ? 'both sandboxes killed' : 'sandbox killed' };
    });
  }

  return {
    ok: checks.every((c) => c.outcome === 'pass' || c.outcome === 'warn'),
    endpoint: settings.endpoint,
    image: settings.image,
    useServerProxy: settings.useServerProxy,
    apiKeyConfigured: settings.apiKey !== undefined,
    checks,
  };
}
