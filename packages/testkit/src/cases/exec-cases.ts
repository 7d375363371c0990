import { FileNotFoundError, quoteShellArg, relativePosixPath, TIMEOUT_EXIT_CODE } from '@kode/core';
import { expectError, expectRejection } from '../support/errors';
import { exactOr } from '../support/output';
import { isProcessAlive, readPid, waitForFileSnippet } from '../support/shell';
import { waitUntil, withTimeout } from '../support/wait';
import type { ConformanceCase } from '../types';

const MIB = 1024 * 1024;


/** A command that prints `bytes` bytes of `a` in lines of 1024 (1023 letters + newline). */
function bulkOutput(bytes: number, stream: 'stdout' | 'stderr'): string {
  const lines = bytes / 1024;
  const redirect = stream === 'stderr' ? ' 1>&2' : '';
  return `line=$(printf '%1023s' '' | tr ' ' a); i=0; { while [ "$i" -lt ${lines} ]; do printf '%s\\n' "$line"; i=$((i+1)); done; }${redirect}`;
}

/** Cases of the `exec` group: exit codes, streams, env, cwd, timeouts, abort, output caps. */
export const execCases: readonly ConformanceCase[] = [
  {
    id: 'exec.exit-code-0',
    group: 'exec',
    title: 'a successful command reports code 0 and its output',
    async run({ sandbox, expect }) {
      const result = await sandbox.exec('echo hello');
      expect(result).toMatchObject({ code: 0, stdout: 'hello\n', stderr: '', timedOut: false, truncated: false });
    },
  },
  {
    id: 'exec.exit-code-1',
    group: 'exec',
    title: 'a failing command resolves with code 1 (non-zero exit is data, not an exception)',
    async run({ sandbox, expect }) {
      const result = await sandbox.exec('false');
      expect(result.code).toBe(1);
      expect(result.timedOut).toBe(false);
    },
  },
  {
    id: 'exec.exit-code-127',
    group: 'exec',
    title: 'an unknown command resolves with code 127 and a message on stderr',
    async run({ sandbox, expect }) {
      const result = await sandbox.exec('kode-conformance-no-such-command-xyz');
      expect(result.code).toBe(127);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/not found|No such file/i);
    },
  },
  {
    id: 'exec.exit-code-arbitrary',
    group: 'exec',
    title: 'an explicit exit 42 is reported as 42',
    async run({ sandbox, expect }) {
      expect((await sandbox.exec('exit 42')).code).toBe(42);
    },
  },
  {
    id: 'exec.killed-by-signal',
    group: 'exec',
    title: 'a command killed by signal n reports 128 + n',
    async run({ sandbox, expect }) {
      const result = await sandbox.exec('sh -c \'kill -TERM $$\'');
      expect(result.code).toBe(143);
      expect(result.timedOut).toBe(false);
    },
  },
  {
    id: 'exec.stdout-stderr-separate',
    group: 'exec',
    title: 'stdout and stderr are kept apart',
    async run({ sandbox, expect }) {
      const result = await sandbox.exec('echo to-out; echo to-err 1>&2; echo out-again; echo err-again 1>&2');
      expect(result.stdout).toBe('to-out\nout-again\n');
      expect(result.stderr).toBe('to-err\nerr-again\n');
    },
  },
  {
    id: 'exec.stderr-with-exit-code',
    group: 'exec',
    title: 'stderr and a non-zero code come back together',
    async run({ sandbox, expect }) {
      const result = await sandbox.exec('echo broken 1>&2; exit 3');
      expect(result).toMatchObject({ code: 3, stdout: '', stderr: 'broken\n' });
    },
  },
  {
    id: 'exec.no-trailing-newline',
    group: 'exec',
    title: 'output without a final newline is returned as is (or newline-terminated on line transports)',
    async run(ctx) {
      const result = await ctx.sandbox.exec('printf abc');
      ctx.expect(result.stdout).toBe(exactOr(ctx, 'abc'));
    },
  },
  {
    id: 'exec.env',
    group: 'exec',
    title: '`env` variables are visible to the command',
    async run({ sandbox, expect }) {
      const result = await sandbox.exec('printf "%s|%s" "$KODE_A" "$KODE_B"', { env: { KODE_A: 'alpha', KODE_B: 'beta' } });
      expect(result.stdout.trimEnd()).toBe('alpha|beta');
    },
  },
  {
    id: 'exec.env-special-characters',
    group: 'exec',
    title: '`env` values with spaces, quotes and $ arrive verbatim',
    async run({ sandbox, expect }) {
      const value = `a b 'c' "d" $HOME \`x\` ü`;
      const result = await sandbox.exec('printf "%s" "$KODE_SPECIAL"', { env: { KODE_SPECIAL: value } });
      expect(result.stdout.trimEnd()).toBe(value);
    },
  },
  {
    id: 'exec.env-keeps-path',
    group: 'exec',
    title: '`env` adds to the environment instead of replacing it (PATH still works)',
    async run({ sandbox, expect }) {
      const result = await sandbox.exec('ls / >/dev/null && printf ok', { env: { KODE_EXTRA: '1' } });
      expect(result.code).toBe(0);
      expect(result.stdout.trimEnd()).toBe('ok');
    },
  },
  {
    id: 'exec.default-cwd-is-workdir',
    group: 'exec',
    title: 'without `cwd` the command runs in workDir',
    async run({ sandbox, workdir, expect }) {
      const name = `${relativePosixPath(sandbox.workDir, workdir)}/marker-default-cwd`;
      await sandbox.fs.write(name, 'x');
      const result = await sandbox.exec(`test -f ${quoteShellArg(name)} && printf found`);
      expect(result.stdout.trimEnd()).toBe('found');
    },
  },
  {
    id: 'exec.cwd-absolute',
    group: 'exec',
    title: 'an absolute `cwd` is where the command runs',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.mkdir(`${workdir}/sub dir`);
      const result = await sandbox.exec('pwd', { cwd: `${workdir}/sub dir` });
      expect(result.stdout.trimEnd()).toBe(`${workdir}/sub dir`);
    },
  },
  {
    id: 'exec.cwd-relative',
    group: 'exec',
    title: 'a relative `cwd` resolves against workDir',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.mkdir(`${workdir}/rel`);
      const result = await sandbox.exec('pwd', { cwd: `${relativePosixPath(sandbox.workDir, workdir)}/rel` });
      expect(result.stdout.trimEnd()).toBe(`${workdir}/rel`);
    },
  },
  {
    id: 'exec.shell-syntax',
    group: 'exec',
    title: 'the command runs in a POSIX shell (pipes, &&, subshells, variables)',
    async run({ sandbox, expect }) {
      const result = await sandbox.exec('x=ab; echo "$x" | tr a-z A-Z && (echo sub) && false || echo fallback');
      expect(result.stdout).toBe('AB\nsub\nfallback\n');
    },
  },
  {
    id: 'exec.stdin-closed',
    group: 'exec',
    title: 'stdin is closed: a command reading it ends at once',
    async run({ sandbox, expect }) {
      const result = await sandbox.exec('cat; echo done', { timeoutMs: 10_000 });
      expect(result).toMatchObject({ code: 0, stdout: 'done\n', timedOut: false });
    },
  },
  {
    id: 'exec.duration',
    group: 'exec',
    title: '`durationMs` of `sleep 0.3` is at least 250 and at most the wall time of the call',
    async run({ sandbox, expect }) {
      const started = performance.now();
      const result = await sandbox.exec('sleep 0.3');
      const wall = performance.now() - started;
      expect(result.code).toBe(0);
      expect(typeof result.durationMs).toBe('number');
      // The front measures from start to the final event, so the sleep is a hard lower bound and the
      // caller's own measurement (plus 1 ms of rounding) an upper one.
      expect(result.durationMs).toBeGreaterThanOrEqual(250);
      expect(result.durationMs).toBeLessThanOrEqual(Math.ceil(wall) + 1);
    },
  },
  {
    id: 'exec.timeout-code-124',
    group: 'exec',
    title: 'a command past `timeoutMs` is killed: code 124, timedOut true, not before timeoutMs and promptly after it',
    async run({ sandbox, expect, tolerances }) {
      const started = performance.now();
      const result = await sandbox.exec('echo before; sleep 30; echo after', { timeoutMs: 500 });
      const wall = performance.now() - started;
      expect(result.code).toBe(TIMEOUT_EXIT_CODE);
      expect(result.timedOut).toBe(true);
      expect(result.stdout).not.toContain('after');
      // A timer never fires early (2 ms for clock rounding); the kill may take up to the kill latency.
      expect(wall).toBeGreaterThanOrEqual(498);
      expect(result.durationMs).toBeGreaterThanOrEqual(498);
      expect(wall).toBeLessThan(500 + tolerances.killLatencyMs);
    },
  },
  {
    id: 'exec.background-child-holds-stdout',
    group: 'exec',
    title: 'exec returns when the shell exits: a background child holding stdout and stderr is not waited for (ADR 0110)',
    async run({ sandbox, workdir, expect }) {
      const pidFile = `${workdir}/child.pid`;
      // If exec waited for the child's pipes, the 10 s timeout would end it with code 124 first.
      const result = await sandbox.exec(`sleep 60 & echo $! > ${quoteShellArg(pidFile)}; echo started; echo warned >&2`, { timeoutMs: 10_000 });
      const pid = await readPid(sandbox, pidFile);
      if (pid !== undefined) await sandbox.exec(`kill ${pid} 2>/dev/null; true`);
      expect(result).toMatchObject({ code: 0, timedOut: false, stdout: 'started\n', stderr: 'warned\n' });
    },
  },
  {
    id: 'exec.background-child-exit-code',
    group: 'exec',
    title: "with a background child still running, exec reports the shell's own exit code",
    async run({ sandbox, workdir, expect }) {
      const pidFile = `${workdir}/child.pid`;
      const result = await sandbox.exec(`sleep 60 & echo $! > ${quoteShellArg(pidFile)}; echo partial; exit 7`, { timeoutMs: 10_000 });
      const pid = await readPid(sandbox, pidFile);
      if (pid !== undefined) await sandbox.exec(`kill ${pid} 2>/dev/null; true`);
      expect(result).toMatchObject({ code: 7, timedOut: false, stdout: 'partial\n' });
    },
  },
  {
    id: 'exec.cwd-not-a-directory',
    group: 'exec',
    title: 'a `cwd` that is a regular file raises FileNotFoundError (no such directory), like a missing one',
    async run({ sandbox, workdir }) {
      await sandbox.fs.write(`${workdir}/plain.txt`, 'x');
      await expectError(() => sandbox.exec('pwd', { cwd: `${workdir}/plain.txt` }), FileNotFoundError, 'exec with cwd = a regular file');
      await expectError(() => sandbox.exec('pwd', { cwd: `${workdir}/missing-dir` }), FileNotFoundError, 'exec with a missing cwd');
    },
  },
  {
    id: 'exec.timeout-kills-grandchild',
    group: 'exec',
    title: 'a timeout kills the whole tree: a sleep spawned by a subshell is gone',
    async run({ sandbox, workdir, expect, tolerances }) {
      const pidFile = `${workdir}/grandchild.pid`;
      const result = await sandbox.exec(`sh -c 'sleep 300 & echo $! > ${pidFile}; wait'`, { timeoutMs: 1_000 });
      expect(result).toMatchObject({ code: TIMEOUT_EXIT_CODE, timedOut: true });
      const pid = await waitUntil(() => readPid(sandbox, pidFile), { timeoutMs: 5_000, what: 'the grandchild pid file' });
      await waitUntil(async () => !(await isProcessAlive(sandbox, pid)), {
        timeoutMs: tolerances.killLatencyMs,
        intervalMs: 100,
        what: `grandchild sleep (pid ${pid}) to be killed after the timeout`,
      });
    },
  },
  {
    id: 'exec.timeout-fast-command-unaffected',
    group: 'exec',
    title: 'a command finishing inside `timeoutMs` is not marked timedOut',
    async run({ sandbox, expect }) {
      const result = await sandbox.exec('echo quick', { timeoutMs: 20_000 });
      expect(result).toMatchObject({ code: 0, timedOut: false, stdout: 'quick\n' });
    },
  },
  {
    id: 'exec.abort-rejects-with-reason',
    group: 'exec',
    title: 'aborting rejects the call with `signal.reason`',
    async run({ sandbox, workdir, expect }) {
      const controller = new AbortController();
      const reason = new Error('conformance abort');
      const started = `${workdir}/started`;
      const call = sandbox.exec(`touch ${quoteShellArg(started)}; sleep 30`, { signal: controller.signal, timeoutMs: 40_000 });
      call.catch(() => undefined);
      await waitUntil(() => sandbox.fs.exists(started), { timeoutMs: 10_000, what: 'the command to start' });
      controller.abort(reason);
      const error = await withTimeout(expectRejection(() => call, 'exec after abort'), { ms: 10_000, what: 'exec to reject after abort' });
      expect(error).toBe(reason);
    },
  },
  {
    id: 'exec.abort-kills-tree',
    group: 'exec',
    title: 'aborting kills the process tree, grandchildren included',
    async run({ sandbox, workdir, tolerances }) {
      const controller = new AbortController();
      const pidFile = `${workdir}/abort.pid`;
      const call = sandbox.exec(`sh -c 'sleep 300 & echo $! > ${pidFile}; wait'`, { signal: controller.signal, timeoutMs: 60_000 });
      call.catch(() => undefined);
      const pid = await waitUntil(() => readPid(sandbox, pidFile), { timeoutMs: 10_000, what: 'the grandchild pid file' });
      controller.abort(new Error('stop'));
      await withTimeout(expectRejection(() => call, 'exec after abort'), { ms: 10_000, what: 'exec to reject after abort' });
      await waitUntil(async () => !(await isProcessAlive(sandbox, pid)), {
        timeoutMs: tolerances.killLatencyMs,
        intervalMs: 100,
        what: `grandchild sleep (pid ${pid}) to be killed after abort`,
      });
    },
  },
  {
    id: 'exec.abort-before-start',
    group: 'exec',
    title: 'an already aborted signal rejects with its reason and runs nothing',
    async run({ sandbox, workdir, expect }) {
      const controller = new AbortController();
      const reason = new Error('aborted early');
      controller.abort(reason);
      const marker = `${workdir}/must-not-exist`;
      const error = await expectRejection(() => sandbox.exec(`touch ${quoteShellArg(marker)}`, { signal: controller.signal }), 'exec with aborted signal');
      expect(error).toBe(reason);
      expect(await sandbox.fs.exists(marker)).toBe(false);
    },
  },
  {
    id: 'exec.output-5mib',
    group: 'exec',
    title: '5 MiB of stdout come back whole under the default cap',
    async run({ sandbox, expect }) {
      const result = await sandbox.exec(bulkOutput(5 * MIB, 'stdout'), { timeoutMs: 60_000 });
      expect(result.code).toBe(0);
      expect(result.truncated).toBe(false);
      expect(result.stdout.length).toBe(5 * MIB);
      expect(/^[a\n]*$/.test(result.stdout)).toBe(true);
    },
  },
  {
    id: 'exec.output-truncated',
    group: 'exec',
    title: '5 MiB of stdout with maxOutputBytes 1 MiB is cut at 1 MiB and flagged',
    async run(ctx) {
      const { sandbox, expect } = ctx;
      const result = await sandbox.exec(bulkOutput(5 * MIB, 'stdout'), { timeoutMs: 60_000, maxOutputBytes: MIB });
      expect(result.code).toBe(0);
      expect(result.truncated).toBe(true);
      if (ctx.capabilities.exec.exactOutput) expect(result.stdout.length).toBe(MIB);
      else expect(result.stdout.length).toBeLessThanOrEqual(MIB + 1);
      expect(result.stdout.length).toBeGreaterThan(MIB - 2048);
    },
  },
  {
    id: 'exec.output-truncated-stderr',
    group: 'exec',
    title: 'the cap applies per stream: big stderr is cut, small stdout is kept',
    async run({ sandbox, expect }) {
      const result = await sandbox.exec(`echo small; ${bulkOutput(2 * MIB, 'stderr')}`, { timeoutMs: 60_000, maxOutputBytes: 256 * 1024 });
      expect(result.truncated).toBe(true);
      expect(result.stdout).toBe('small\n');
      expect(result.stderr.length).toBeLessThanOrEqual(256 * 1024 + 1);
      expect(result.stderr.length).toBeGreaterThan(250 * 1024);
    },
  },
  {
    id: 'exec.output-under-cap',
    group: 'exec',
    title: 'output below maxOutputBytes is not flagged truncated',
    async run({ sandbox, expect }) {
      const result = await sandbox.exec(bulkOutput(64 * 1024, 'stdout'), { maxOutputBytes: 128 * 1024 });
      expect(result.truncated).toBe(false);
      expect(result.stdout.length).toBe(64 * 1024);
    },
  },
  {
    id: 'exec.streaming-callbacks',
    group: 'exec',
    title: 'onStdout/onStderr chunks add up to the result streams',
    requires: ['exec.streaming'],
    async run({ sandbox, expect }) {
      const out: string[] = [];
      const err: string[] = [];
      const result = await sandbox.exec('for i in 1 2 3; do echo "o$i"; echo "e$i" 1>&2; done', {
        onStdout: (chunk) => out.push(chunk),
        onStderr: (chunk) => err.push(chunk),
      });
      expect(out.join('')).toBe(result.stdout);
      expect(err.join('')).toBe(result.stderr);
      expect(result.stdout).toBe('o1\no2\no3\n');
      expect(result.stderr).toBe('e1\ne2\ne3\n');
    },
  },
  {
    id: 'exec.streaming-live',
    group: 'exec',
    title: 'onStdout is called while the command still runs',
    requires: ['exec.streaming'],
    async run({ sandbox, workdir, expect }) {
      const go = `${workdir}/go`;
      let seenFirst = false;
      const call = sandbox.exec(`echo first; ${waitForFileSnippet(go)}; echo second`, {
        timeoutMs: 30_000,
        onStdout: (chunk) => {
          if (chunk.includes('first')) seenFirst = true;
        },
      });
      await waitUntil(() => seenFirst, { timeoutMs: 10_000, what: 'the first chunk before the command ends' });
      await sandbox.fs.write(go, '');
      const result = await call;
      expect(result).toMatchObject({ code: 0, stdout: 'first\nsecond\n' });
    },
  },
  {
    id: 'exec.unicode-output',
    group: 'exec',
    title: 'unicode in commands and output round-trips',
    async run({ sandbox, expect }) {
      const text = 'héllo wörld — 世界 🚀 ñ';
      const result = await sandbox.exec(`printf '%s\\n' ${quoteShellArg(text)}; printf '%s\\n' ${quoteShellArg(text)} 1>&2`);
      expect(result.stdout).toBe(`${text}\n`);
      expect(result.stderr).toBe(`${text}\n`);
    },
  },
  {
    id: 'exec.unicode-streaming-split',
    group: 'exec',
    title: 'multi-byte characters split across chunks are decoded correctly',
    requires: ['exec.streaming'],
    async run({ sandbox, expect }) {
      const chunks: string[] = [];
      const emoji = '🚀'.repeat(5000);
      const result = await sandbox.exec(`printf '%s' ${quoteShellArg(emoji)}`, { onStdout: (c) => chunks.push(c) });
      expect(result.stdout.replace(/\n$/, '')).toBe(emoji);
      expect(chunks.join('').replace(/\n$/, '')).toBe(emoji);
    },
  },
  {
    id: 'exec.streaming-partial-utf8-end',
    group: 'exec',
    title: 'output ending in an incomplete UTF-8 sequence reaches the callbacks as in the result',
    requires: ['exec.streaming'],
    async run({ sandbox, expect }) {
      const out: string[] = [];
      const err: string[] = [];
      // The last bytes start a 3-byte (stdout) and a 4-byte (stderr) character that never completes.
      const result = await sandbox.exec("printf 'ok \\342\\202'; printf 'err \\360\\237' 1>&2", {
        onStdout: (chunk) => out.push(chunk),
        onStderr: (chunk) => err.push(chunk),
      });
      expect(result.code).toBe(0);
      expect(result.stdout.startsWith('ok ')).toBe(true);
      expect(result.stderr.startsWith('err ')).toBe(true);
      expect(result.stdout.length).toBeGreaterThan(3);
      expect(out.join('')).toBe(result.stdout);
      expect(err.join('')).toBe(result.stderr);
    },
  },
  {
    id: 'exec.concurrent-20',
    group: 'exec',
    title: '20 concurrent execs keep their outputs apart',
    async run({ sandbox, expect }) {
      const runs = Array.from({ length: 20 }, (_, n) =>
        sandbox.exec(`i=0; while [ "$i" -lt 50 ]; do echo "job-${n}-$i"; echo "err-${n}-$i" 1>&2; i=$((i+1)); done; exit ${n}`, { timeoutMs: 60_000 }),
      );
      const results = await Promise.all(runs);
      results.forEach((result, n) => {
        const lines = Array.from({ length: 50 }, (_, i) => `job-${n}-${i}`);
        const errs = Array.from({ length: 50 }, (_, i) => `err-${n}-${i}`);
        expect(result.code).toBe(n);
        expect(result.stdout).toBe(`${lines.join('\n')}\n`);
        expect(result.stderr).toBe(`${errs.join('\n')}\n`);
      });
    },
  },
];
