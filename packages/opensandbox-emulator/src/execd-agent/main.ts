/*
 * The emulator's execd-compatible agent. It runs INSIDE a sandbox (a bubblewrap root), started by
 * the host with `node /opt/opensandbox/execd.cjs '<json config>'`, and serves the execd HTTP API
 * (commands, sessions, files, directories, metrics, ping, /proxy) on a unix socket that the host
 * forwards to. The sandbox sees only /usr and the few files the host binds in, so this entry and
 * every module it imports (busboy included) are bundled into that one CommonJS file: at build
 * time into `dist/execd-agent.cjs`, from source by esbuild when the emulator runs from source.
 *
 * Wire behaviour follows the real execd (see the package README for the differences).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { commands } from './commands';
import { errMessage, HttpError, sendJson } from './http';
import { killGroup } from './process-control';
import { handle } from './router';
import { configure, settings, type AgentConfig } from './settings';

let entry: ChildProcess | undefined;

/** Starts the container's main process; its exit ends the agent (and so the sandbox). */
function startEntrypoint(): void {
  const argv = settings.entrypoint;
  if (argv.length === 0) return;
  const logFile = join(settings.stateDir, 'entrypoint.log');
  const fd = openSync(logFile, 'a');
  entry = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', fd, fd], detached: true, env: process.env });
  closeSync(fd);
  entry.on('error', (err) => {
    appendFileSync(logFile, `entrypoint failed to start: ${errMessage(err)}\n`);
    process.exit(127);
  });
  entry.on('exit', (code, signal) => {
    process.exit(code ?? (signal ? 128 : 1));
  });
}

function main(): void {
  configure(JSON.parse(process.argv[2] || '{}') as AgentConfig, process.env, existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh');
  mkdirSync(settings.stateDir, { recursive: true });
  startEntrypoint();
  if (settings.neverReady) return;
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) sendJson(res, err.status, { code: err.code, message: err.message });
      else sendJson(res, 500, { code: 'RUNTIME_ERROR', message: errMessage(err) });
    });
  });
  server.keepAliveTimeout = 30_000;
  try {
    rmSync(settings.socketPath, { force: true });
  } catch {
    // not there
  }
  server.listen(settings.socketPath, () => {
    process.stdout.write('READY\n');
  });
}

// A bug in one request must not take the sandbox's execd down: report it (the host keeps the
// tail of stderr) and keep serving.
process.on('uncaughtException', (err) => {
  process.stderr.write(`execd agent: uncaught exception: ${err.stack ?? err.message}\n`);
});
process.on('SIGTERM', () => {
  for (const rec of commands.values()) if (rec.running) killGroup(rec.child?.pid, 'SIGKILL');
  killGroup(entry?.pid, 'SIGKILL');
  process.exit(143);
});
main();
