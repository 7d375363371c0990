/**
 * Which TCP ports a sandbox listens on. The emulated sandboxes share the host's network namespace,
 * so "port 3000 of sandbox A" is host port 3000; the proxy only forwards to a port when a process
 * of THAT sandbox owns the listening socket (found through `/proc/net/tcp{,6}` and the sandbox
 * processes' file descriptors), and answers "port is not open" otherwise, as E2B's proxy does.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** TCP state LISTEN in `/proc/net/tcp`. */
const TCP_LISTEN = '0A';

/** Where the proxy reaches a listening socket. */
export interface SandboxListener {
  /** Loopback address to connect to: `127.0.0.1` for IPv4 sockets, `::1` for IPv6-only ones. */
  host: string;
  port: number;
}

interface ListeningSocket {
  inode: string;
  ipv6: boolean;
  /** Local address in `/proc/net` hex form. */
  address: string;
}

function listeningSockets(port: number): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const [file, ipv6] of [
    ['/proc/net/tcp', false],
    ['/proc/net/tcp6', true],
  ] as const) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // no IPv6 on this host
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:tm retrnsmt uid timeout inode
      const [address, hexPort] = (fields[1] ?? '').split(':');
      if (fields[3] !== TCP_LISTEN || hexPort === undefined || Number.parseInt(hexPort, 16) !== port) continue;
      out.push({ inode: fields[9] ?? '', ipv6, address: address ?? '' });
    }
  }
  return out;
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes; // exited meanwhile
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** An IPv6 socket bound to `::` or to an IPv4-mapped address also accepts IPv4 connections. */
function acceptsIpv4(socket: ListeningSocket): boolean {
  return !socket.ipv6 || /^0{32}$/.test(socket.address) || /^0{16}FFFF0000/i.test(socket.address);
}

/**
 * The listening socket on `port` owned by one of `pids` (the sandbox's processes), or `undefined`
 * when none of them listens there (nothing listens, or another sandbox or the host does).
 */
export function findSandboxListener(pids: readonly number[], port: number): SandboxListener | undefined {
  const sockets = listeningSockets(port);
  if (sockets.length === 0) return undefined;
  const owned = new Set<string>();
  for (const pid of pids) for (const inode of socketInodes(pid)) owned.add(inode);
  const mine = sockets.filter((s) => owned.has(s.inode));
  if (mine.length === 0) return undefined;
  return { host: mine.some(acceptsIpv4) ? '127.0.0.1' : '::1', port };
}
