import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { EventStream } from './event-stream';
import { errMessage, HttpError, isObject, readJson, sendEmpty, sendJson } from './http';
import { LineSplitter } from './line-splitter';
import { checkCwd, completeOnExit, exitText, killGroup, newId, optionalEnvs, optionalInt, optionalString, sendFinalEvent, terminate } from './process-control';
import { sessions } from './sessions';
import { settings } from './settings';

/** One command started by `POST /command`. */
interface CommandRecord {
  id: string;
  content: string;
  background: boolean;
  running: boolean;
  exitCode?: number;
  error?: string | undefined;
  startedAt: Date;
  finishedAt?: Date;
  child?: ChildProcess;
  /** Background commands: the file stdout and stderr go to. */
  outputFile?: string;
  exited: Promise<void>;
}

/** Every command by id (kept for status queries). */
export const commands = new Map<string, CommandRecord>();

/** `POST /command`: a foreground command streams its output; a background one writes it to a file. */
export async function runCommand(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  if (!isObject(body)) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'request body must be an object');
  const command = body.command;
  if (typeof command !== 'string' || command.trim() === '') throw new HttpError(400, 'INVALID_REQUEST_BODY', 'invalid request, validation error command or argv is required');
  const cwd = checkCwd(optionalString(body.cwd, 'cwd'));
  const timeout = optionalInt(body.timeout, 'timeout');
  const uid = optionalInt(body.uid, 'uid');
  const gid = optionalInt(body.gid, 'gid');
  if (gid !== undefined && uid === undefined) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'invalid request, validation error uid is required when gid is provided');
  const envs = optionalEnvs(body.envs);
  const background = body.background === true;
  if (cwd?.invalid && settings.missingCwd === 'reject') throw new HttpError(400, 'INVALID_REQUEST_BODY', `invalid request, validation error ${cwd.invalid}`);

  const id = newId();
  const stream = new EventStream(res);
  stream.send({ type: 'init', text: id });
  let markExited: () => void = () => undefined;
  const record: CommandRecord = {
    id,
    content: command,
    background,
    running: true,
    startedAt: new Date(),
    exited: new Promise<void>((resolve) => {
      markExited = resolve;
    }),
  };
  commands.set(id, record);
  const started = Date.now();

  const finishRecord = (code: number, error: string | undefined): void => {
    record.running = false;
    record.exitCode = code;
    record.error = error;
    record.finishedAt = new Date();
    markExited();
  };

  if (cwd?.error) {
    finishRecord(-1, cwd.error);
    stream.startPings();
    stream.send({ type: 'error', error: { ename: 'CommandExecError', evalue: cwd.error, traceback: [cwd.error] } });
    stream.finish();
    return;
  }

  const env = { ...process.env, ...envs };
  const spawnOptions = { cwd: cwd?.dir, env, detached: true, ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}) };
  if (background) {
    const outputFile = join(settings.stateDir, `${id}.output`);
    record.outputFile = outputFile;
    const fd = openSync(outputFile, 'a');
    const child = spawn(settings.shell, ['-c', command], { ...spawnOptions, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    record.child = child;
    const timer = timeout ? setTimeout(() => killGroup(child.pid, 'SIGKILL'), timeout) : undefined;
    child.on('error', (err) => {
      clearTimeout(timer);
      finishRecord(-1, errMessage(err));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      finishRecord(code ?? -1, code === 0 ? undefined : exitText(code, signal));
    });
    stream.startPings(); // execd starts its pinger right after init, background runs included
    stream.send({ type: 'execution_complete', execution_time: Date.now() - started });
    stream.finish();
    return;
  }

  stream.startPings();
  const child = spawn(settings.shell, ['-c', command], { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
  record.child = child;
  let forwarding = true;
  const out = new LineSplitter((line) => {
    if (forwarding) stream.send({ type: 'stdout', text: line });
  });
  const err = new LineSplitter((line) => {
    if (forwarding) stream.send({ type: 'stderr', text: line });
  });
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
  const timer = timeout ? setTimeout(() => killGroup(child.pid, 'SIGKILL'), timeout) : undefined;

  let done = false;
  completeOnExit(child, (code, error) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    out.end();
    err.end();
    forwarding = false; // grandchildren that keep the pipes open are drained silently
    finishRecord(code, error);
    sendFinalEvent(stream, { code, error, started });
  });
}

/** `GET /command/status/{id}`. @throws HttpError 404 for an unknown id */
export function commandStatus(id: string, res: ServerResponse): void {
  const rec = commands.get(id);
  if (!rec) throw new HttpError(404, 'INVALID_REQUEST_BODY', `command not found: ${id}`);
  const body: Record<string, unknown> = { id: rec.id, content: rec.content, running: rec.running };
  if (!rec.running) body.exit_code = rec.exitCode;
  if (rec.error) body.error = rec.error;
  body.started_at = rec.startedAt.toISOString();
  if (rec.finishedAt) body.finished_at = rec.finishedAt.toISOString();
  sendJson(res, 200, body);
}

/** `GET /command/{id}/logs?cursor=`: the output file from a byte offset, the new offset in a header. */
export async function commandLogs(id: string, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const rec = commands.get(id);
  if (!rec) throw new HttpError(400, 'INVALID_REQUEST_BODY', `command not found: ${id}`);
  if (!rec.background || !rec.outputFile) throw new HttpError(400, 'INVALID_REQUEST_BODY', `command ${id} is not running in background`);
  const cursorText = query.get('cursor');
  const cursor = cursorText ? Number(cursorText) : 0;
  if (!Number.isInteger(cursor) || cursor < 0) throw new HttpError(400, 'INVALID_REQUEST_BODY', `invalid cursor: ${cursorText}`);
  const handle = await open(rec.outputFile, 'r');
  try {
    const { size } = await handle.stat();
    const start = Math.min(cursor, size);
    const buf = Buffer.alloc(size - start);
    if (buf.length > 0) await handle.read(buf, 0, buf.length, start);
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': buf.length, 'EXECD-COMMANDS-TAIL-CURSOR': String(size) });
    res.end(buf);
  } finally {
    await handle.close();
  }
}

/** `DELETE /command?id=`: stops a running command or session run (execd's wording for failures). */
export async function interrupt(query: URLSearchParams, res: ServerResponse): Promise<void> {
  const id = query.get('id');
  if (!id) throw new HttpError(400, 'MISSING_QUERY', "missing query parameter 'id'");
  const failed = (reason: string): HttpError => new HttpError(500, 'RUNTIME_ERROR', `error interruptting code context. ${reason}`);
  const rec = commands.get(id);
  if (rec) {
    if (!rec.running) throw failed(`command session ${id} is not running`);
    await terminate(rec.child, rec.exited);
    sendEmpty(res);
    return;
  }
  const session = sessions.get(id);
  if (session) {
    if (!session.current) throw failed(`bash session ${id} is not running`);
    await terminate(session.current.child, session.current.exited);
    sendEmpty(res);
    return;
  }
  throw failed('no such session');
}
