import { DisposedError, InvalidArgumentError, quoteShellArg, UnsupportedCapabilityError, type Sandbox, type SandboxError } from '@kode/core';
import { expectError } from '../support/errors';
import { waitUntil, withTimeout } from '../support/wait';
import type { CaseContext, ConformanceCase } from '../types';

/**
 * A tiny HTTP server for the endpoint case: answers every GET with `kode-endpoint <path>` and writes
 * the port it bound (chosen by the OS) to a file. Python 3 or Node, whichever the sandbox has.
 */
function serverCommand(options: { host: string; portFile: string }): string {
  const python = [
    'import http.server, sys',
    'class H(http.server.BaseHTTPRequestHandler):',
    '    def do_GET(self):',
    "        body = ('kode-endpoint ' + self.path).encode()",
    '        self.send_response(200)',
    "        self.send_header('content-length', str(len(body)))",
    '        self.end_headers()',
    '        self.wfile.write(body)',
    '    def log_message(self, *args):',
    '        pass',
    's = http.server.HTTPServer((sys.argv[1], 0), H)',
    "open(sys.argv[2] + '.tmp', 'w').write(str(s.server_address[1]))",
    'import os; os.rename(sys.argv[2] + ".tmp", sys.argv[2])',
    's.serve_forever()',
  ].join('\n');
  const node = [
    "const http = require('http'); const fs = require('fs');",
    "const s = http.createServer((q, r) => { const b = 'kode-endpoint ' + q.url; r.writeHead(200, { 'content-length': Buffer.byteLength(b) }); r.end(b); });",
    "s.listen(0, process.argv[1], () => { fs.writeFileSync(process.argv[2] + '.tmp', String(s.address().port)); fs.renameSync(process.argv[2] + '.tmp', process.argv[2]); });",
  ].join('\n');
  const args = `${quoteShellArg(options.host)} ${quoteShellArg(options.portFile)}`;
  return `if command -v python3 >/dev/null 2>&1; then exec python3 -c ${quoteShellArg(python)} ${args}; elif command -v node >/dev/null 2>&1; then exec node -e ${quoteShellArg(node)} ${args}; else echo 'the endpoint case needs python3 or node in the sandbox' >&2; exit 127; fi`;
}

/**
 * Starts `command` after it has touched `marker` (so that the caller knows it runs) and waits for
 * the marker. The caller gets the pending call back, wrapped (an async function would await it);
 * its rejection is never unhandled.
 */
async function startAndWait<T>(ctx: CaseContext, start: (marked: string) => Promise<T>, options: { marker: string; what: string }): Promise<{ pending: Promise<T> }> {
  const pending = start(`touch ${quoteShellArg(options.marker)}; `);
  pending.catch(() => undefined);
  await waitUntil(() => ctx.sandbox.fs.exists(options.marker), { timeoutMs: 20_000, intervalMs: 20, what: options.what });
  return { pending };
}

/** Expects `pause()` to raise InvalidArgumentError; should it resolve, resumes the sandbox before failing. */
async function expectPauseRefused(sandbox: Sandbox, label: string): Promise<void> {
  let paused = false;
  try {
    await expectError(
      async () => {
        await sandbox.pause();
        paused = true;
      },
      InvalidArgumentError,
      label,
    );
  } finally {
    if (paused) await sandbox.resume();
  }
}

async function sessionOutput(ctx: CaseContext, run: Promise<{ code: number; stdout: string }>, label: string): Promise<string> {
  const result = await run;
  ctx.expect(result.code, `${label}: exit code (output ${JSON.stringify(result.stdout)})`).toBe(0);
  return result.stdout.trim();
}

/** Cases of what coding agents need beyond plain exec: shell sessions, port endpoints, pause/resume (docs/contract.md). */
export const agentCases: readonly ConformanceCase[] = [
  {
    id: 'sessions.cd-persists',
    group: 'sessions',
    title: 'a session remembers its directory: cd in one exec, pwd in the next',
    requires: ['exec.sessions'],
    async run(ctx) {
      const session = await ctx.sandbox.sessions.create({ cwd: ctx.workdir });
      try {
        ctx.expect(await sessionOutput(ctx, session.exec('pwd'), 'pwd at start')).toBe(ctx.workdir);
        await sessionOutput(ctx, session.exec('mkdir -p sub/deeper && cd sub/deeper'), 'cd');
        ctx.expect(await sessionOutput(ctx, session.exec('pwd'), 'pwd after cd')).toBe(`${ctx.workdir}/sub/deeper`);
        await sessionOutput(ctx, session.exec('pwd', { cwd: ctx.workdir }), 'exec with cwd');
        ctx.expect(await sessionOutput(ctx, session.exec('pwd'), 'pwd after a cwd option')).toBe(ctx.workdir);
      } finally {
        await session.close();
      }
    },
  },
  {
    id: 'sessions.export-persists',
    group: 'sessions',
    title: 'a session remembers exported variables; create env is exported; exec env applies to one command; sandbox.exec sees none',
    requires: ['exec.sessions'],
    async run(ctx) {
      const session = await ctx.sandbox.sessions.create({ env: { KODE_KIT_START: 'from create' } });
      try {
        await sessionOutput(ctx, session.exec("export KODE_KIT_VAR='a b'"), 'export');
        ctx.expect(await sessionOutput(ctx, session.exec('echo "$KODE_KIT_VAR|$KODE_KIT_START"'), 'echo')).toBe('a b|from create');
        ctx.expect(await sessionOutput(ctx, session.exec('echo "$KODE_KIT_ONCE"', { env: { KODE_KIT_ONCE: 'once' } }), 'exec env')).toBe('once');
        ctx.expect(await sessionOutput(ctx, session.exec('echo "[$KODE_KIT_ONCE]"'), 'after exec env')).toBe('[]');
        const plain = await ctx.sandbox.exec('echo "[$KODE_KIT_VAR]"');
        ctx.expect(plain.stdout.trim(), 'sandbox.exec does not see session variables').toBe('[]');
      } finally {
        await session.close();
      }
    },
  },
  {
    id: 'sessions.independent',
    group: 'sessions',
    title: 'sessions are independent: one session’s cd and export are invisible to another',
    requires: ['exec.sessions'],
    async run(ctx) {
      const [a, b] = await Promise.all([ctx.sandbox.sessions.create({ cwd: ctx.workdir }), ctx.sandbox.sessions.create({ cwd: ctx.workdir })]);
      try {
        ctx.expect(a.id).not.toBe(b.id);
        await Promise.all([sessionOutput(ctx, a.exec('mkdir -p only-a && cd only-a && export KODE_KIT_WHO=a'), 'a'), sessionOutput(ctx, b.exec('export KODE_KIT_WHO=b'), 'b')]);
        ctx.expect(await sessionOutput(ctx, a.exec('echo "$(pwd)|$KODE_KIT_WHO"'), 'a state')).toBe(`${ctx.workdir}/only-a|a`);
        ctx.expect(await sessionOutput(ctx, b.exec('echo "$(pwd)|$KODE_KIT_WHO"'), 'b state')).toBe(`${ctx.workdir}|b`);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    },
  },
  {
    id: 'sessions.exec-contract',
    group: 'sessions',
    title: 'a session exec reports exit codes, times out with code 124 and lives on, rejects bad arguments; a closed session refuses',
    requires: ['exec.sessions'],
    async run(ctx) {
      const session = await ctx.sandbox.sessions.create();
      const exited = await session.exec('echo out; exit 3');
      ctx.expect(exited.code).toBe(3);
      ctx.expect(exited.stdout).toContain('out');
      const slow = await session.exec('sleep 30', { timeoutMs: 500 });
      ctx.expect(slow).toMatchObject({ code: 124, timedOut: true });
      ctx.expect(await sessionOutput(ctx, session.exec('echo alive'), 'after a timeout')).toBe('alive');
      await expectError(() => session.exec(''), InvalidArgumentError, 'empty command');
      await expectError(() => session.exec('true', { nope: 1 } as never), InvalidArgumentError, 'unknown option');
      await expectError(() => ctx.sandbox.sessions.create({ cwd: 1 } as never), InvalidArgumentError, 'create with a bad cwd');
      await session.close();
      await session.close();
      await expectError(() => session.exec('true'), InvalidArgumentError, 'exec after close');
    },
  },
  {
    id: 'sessions.one-at-a-time',
    group: 'sessions',
    title: 'a session runs its commands one at a time in call order: execs issued without awaiting see the effects of the earlier ones',
    requires: ['exec.sessions'],
    async run(ctx) {
      const session = await ctx.sandbox.sessions.create({ cwd: ctx.workdir });
      try {
        const settled: number[] = [];
        const issue = (n: number, command: string) =>
          session.exec(command).then((result) => {
            settled.push(n);
            return result;
          });
        // Issued together: the first one is the slowest, so commands run side by side would append out of order.
        const runs = [
          issue(1, 'sleep 0.3; printf 1 >> order.txt; export KODE_KIT_ORDER=after-first'),
          issue(2, 'printf 2 >> order.txt; echo "${KODE_KIT_ORDER:-unset}"'),
          issue(3, 'printf 3 >> order.txt'),
        ];
        const [, second] = await Promise.all(runs.map((run, i) => sessionOutput(ctx, run, `command ${i + 1}`)));
        ctx.expect(second, 'the second command saw the export of the first').toBe('after-first');
        ctx.expect(await ctx.sandbox.fs.read(`${ctx.workdir}/order.txt`)).toBe('123');
        ctx.expect(settled).toEqual([1, 2, 3]);
      } finally {
        await session.close();
      }
    },
  },
  {
    id: 'sessions.dispose-closes-sessions',
    group: 'sessions',
    title: 'dispose() closes every session: its running and queued commands and any later exec raise DisposedError; close() resolves',
    requires: ['exec.sessions'],
    isolated: true,
    async run(ctx) {
      const { sandbox, expect } = ctx;
      const session = await sandbox.sessions.create({ cwd: ctx.workdir });
      expect(await sessionOutput(ctx, session.exec('echo ready'), 'before dispose')).toBe('ready');
      const { pending: running } = await startAndWait(ctx, (marked) => session.exec(`${marked}sleep 30`), {
        marker: `${ctx.workdir}/running`,
        what: 'the session command to start',
      });
      const queued = session.exec('echo queued');
      queued.catch(() => undefined);
      await sandbox.dispose();
      await expectError(() => running, DisposedError, 'a session command running when dispose() starts');
      await expectError(() => queued, DisposedError, 'a session command queued when dispose() starts');
      await expectError(() => session.exec('true'), DisposedError, 'session exec after dispose()');
      await session.close();
      await session.close();
    },
  },
  {
    id: 'endpoints.fetch',
    group: 'endpoints',
    title: 'endpoints.get(port) gives a URL and headers that reach a server started in the sandbox',
    requires: ['endpoints', 'processes.background'],
    async run(ctx) {
      const portFile = `${ctx.workdir}/server.port`;
      const host = ctx.target.serverHost ?? '0.0.0.0';
      const started = await ctx.sandbox.processes.start(serverCommand({ host, portFile }), { cwd: ctx.workdir });
      try {
        const port = await waitUntil(
          async () => {
            const status = (await ctx.sandbox.processes.list()).find((p) => p.id === started.id);
            if (status !== undefined && !status.running) throw new Error(`the test server exited: ${(await ctx.sandbox.processes.output(started.id)).data}`);
            const text = await ctx.sandbox.fs.read(portFile).catch(() => '');
            return /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
          },
          { timeoutMs: 20_000, intervalMs: 100, what: 'the test server to write its port' },
        );
        const endpoint = await ctx.sandbox.endpoints.get(port);
        ctx.expect(endpoint.url).toMatch(/^https?:\/\/[^/]/);
        ctx.expect(endpoint.url.endsWith('/')).toBe(false);
        ctx.expect(typeof endpoint.headers).toBe('object');
        const response = await withTimeout(fetch(`${endpoint.url}/kit/path?x=1`, { headers: endpoint.headers, signal: ctx.signal }), { ms: 20_000, what: 'GET through the endpoint' });
        ctx.expect(response.status).toBe(200);
        ctx.expect(await response.text()).toBe('kode-endpoint /kit/path?x=1');
      } finally {
        await ctx.sandbox.processes.kill(started.id, 'SIGKILL').catch(() => undefined);
      }
    },
  },
  {
    id: 'endpoints.invalid-port',
    group: 'endpoints',
    title: 'endpoints.get refuses a port outside 1..65535 or not an integer with InvalidArgumentError',
    requires: ['endpoints'],
    async run(ctx) {
      for (const port of [0, 65_536, 80.5, Number.NaN, '80' as unknown as number]) {
        await expectError(() => ctx.sandbox.endpoints.get(port), InvalidArgumentError, `endpoints.get(${String(port)})`);
      }
    },
  },
  {
    id: 'lifecycle.pause-resume',
    group: 'lifecycle',
    title: 'pause keeps files and background processes; calls while paused raise InvalidArgumentError with a hint; resume thaws; both idempotent',
    requires: ['lifecycle.pause', 'processes.background'],
    isolated: true,
    async run(ctx) {
      const { sandbox, expect } = ctx;
      const file = `${ctx.workdir}/kept.txt`;
      await sandbox.fs.write(file, 'kept across pause');
      const sleeper = await sandbox.processes.start('sleep 600');
      const session = sandbox.capabilities.exec.sessions ? await sandbox.sessions.create({ cwd: ctx.workdir }) : undefined;
      await session?.exec('export KODE_KIT_PAUSED=yes');
      await sandbox.pause();
      await sandbox.pause();
      const refused = (await expectError(() => sandbox.exec('true'), InvalidArgumentError, 'exec while paused')) as SandboxError;
      expect(refused.hint ?? '').toMatch(/resume/);
      await expectError(() => sandbox.fs.read(file), InvalidArgumentError, 'fs.read while paused');
      expect(sandbox.getSandboxId()).toBeTypeOf('string');
      await sandbox.resume();
      await sandbox.resume();
      expect(await sandbox.fs.read(file)).toBe('kept across pause');
      const status = (await sandbox.processes.list()).find((p) => p.id === sleeper.id);
      expect(status?.running, 'the background process survived the pause').toBe(true);
      if (session !== undefined) expect(await sessionOutput(ctx, session.exec('echo $KODE_KIT_PAUSED'), 'session after resume')).toBe('yes');
      await sandbox.processes.kill(sleeper.id, 'SIGKILL');
    },
  },
  {
    id: 'lifecycle.pause-refused-while-busy',
    group: 'lifecycle',
    title: 'pause() while a command runs or a watch is open raises InvalidArgumentError and leaves the sandbox running',
    requires: ['lifecycle.pause'],
    async run(ctx) {
      const { sandbox, expect } = ctx;
      const stop = new AbortController();
      const { pending: running } = await startAndWait(ctx, (marked) => sandbox.exec(`${marked}sleep 30`, { signal: stop.signal }), {
        marker: `${ctx.workdir}/running`,
        what: 'the command to start',
      });
      try {
        await expectPauseRefused(sandbox, 'pause() while a command runs');
        expect((await sandbox.exec('echo still-running')).stdout.trim(), 'the sandbox is not paused').toBe('still-running');
      } finally {
        stop.abort(new Error('the case is done with the command'));
        await running.catch(() => undefined);
      }
      const caps = sandbox.capabilities;
      if (!caps.watch.polling && !caps.watch.native) return;
      const watch = await sandbox.watchFiles([ctx.workdir], () => undefined);
      try {
        await expectPauseRefused(sandbox, 'pause() while a watch is open');
        expect(await sandbox.fs.exists(`${ctx.workdir}/running`), 'the sandbox is not paused').toBe(true);
      } finally {
        await sandbox.unwatchFiles(watch);
      }
    },
  },
];

/** The calls the negative cases make for the agent capabilities (see `UNSUPPORTED_PROBES`). */
export const agentUnsupportedCalls = {
  'exec.sessions': (sandbox: Sandbox) => sandbox.sessions.create(),
  'endpoints': (sandbox: Sandbox) => sandbox.endpoints.get(8080),
  'lifecycle.pause': async (sandbox: Sandbox) => {
    await expectError(() => sandbox.resume(), UnsupportedCapabilityError, 'resume');
    return sandbox.pause();
  },
} as const;
