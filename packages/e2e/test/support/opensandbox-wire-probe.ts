/**
 * A wire probe of an OpenSandbox server: creates one sandbox with raw HTTP, observes the shapes in
 * which emulator and real server have differed (endpoints, missing cwd, stream events, CORS,
 * directory downloads, unknown images, execd wording) and deletes the sandbox. Each shape comes
 * back as a short string, so two servers can be compared field by field.
 */

/** What the probe observed; every field is a short description of one shape. */
export interface WireShapes {
  /** `GET …/endpoints/44772`: `host:<port>/proxy/44772`, `host:44772` or `other: …`. */
  directEndpoint: string;
  /** `?use_server_proxy=true`: `…/v1/sandboxes/{id}/proxy/44772` or `…/sandboxes/{id}/proxy/44772`. */
  serverProxyEndpoint: string;
  /** `POST /command` with a missing cwd: `400 INVALID_REQUEST_BODY …` or `stream: …`. */
  missingCwd: string;
  /** Event types of a background command's stream. */
  backgroundStream: string;
  /** Whether any `execution_complete` carried `execution_time: 0`. */
  zeroExecutionTime: 'sent' | 'omitted';
  /** CORS headers without and with an `Origin`. */
  cors: string;
  /** `GET /files/download` of a directory through the direct endpoint: status and Content-Length. */
  directoryDownload: string;
  /** Create with an image nobody has: status and code. */
  unknownImage: string;
  /** `DELETE /command?id=<unknown>`: status and message. */
  interruptUnknown: string;
}

/** Where the probe goes. */
export interface WireProbeTarget {
  /** Server base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** API key, if the server requires one. */
  apiKey?: string;
  /** Image of the probe's sandbox (default `ubuntu`). */
  image?: string;
}

interface StreamEvent {
  type?: string;
  execution_time?: number;
  error?: { evalue?: string };
}

function eventsOf(text: string): StreamEvent[] {
  return text
    .split('\n\n')
    .map((frame) => frame.trim().replace(/^data:\s*/, ''))
    .filter((frame) => frame.startsWith('{'))
    .map((frame) => JSON.parse(frame) as StreamEvent);
}

/**
 * Runs the probe. Creates and deletes one sandbox (the delete also runs when a step fails).
 * @throws Error when the sandbox cannot be created or a step fails at the transport level
 */
export async function probeWireShapes(target: WireProbeTarget): Promise<WireShapes> {
  const base = target.url.replace(/\/+$/, '');
  const auth: Record<string, string> = target.apiKey ? { 'OPEN-SANDBOX-API-KEY': target.apiKey } : {};
  const json = { 'content-type': 'application/json' };
  const createBody = (uri: string) => JSON.stringify({ image: { uri }, entrypoint: ['tail', '-f', '/dev/null'], resourceLimits: { cpu: '1', memory: '512Mi' }, timeout: 600 });

  const created = await fetch(`${base}/v1/sandboxes`, { method: 'POST', headers: { ...json, ...auth }, body: createBody(target.image ?? 'ubuntu') });
  if (created.status !== 202) throw new Error(`probe: create answered ${created.status}: ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  try {
    const endpoint = async (query: string) =>
      ((await (await fetch(`${base}/v1/sandboxes/${id}/endpoints/44772${query}`, { headers: auth })).json()) as { endpoint: string; headers?: Record<string, string> });
    const direct = await endpoint('');
    const proxied = await endpoint('?use_server_proxy=true');
    const execd = `http://${direct.endpoint}`;
    const execdHeaders = direct.headers ?? {};
    // the sandbox may take a moment to serve after create (execd binds after the container starts)
    for (let i = 0; i < 100; i++) {
      const ping = await fetch(`${execd}/ping`, { headers: execdHeaders }).catch(() => undefined);
      if (ping?.ok) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const run = (body: Record<string, unknown>) => fetch(`${execd}/command`, { method: 'POST', headers: { ...json, ...execdHeaders }, body: JSON.stringify(body) });

    const missing = await run({ command: 'pwd', cwd: '/kode-probe/no/such/dir' });
    const missingText = await missing.text();
    let missingCwd: string;
    if (missing.status === 200) {
      const final = eventsOf(missingText).find((e) => e.type === 'error' || e.type === 'execution_complete');
      missingCwd = `stream: ${final?.type ?? 'no final event'}${final?.error?.evalue ? ` (${final.error.evalue.replace(/\/kode-probe\S*/, '<dir>')})` : ''}`;
    } else {
      const body = JSON.parse(missingText) as { code?: string; message?: string };
      missingCwd = `${missing.status} ${body.code ?? '?'}${/working directory does not exist/.test(body.message ?? '') ? ' working directory does not exist' : ''}`;
    }

    const background = eventsOf(await (await run({ command: 'true', background: true })).text());
    const foreground = eventsOf(await (await run({ command: 'true' })).text());
    const zeroExecutionTime = [...background, ...foreground].some((e) => e.type === 'execution_complete' && e.execution_time === 0) ? 'sent' : 'omitted';

    const health = async (origin?: string) => {
      const res = await fetch(`${base}/health`, { headers: origin ? { origin } : {} });
      await res.arrayBuffer();
      const allow = res.headers.get('access-control-allow-origin');
      return allow === null ? 'none' : `${allow === origin ? 'echo' : allow}${res.headers.get('access-control-allow-credentials') === 'true' ? '+credentials' : ''}`;
    };
    const cors = `without Origin: ${await health()}; with Origin: ${await health('http://probe.example')}`;

    const download = await fetch(`${execd}/files/download?path=/tmp`, { headers: execdHeaders });
    const directoryDownload = `${download.status} content-length ${download.headers.get('content-length') ?? 'none'}`;
    await download.arrayBuffer().catch(() => undefined);

    const refused = await fetch(`${base}/v1/sandboxes`, { method: 'POST', headers: { ...json, ...auth }, body: createBody('kode-probe/no-such-image:0') });
    const refusedBody = (await refused.json().catch(() => ({}))) as { code?: string };
    if (refused.status === 202) {
      const stray = (refusedBody as { id?: string }).id;
      if (stray) await fetch(`${base}/v1/sandboxes/${stray}`, { method: 'DELETE', headers: auth });
    }

    const interrupt = await fetch(`${execd}/command?id=kode-probe-unknown`, { method: 'DELETE', headers: execdHeaders });
    const interruptBody = (await interrupt.json().catch(() => ({}))) as { message?: string };

    return {
      directEndpoint: /^[^/]+:\d+\/proxy\/44772$/.test(direct.endpoint) ? 'host:<port>/proxy/44772' : /^[^/]+:44772$/.test(direct.endpoint) ? 'host:44772' : `other: ${direct.endpoint}`,
      serverProxyEndpoint: proxied.endpoint.includes(`/v1/sandboxes/${id}/proxy/44772`) ? '…/v1/sandboxes/{id}/proxy/44772' : proxied.endpoint.includes(`/sandboxes/${id}/proxy/44772`) ? '…/sandboxes/{id}/proxy/44772' : `other: ${proxied.endpoint}`,
      missingCwd,
      backgroundStream: background.map((e) => e.type).join(','),
      zeroExecutionTime,
      cors,
      directoryDownload,
      unknownImage: `${refused.status} ${refusedBody.code ?? '?'}`,
      interruptUnknown: `${interrupt.status} ${interruptBody.message ?? '?'}`,
    };
  } finally {
    await fetch(`${base}/v1/sandboxes/${id}`, { method: 'DELETE', headers: auth }).catch(() => undefined);
  }
}
