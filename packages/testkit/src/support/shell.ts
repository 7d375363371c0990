import { quoteShellArg, type Sandbox } from '@kode/core';

/**
 * Shell snippet that blocks until `file` exists (checked every 50 ms, at most `limitSeconds`),
 * exiting 3 when it never appears. Lets a case pace a command without timing assumptions.
 */
export function waitForFileSnippet(file: string, limitSeconds = 20): string {
  const ticks = limitSeconds * 20;
  return `i=0; while [ ! -e ${quoteShellArg(file)} ]; do i=$((i+1)); if [ "$i" -gt ${ticks} ]; then exit 3; fi; sleep 0.05; done`;
}

/**
 * Whether process `pid` is alive inside the sandbox, asked through a second exec. A zombie counts as
 * gone (it runs nothing; reaping is the init process's job).
 */
export async function isProcessAlive(sandbox: Sandbox, pid: number): Promise<boolean> {
  const script = `if [ -e /proc/${pid} ]; then s=$(sed -n 's/^[0-9]* (.*) \\([A-Za-z]\\) .*/\\1/p' /proc/${pid}/stat 2>/dev/null); if [ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]; then echo alive; exit 0; fi; fi; if [ ! -d /proc/self ] && kill -0 ${pid} 2>/dev/null; then echo alive; exit 0; fi; echo gone`;
  const result = await sandbox.exec(script, { timeoutMs: 10_000 });
  return result.stdout.trim() === 'alive';
}

/** Reads a pid written by a command into `file`, once the file holds a number. */
export async function readPid(sandbox: Sandbox, file: string): Promise<number | undefined> {
  if (!(await sandbox.fs.exists(file))) return undefined;
  const text = (await sandbox.fs.read(file)).trim();
  return /^\d+$/.test(text) ? Number(text) : undefined;
}
