import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { EventStream } from './event-stream';
import { expandPath } from './file-info';
import { errMessage, HttpError, isObject, readJson, sendEmpty, sendJson } from './http';
import { LineSplitter } from './line-splitter';
import { checkCwd, completeOnExit, killGroup, newId, optionalInt, optionalString, sendFinalEvent } from './process-control';
import { settings } from './settings';

/** A bash session: its cwd and exported env persist between runs (kept in files of its dir). */
export interface Session {
  id: string;
  cwd: string;
  dir: string;
  current?: { child: ChildProcess; exited: Promise<void> };
}

/** Every live session by id. */
export const sessions = new Map<string, Session>();

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `POST /session`: like execd, a missing working directory is created. */
export async function createSession(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req, { optional: true });
  if (body !== undefined && !isObject(body)) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'request body must be an object');
  const requested = optionalString(body?.cwd, 'cwd');
  const cwd = requested ? expandPath(requested) : undefined;
  if (cwd) {
    try {
      await mkdir(cwd, { recursive: true });
    } catch (err) {
      throw new HttpError(500, 'RUNTIME_ERROR', `failed to create session working directory ${cwd}: ${errMessage(err)}`);
    }
  }
  const id = newId();
  const dir = join(settings.stateDir, `session-${id}`);
  await mkdir(dir, { recursive: true });
  sessions.set(id, { id, cwd: cwd ?? process.cwd(), dir });
  sendJson(res, 200, { session_id: id });
}

/** `POST /session/{id}/run`: stderr merged into stdout, blank lines dropped, killed when the client goes. */
export async function runInSession(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const session = sessions.get(id);
  if (!session) throw new HttpError(404, 'CONTEXT_NOT_FOUND', `session not found: ${id}`);
  const body = await readJson(req);
  if (!isObject(body)) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'request body must be an object');
  const command = body.command;
  if (typeof command !== 'string' || command.trim() === '') throw new HttpError(400, 'INVALID_REQUEST_BODY', 'command is required');
  const timeout = optionalInt(body.timeout, 'timeout') || 24 * 3600 * 1000;
  const cwdCheck = checkCwd(optionalString(body.cwd, 'cwd'));
  if (cwdCheck?.invalid) throw new HttpError(400, 'INVALID_REQUEST_BODY', `invalid request. ${cwdCheck.invalid}`);
  if (session.current) throw new HttpError(400, 'RUNTIME_ERROR', `session ${id} is busy`);
  const cwd = cwdCheck?.dir ?? session.cwd;
  const envFile = join(session.dir, 'env');
  const cwdFile = join(session.dir, 'cwd');
  const script = [
    'exec 2>&1',
    `if [ -f ${shQuote(envFile)} ]; then . ${shQuote(envFile)}; fi`,
    `cd -- ${shQuote(cwd)} || exit 1`,
    `trap '__kode_rc=$?; export -p | grep -v -E "^declare -[a-zA-Z-]*r" > ${shQuote(envFile)}; pwd > ${shQuote(cwdFile)}; exit $__kode_rc' EXIT`,
    command,
    '',
  ].join('\n');
  const scriptFile = join(session.dir, 'run.sh');
  await writeFile(scriptFile, script);

  const stream = new EventStream(res);
  stream.send({ type: 'init', text: id });
  stream.startPings();
  const started = Date.now();
  const child = spawn(settings.shell, ['--noprofile', '--norc', scriptFile], { env: process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let markExited: () => void = () => undefined;
  const exited = new Promise<void>((resolve) => {
    markExited = resolve;
  });
  session.current = { child, exited };
  const out = new LineSplitter((line) => {
    if (line !== '\n') stream.send({ type: 'stdout', text: line });
  });
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => out.push(chunk));
  const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), timeout);
  const onClientGone = (): void => {
    if (session.current?.child === child) killGroup(child.pid, 'SIGKILL');
  };
  res.on('close', onClientGone);
  let done = false;
  completeOnExit(child, (code, error) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    res.off('close', onClientGone);
    out.end();
    if (session.current?.child === child) session.current = undefined;
    try {
      const next = readFileSync(cwdFile, 'utf8').trim();
      if (next) session.cwd = next;
    } catch {
      // the run was killed before it could record its cwd
    }
    markExited();
    sendFinalEvent(stream, { code, error, started });
  });
}

/** `DELETE /session/{id}`: kills a running command and forgets the session. */
export async function deleteSession(id: string, res: ServerResponse): Promise<void> {
  const session = sessions.get(id);
  if (!session) throw new HttpError(404, 'CONTEXT_NOT_FOUND', `session not found: ${id}`);
  sessions.delete(id);
  if (session.current) killGroup(session.current.child.pid, 'SIGKILL');
  await rm(session.dir, { recursive: true, force: true });
  sendEmpty(res);
}
