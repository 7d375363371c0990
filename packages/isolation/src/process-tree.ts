import { readFileSync, readdirSync } from 'node:fs';

/** Reads the parent pid of every process from `/proc`. */
function parentMap(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid …" — comm may contain spaces and parentheses.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    const pid = Number(name);
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  return children;
}

/**
 * Lists the host pids of every descendant of `pid` (not `pid` itself), parents before children,
 * from a scan of `/proc`. Processes that exit during the scan may be missing or listed.
 */
export function listProcessTree(pid: number): number[] {
  const children = parentMap();
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift()!;
    for (const child of children.get(next) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/**
 * Sends `signal` to every descendant of `pid` (not `pid` itself). For `SIGSTOP` the tree is
 * walked until no new (unstopped) process appears, so a process forked during the walk is frozen
 * too. Returns the pids signalled.
 */
export function signalProcessTree(pid: number, signal: NodeJS.Signals): number[] {
  const done = new Set<number>();
  for (let round = 0; round < 5; round++) {
    const fresh = listProcessTree(pid).filter((p) => !done.has(p));
    if (fresh.length === 0) break;
    for (const p of fresh) {
      try {
        process.kill(p, signal);
      } catch {
        // already gone
      }
      done.add(p);
    }
    if (signal !== 'SIGSTOP') break;
  }
  return [...done];
}

/** True while `/proc/<pid>` exists and the process is not a zombie. */
export function isProcessAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
