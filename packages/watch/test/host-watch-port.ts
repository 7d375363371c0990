// A WatchPort over the host file system and host processes: a real component (node:fs, bash,
// inotifywait), used by the unit tests and the benchmarks. Not part of the package.
import { spawn } from 'node:child_process';
import { lstat, readdir } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Stats } from 'node:fs';
import type { WatchPort, WatchSnapshotRequest, WatchStatEntry, WatchStreamRequest, WatchStreamResult } from '../src/index';

export interface HostWatchPortOptions {
  /** PATH for streamed commands (e.g. an empty dir to hide inotifywait). */
  path?: string;
  /** Without stream(): no native strategy. */
  noStream?: boolean;
  /** The shell that runs streamed commands. Default `/bin/bash`. */
  shell?: string;
}

export interface HostWatchPort extends WatchPort {
  snapshotCalls: WatchSnapshotRequest[];
  streamCalls: string[];
  /** Makes the next `n` snapshot calls reject. */
  failNextSnapshots(n: number): void;
}

function typeOf(stat: Stats): WatchStatEntry['type'] {
  if (stat.isFile()) return 'file';
  if (stat.isDirectory()) return 'directory';
  if (stat.isSymbolicLink()) return 'symlink';
  return 'other';
}

async function statEntry(path: string): Promise<WatchStatEntry | undefined> {
  try {
    const stat = await lstat(path);
    return { path, type: typeOf(stat), size: stat.size, mtimeMs: stat.mtimeMs };
  } catch {
    return undefined;
  }
}

async function walk(dir: string, recursive: boolean, out: WatchStatEntry[]): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const path = dir === '/' ? `/${name}` : `${dir}/${name}`;
    const entry = await statEntry(path);
    if (entry === undefined) continue;
    out.push(entry);
    if (recursive && entry.type === 'directory') await walk(path, true, out);
  }
}

export async function hostSnapshot(request: WatchSnapshotRequest): Promise<WatchStatEntry[]> {
  const out: WatchStatEntry[] = [];
  for (const path of request.paths) {
    const entry = await statEntry(path);
    if (entry === undefined) continue;
    out.push(entry);
    if (entry.type === 'directory') await walk(path, request.recursive, out);
  }
  return out;
}

export function hostStream(request: WatchStreamRequest, pathEnv?: string, shell = '/bin/bash'): Promise<WatchStreamResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(shell, ['-c', request.command], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: pathEnv === undefined ? process.env : { ...process.env, PATH: pathEnv },
    });
    const decoder = new StringDecoder('utf8');
    let buffer = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += decoder.write(chunk);
      let index: number;
      while ((index = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, index);
        buffer = buffer.slice(index + 1);
        request.onLine(line);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    if (request.signal.aborted) kill();
    else request.signal.addEventListener('abort', kill, { once: true });
    child.on('error', reject);
    child.on('close', (code) => {
      request.signal.removeEventListener('abort', kill);
      buffer += decoder.end();
      if (buffer !== '') request.onLine(buffer);
      resolve({ code: request.signal.aborted ? null : code, stderr });
    });
  });
}

/** A host port that records its calls. */
export function createHostWatchPort(options: HostWatchPortOptions = {}): HostWatchPort {
  let failures = 0;
  const port: HostWatchPort = {
    snapshotCalls: [],
    streamCalls: [],
    failNextSnapshots(n) {
      failures = n;
    },
    async snapshot(request) {
      port.snapshotCalls.push(request);
      if (failures > 0) {
        failures--;
        throw new Error('injected snapshot failure');
      }
      return hostSnapshot(request);
    },
  };
  if (options.noStream !== true) {
    port.stream = (request) => {
      port.streamCalls.push(request.command);
      return hostStream(request, options.path, options.shell);
    };
  }
  return port;
}
