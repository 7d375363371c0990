import type { Sandbox as SdkSandbox } from '@alibaba-group/opensandbox';
import { ExecdRequestError } from './execd-events';

/** Where `GET /files/download` goes: the SDK files adapter's own base URL, headers and fetch for this sandbox. */
interface FilesTarget {
  baseUrl: string;
  headers: Record<string, string>;
  fetch: typeof fetch;
}

/**
 * The execd transport the SDK built for `sdk.files` (base URL, headers, fetch), so a download goes
 * exactly where the SDK would send it, in every routing mode. `undefined` when this SDK version
 * keeps them elsewhere.
 */
function filesTarget(sdk: SdkSandbox): FilesTarget | undefined {
  const adapter = sdk.files as unknown as { opts?: { baseUrl?: unknown; headers?: unknown }; fetch?: unknown };
  const baseUrl = adapter.opts?.baseUrl;
  if (typeof baseUrl !== 'string' || typeof adapter.fetch !== 'function') return undefined;
  const headers = typeof adapter.opts?.headers === 'object' && adapter.opts.headers !== null ? (adapter.opts.headers as Record<string, string>) : {};
  return { baseUrl: baseUrl.replace(/\/+$/, ''), headers, fetch: adapter.fetch as typeof fetch };
}

/**
 * Opens `GET /files/download?path=` as a byte stream, aborted with `signal` (the SDK's own
 * `downloadStream` takes no signal, so an abandoned download would hold its connection). Falls back
 * to the SDK's `readBytesStream` when its transport cannot be found. The body is the response's
 * own stream: pulled chunk by chunk, never collected.
 * @throws ExecdRequestError for a non-2xx answer (shaped like the SDK's `SandboxApiException`); transport errors as `fetch` raises them
 */
export async function openDownloadStream(sdk: SdkSandbox, path: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
  const target = filesTarget(sdk);
  if (target === undefined) return iterableToStream(sdk.files.readBytesStream(path));
  const response = await target.fetch(`${target.baseUrl}/files/download?path=${encodeURIComponent(path)}`, { method: 'GET', headers: { ...target.headers }, signal });
  if (!response.ok) {
    const body = await response.text().catch(() => '');
    throw new ExecdRequestError({ status: response.status, requestId: response.headers.get('x-request-id') ?? undefined, body, what: 'Download' });
  }
  return (response.body as ReadableStream<Uint8Array> | null) ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
}

function iterableToStream(iterable: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = iterable[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await iterator.next();
        if (next.done === true) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
