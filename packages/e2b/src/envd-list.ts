import { AuthenticationError, FileNotFoundError, FileType as E2BFileType, InvalidArgumentError, RateLimitError, SandboxError, TimeoutError, type Sandbox as E2BClient } from 'e2b';
import type { FileType } from '@kode/core';
import { entryType } from './entry-type';

/** One entry of envd's `ListDir`, reduced to what `fs.list` and `fs.glob` need. */
export interface ListedEntry {
  name: string;
  /** Absolute path under the directory that was listed. */
  path: string;
  /** Type with `lstat` semantics (see `entryType`). */
  type: FileType;
}

/** The part of envd's raw `EntryInfo` message read here (protobuf enum number for `type`). */
interface RawEntry {
  name: string;
  path: string;
  type: number;
  permissions?: string;
}

/** The client's own Connect client for envd's Filesystem service, and its request signal. */
interface ClientInternals {
  rpc?: { listDir?: (request: { path: string; depth: number }, options: { signal?: AbortSignal }) => Promise<{ entries: RawEntry[] }> };
  connectionConfig?: { getSignal?: (requestTimeoutMs?: number) => AbortSignal | undefined };
}

/** `filesystem.FileType` numbers → the client's type names (as its own `mapFileType`). */
function clientTypeName(type: number): E2BFileType | undefined {
  return type === 1 ? E2BFileType.FILE : type === 2 ? E2BFileType.DIR : type === 3 ? E2BFileType.SYMLINK : undefined;
}

/**
 * envd's `ListDir` of `path` to `depth` levels, EVERY entry included. The client's `files.list`
 * skips entries whose envd type is UNSPECIFIED, and envd reports a dangling symbolic link exactly
 * so (it types links by their target), so this calls the client's own Connect client for the
 * Filesystem service (`files.rpc`, with the client's request timeout) when it has one, and
 * falls back to `files.list` (dangling links then missing) when a client version lacks it.
 * Errors are the client's; callers map them.
 */
export async function listDirEntries(client: E2BClient, options: { path: string; depth: number }): Promise<ListedEntry[]> {
  const internals = client.files as unknown as ClientInternals;
  const listDir = internals.rpc?.listDir;
  if (typeof listDir !== 'function') {
    const entries = await client.files.list(options.path, { depth: options.depth });
    return entries.map((e) => ({ name: e.name, path: e.path, type: entryType(e) }));
  }
  const signal = internals.connectionConfig?.getSignal?.call(internals.connectionConfig);
  let response: { entries: RawEntry[] };
  try {
    response = await listDir.call(internals.rpc, { path: options.path, depth: options.depth }, signal === undefined ? {} : { signal });
  } catch (error) {
    throw asClientError(error);
  }
  return response.entries.map((e) => ({ name: e.name, path: e.path, type: entryType({ type: clientTypeName(e.type), permissions: e.permissions }) }));
}

/**
 * A Connect failure of the raw call turned into the error the client's own `files.list` throws
 * for it (same classes, same message), so the backend maps both alike. Other errors pass through.
 */
function asClientError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (!(error instanceof Error) || error.name !== 'ConnectError' || typeof code !== 'number') return error;
  const message = error.message;
  switch (code) {
    case 1: // canceled: the request signal (requestTimeoutMs) fired
      return new TimeoutError(`${message}: This error is likely due to exceeding 'requestTimeoutMs'.`);
    case 3:
      return new InvalidArgumentError(message);
    case 5:
      return new FileNotFoundError(message);
    case 8:
      return new RateLimitError(message);
    case 14: // unavailable: the sandbox is gone
      return new TimeoutError(message);
    case 16:
      return new AuthenticationError(message);
    default:
      return new SandboxError(`${code}: ${message}`);
  }
}
