// @ts-check
/*
 * The emulator's execd-compatible agent. It runs INSIDE a sandbox (a bubblewrap root), started
 * by the host with `node /opt/opensandbox/execd.cjs '<json config>'`, and serves the execd HTTP API
 * (commands, sessions, files, directories, metrics, ping, /proxy) on a unix socket that the host
 * forwards to. It is plain CommonJS on purpose: the sandbox sees only /usr (Node is /usr/bin/node)
 * and the few files the host binds in, so it cannot load TypeScript or workspace packages.
 * The only library it uses is busboy (multipart uploads), bound read-only by the host.
 *
 * Wire behaviour follows the real execd (see the package README for the differences).
 */
'use strict';
/* global require, module, Buffer, setInterval, clearInterval, setImmediate */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS script: it runs inside the sandbox with plain node */

const http = require('node:http');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const path = require('node:path');
const os = require('node:os');
const crypto = require('node:crypto');
const { spawn } = require('node:child_process');
const { StringDecoder } = require('node:string_decoder');

/**
 * @typedef {{
 *   socketPath: string;
 *   stateDir: string;
 *   pingIntervalMs?: number;
 *   graceMs?: number;
 *   neverReady?: boolean;
 *   entrypoint?: string[];
 *   metricsSampleMs?: number;
 *   busboyPath?: string;
 *   missingCwd?: 'reject' | 'stream-error';
 *   outputDrainMs?: number;
 * }} AgentConfig
 */

const IS_MAIN = require.main === module;
/** @type {AgentConfig} */
const config = IS_MAIN ? JSON.parse(process.argv[2] || '{}') : { socketPath: '', stateDir: '' };
const PING_MS = config.pingIntervalMs ?? 3000;
const GRACE_MS = parseGoDuration(process.env.EXECD_API_GRACE_SHUTDOWN) ?? config.graceMs ?? 0;
/** How a missing `cwd` is answered: 400 before any stream (execd since 2026-04) or an `error` event (execd 1.0.x). */
const MISSING_CWD = config.missingCwd ?? 'reject';
/** How long after a command's exit output still held open by a lingering child is waited for (ms). */
const OUTPUT_DRAIN_MS = config.outputDrainMs ?? 50;
const STATE_DIR = config.stateDir;
const SHELL = fs.existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
const MAX_JSON_BODY = 32 * 1024 * 1024;

/** @param {string | undefined} value */
function parseGoDuration(value) {
  if (!value) return undefined;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const units = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  let total = 0;
  let matched = '';
  for (const m of value.matchAll(re)) {
    total += Number(m[1]) * units[/** @type {keyof typeof units} */ (m[2])];
    matched += m[0];
  }
  return matched === value ? Math.round(total) : undefined;
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers

/**
 * @param {http.ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 */
function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * @param {http.ServerResponse} res
 * @param {number} status
 * @param {{ code: string; message: string }} body
 */
function sendError(res, status, body) {
  sendJson(res, status, body);
}

/** @param {http.ServerResponse} res */
function sendEmpty(res) {
  res.writeHead(200, { 'content-length': '0' });
  res.end();
}

class HttpError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** @param {http.IncomingMessage} req @returns {Promise<Buffer>} */
function readBody(req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_JSON_BODY) {
        reject(new HttpError(400, 'INVALID_REQUEST_BODY', 'request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * @param {http.IncomingMessage} req
 * @param {{ optional?: boolean }} [opts]
 * @returns {Promise<any>}
 */
async function readJson(req, opts) {
  const raw = (await readBody(req)).toString('utf8');
  if (raw.trim() === '') {
    if (opts?.optional) return undefined;
    throw new HttpError(400, 'INVALID_REQUEST_BODY', 'error parsing request, MAYBE invalid body format. EOF');
  }
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new HttpError(400, 'INVALID_REQUEST_BODY', `error parsing request, MAYBE invalid body format. ${errMessage(err)}`);
  }
}

/** @param {unknown} err */
function errMessage(err) {
  return err instanceof Error ? err.message : String(err);
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Paths, users, file info

/** Expands `~` and `$VAR` / `${VAR}` like execd, then resolves against the agent's cwd. @param {string} p */
function expandPath(p) {
  let out = p;
  if (out === '~' || out.startsWith('~/')) out = (process.env.HOME || '/root') + out.slice(1);
  out = out.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a, b) => process.env[a || b] ?? '');
  return path.resolve(out);
}

/** @type {{ users: Map<number, string>; groups: Map<number, string>; userIds: Map<string, number>; groupIds: Map<string, number> } | undefined} */
let accounts;
function loadAccounts() {
  if (accounts) return accounts;
  const users = new Map();
  const groups = new Map();
  const userIds = new Map();
  const groupIds = new Map();
  /** @param {string} file @param {Map<number, string>} byId @param {Map<string, number>} byName */
  const parse = (file, byId, byName) => {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return;
    }
    for (const line of text.split('\n')) {
      const parts = line.split(':');
      if (parts.length < 3 || !parts[0]) continue;
      const id = Number(parts[2]);
      if (!Number.isInteger(id)) continue;
      if (!byId.has(id)) byId.set(id, parts[0]);
      byName.set(parts[0], id);
    }
  };
  parse('/etc/passwd', users, userIds);
  parse('/etc/group', groups, groupIds);
  accounts = { users, groups, userIds, groupIds };
  return accounts;
}

/** @param {string | undefined} name @param {'user' | 'group'} kind @returns {number | undefined} */
function resolveId(name, kind) {
  if (name === undefined || name === null || name === '') return undefined;
  const acc = loadAccounts();
  const found = kind === 'user' ? acc.userIds.get(name) : acc.groupIds.get(name);
  if (found !== undefined) return found;
  if (/^\d+$/.test(name)) return Number(name);
  throw new HttpError(500, 'RUNTIME_ERROR', `unknown ${kind}: ${name}`);
}

/** @param {bigint} ns */
function formatNs(ns) {
  const ms = Number(ns / 1000000n);
  const iso = new Date(ms).toISOString(); // yyyy-mm-ddThh:mm:ss.mmmZ
  const frac = (ns % 1000000000n).toString().padStart(9, '0').replace(/0+$/, '');
  return iso.slice(0, 19) + (frac ? `.${frac}` : '') + 'Z';
}

/** @param {fs.BigIntStats} st */
function fileType(st) {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  return 'other';
}

/** @param {string} p @param {fs.BigIntStats} st */
function toFileInfo(p, st) {
  const acc = loadAccounts();
  const uid = Number(st.uid);
  const gid = Number(st.gid);
  const birth = st.birthtimeNs > 0n ? st.birthtimeNs : st.ctimeNs;
  return {
    path: p,
    size: Number(st.size),
    modified_at: formatNs(st.mtimeNs),
    created_at: formatNs(birth),
    owner: acc.users.get(uid) ?? String(uid),
    group: acc.groups.get(gid) ?? String(gid),
    mode: Number((Number(st.mode) & 0o777).toString(8)),
    type: fileType(st),
  };
}

/** @param {unknown} err */
function isNotFound(err) {
  const code = /** @type {{ code?: string }} */ (err)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** @param {unknown} err @param {string} p */
function fsError(err, p) {
  if (err instanceof HttpError) return err;
  if (isNotFound(err)) {
    const e = /** @type {{ syscall?: string; path?: string }} */ (err);
    return new HttpError(404, 'FILE_NOT_FOUND', `file not found. ${e.syscall ?? 'stat'} ${e.path ?? p}: no such file or directory`);
  }
  return new HttpError(500, 'RUNTIME_ERROR', `error accessing file: ${errMessage(err)}`);
}

/** Octal-digit int (755) → numeric mode. @param {unknown} mode */
function parseMode(mode) {
  if (mode === undefined || mode === null || mode === 0 || mode === '') return undefined;
  const text = String(mode);
  if (!/^[0-7]{1,4}$/.test(text)) throw new HttpError(400, 'INVALID_REQUEST_BODY', `invalid mode: ${text}`);
  return parseInt(text, 8);
}

/** @param {string} p @param {{ mode?: unknown; owner?: string; group?: string }} perm */
async function applyPermission(p, perm) {
  const mode = parseMode(perm.mode);
  if (mode !== undefined) await fsp.chmod(p, mode);
  const uid = resolveId(perm.owner, 'user');
  const gid = resolveId(perm.group, 'group');
  if (uid !== undefined || gid !== undefined) await fsp.lchown(p, uid ?? -1, gid ?? -1);
}

// ---------------------------------------------------------------------------------------------
// Event streams

/**
 * @typedef {{ type: string; text?: string; execution_count?: number; execution_time?: number;
 *   results?: Record<string, unknown>; error?: { ename: string; evalue: string; traceback: string[] } }} StreamEvent
 */

class EventStream {
  /** @param {http.ServerResponse} res */
  constructor(res) {
    this.res = res;
    this.open = false;
    /** @type {NodeJS.Timeout | undefined} */
    this.pinger = undefined;
    this.pending = '';
    this.flushScheduled = false;
  }

  /** @param {StreamEvent} ev */
  send(ev) {
    const res = this.res;
    if (res.destroyed || res.writableEnded) return;
    if (!this.open) {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      this.open = true;
    }
    const { type, text, execution_count, execution_time, results, error } = ev;
    /** @type {Record<string, unknown>} */
    const out = { type };
    if (text !== undefined && text !== '') out.text = text;
    if (execution_count) out.execution_count = execution_count;
    if (execution_time) out.execution_time = execution_time;
    out.timestamp = Date.now();
    if (results) out.results = results;
    if (error) out.error = error;
    // Events produced in the same turn (e.g. the lines of one output chunk) go out in one write.
    this.pending += `${JSON.stringify(out)}\n\n`;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush() {
    this.flushScheduled = false;
    if (this.pending === '' || this.res.destroyed || this.res.writableEnded) return;
    this.res.write(this.pending);
    this.pending = '';
  }

  startPings() {
    this.send({ type: 'ping', text: 'pong' });
    this.pinger = setInterval(() => this.send({ type: 'ping', text: 'pong' }), PING_MS);
  }

  /** Ends the response after the grace period (EXECD_API_GRACE_SHUTDOWN). */
  finish() {
    if (this.pinger) clearInterval(this.pinger);
    const end = () => {
      this.flush();
      if (!this.res.writableEnded) this.res.end();
    };
    if (GRACE_MS > 0) setTimeout(end, GRACE_MS);
    else end();
  }
}

/** Splits output into lines on `\n` or `\r` (`\r\n` once); blank lines become "\n". */
class LineSplitter {
  /** @param {(line: string) => void} onLine */
  constructor(onLine) {
    this.onLine = onLine;
    this.decoder = new StringDecoder('utf8');
    this.buf = '';
    this.pendingCr = false;
  }

  /** @param {Buffer} chunk */
  push(chunk) {
    let s = this.decoder.write(chunk);
    if (s === '') return;
    if (this.pendingCr && s.charCodeAt(0) === 10) s = s.slice(1);
    this.pendingCr = false;
    let start = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.emit(this.buf + s.slice(start, i));
      this.buf = '';
      if (c === 13) {
        if (i + 1 < s.length) {
          if (s.charCodeAt(i + 1) === 10) i++;
        } else {
          this.pendingCr = true;
        }
      }
      start = i + 1;
    }
    this.buf += s.slice(start);
  }

  end() {
    this.buf += this.decoder.end();
    if (this.buf !== '') this.emit(this.buf);
    this.buf = '';
  }

  /** @param {string} line */
  emit(line) {
    this.onLine(line === '' ? '\n' : line);
  }
}

// ---------------------------------------------------------------------------------------------
// Processes

/**
 * @typedef {{
 *   id: string; content: string; background: boolean; running: boolean;
 *   exitCode?: number; error?: string; startedAt: Date; finishedAt?: Date;
 *   child?: import('node:child_process').ChildProcess; outputFile?: string;
 *   exited: Promise<void>;
 * }} CommandRecord
 */

/** @type {Map<string, CommandRecord>} */
const commands = new Map();

function newId() {
  return crypto.randomUUID().replace(/-/g, '');
}

/** @param {number | undefined} pid @param {NodeJS.Signals} signal */
function killGroup(pid, signal) {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** @param {number | null} code @param {NodeJS.Signals | null} signal */
function exitText(code, signal) {
  if (signal) {
    const names = /** @type {Record<string, string>} */ ({ SIGKILL: 'killed', SIGTERM: 'terminated', SIGINT: 'interrupt', SIGHUP: 'hangup', SIGPIPE: 'broken pipe', SIGSEGV: 'segmentation fault', SIGABRT: 'aborted' });
    return `signal: ${names[signal] ?? signal}`;
  }
  return `exit status ${code}`;
}

/** @param {unknown} value @param {string} field */
function optionalString(value, field) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new HttpError(400, 'INVALID_REQUEST_BODY', `${field} must be a string`);
  return value;
}

/** @param {unknown} value @param {string} field */
function optionalInt(value, field) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new HttpError(400, 'INVALID_REQUEST_BODY', `${field} must be a non-negative integer`);
  return value;
}

/** @param {unknown} value */
function optionalEnvs(value) {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'envs must be an object');
  /** @type {Record<string, string>} */
  const out = {};
  for (const [k, v] of Object.entries(value)) out[k] = String(v);
  return out;
}

/**
 * Checks a request's `cwd`. `error` is the old execd's stream error (`chdir …`), `invalid` the
 * newer execd's validation message (answered 400 `INVALID_REQUEST_BODY` before any stream).
 * @param {string | undefined} cwd
 * @returns {{ dir: string; error?: string; invalid?: string } | undefined}
 */
function checkCwd(cwd) {
  if (cwd === undefined || cwd === '') return undefined;
  const dir = expandPath(cwd);
  try {
    if (!fs.statSync(dir).isDirectory()) return { dir, error: `chdir ${dir}: not a directory`, invalid: `working directory path is not a directory: ${cwd}` };
  } catch {
    return { dir, error: `chdir ${dir}: no such file or directory`, invalid: `working directory does not exist: ${cwd}: stat ${dir}: no such file or directory` };
  }
  return { dir };
}

/** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
async function runCommand(req, res) {
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
  if (cwd?.invalid && MISSING_CWD === 'reject') throw new HttpError(400, 'INVALID_REQUEST_BODY', `invalid request, validation error ${cwd.invalid}`);

  const id = newId();
  const stream = new EventStream(res);
  stream.send({ type: 'init', text: id });
  /** @type {() => void} */
  let markExited = () => undefined;
  /** @type {CommandRecord} */
  const record = {
    id,
    content: command,
    background,
    running: true,
    startedAt: new Date(),
    exited: new Promise((resolve) => {
      markExited = resolve;
    }),
  };
  commands.set(id, record);
  const started = Date.now();

  const finishRecord = (/** @type {number} */ code, /** @type {string | undefined} */ error) => {
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
  if (background) {
    record.outputFile = path.join(STATE_DIR, `${id}.output`);
    const fd = fs.openSync(record.outputFile, 'a');
    const child = spawn(SHELL, ['-c', command], { cwd: cwd?.dir, env, detached: true, stdio: ['ignore', fd, fd], uid, gid });
    fs.closeSync(fd);
    record.child = child;
    /** @type {NodeJS.Timeout | undefined} */
    let timer;
    if (timeout) timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), timeout);
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      finishRecord(-1, errMessage(err));
    });
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      finishRecord(code ?? -1, code === 0 ? undefined : exitText(code, signal));
    });
    stream.startPings(); // execd starts its pinger right after init, background runs included
    stream.send({ type: 'execution_complete', execution_time: Date.now() - started });
    stream.finish();
    return;
  }

  stream.startPings();
  const child = spawn(SHELL, ['-c', command], { cwd: cwd?.dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'], uid, gid });
  record.child = child;
  let forwarding = true;
  const out = new LineSplitter((line) => forwarding && stream.send({ type: 'stdout', text: line }));
  const err = new LineSplitter((line) => forwarding && stream.send({ type: 'stderr', text: line }));
  child.stdout?.on('data', (chunk) => out.push(chunk));
  child.stderr?.on('data', (chunk) => err.push(chunk));
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  if (timeout) timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), timeout);

  let done = false;
  /** @param {number} code @param {string | undefined} error */
  const complete = (code, error) => {
    if (done) return;
    done = true;
    if (timer) clearTimeout(timer);
    out.end();
    err.end();
    forwarding = false; // grandchildren that keep the pipes open are drained silently
    finishRecord(code, error);
    sendFinalEvent(stream, { code, error, started });
  };
  completeOnExit(child, complete);
}

/** @param {string} id @param {http.ServerResponse} res */
function commandStatus(id, res) {
  const rec = commands.get(id);
  if (!rec) throw new HttpError(404, 'INVALID_REQUEST_BODY', `command not found: ${id}`);
  /** @type {Record<string, unknown>} */
  const body = { id: rec.id, content: rec.content, running: rec.running };
  if (!rec.running) body.exit_code = rec.exitCode;
  if (rec.error) body.error = rec.error;
  body.started_at = rec.startedAt.toISOString();
  if (rec.finishedAt) body.finished_at = rec.finishedAt.toISOString();
  sendJson(res, 200, body);
}

/** @param {string} id @param {URLSearchParams} query @param {http.ServerResponse} res */
async function commandLogs(id, query, res) {
  const rec = commands.get(id);
  if (!rec) throw new HttpError(400, 'INVALID_REQUEST_BODY', `command not found: ${id}`);
  if (!rec.background || !rec.outputFile) throw new HttpError(400, 'INVALID_REQUEST_BODY', `command ${id} is not running in background`);
  const cursorText = query.get('cursor');
  const cursor = cursorText ? Number(cursorText) : 0;
  if (!Number.isInteger(cursor) || cursor < 0) throw new HttpError(400, 'INVALID_REQUEST_BODY', `invalid cursor: ${cursorText}`);
  const handle = await fsp.open(rec.outputFile, 'r');
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

/**
 * Ends a command's event stream as execd does: `execution_complete` on exit 0, otherwise `error`
 * with `CommandExecError` and the exit code as `evalue`.
 * @param {{ send(event: object): void; finish(): void }} stream
 * @param {{ code: number; error: string | undefined; started: number }} outcome
 */
function sendFinalEvent(stream, { code, error, started }) {
  if (code === 0) stream.send({ type: 'execution_complete', execution_time: Date.now() - started });
  else stream.send({ type: 'error', error: { ename: 'CommandExecError', evalue: String(code), traceback: [error ?? `exit status ${code}`] } });
  stream.finish();
}

/**
 * Calls `complete(code, errorText)` once the child has exited and its pipes have drained; `-1`
 * when it could not start. A background grandchild may hold the pipes open for ever, so after
 * `OUTPUT_DRAIN_MS` the run completes without waiting for their end — but only after one more
 * I/O poll turn: everything the exited process wrote is in the pipes by now, yet libuv reaps
 * every exited child on one SIGCHLD, so this exit may be seen (and a loaded loop may pass the
 * timer) before the poll phase that reads its output. Completing straight from the timer lost
 * whole outputs under load (`{code: 0, stdout: ''}` for `echo hi`).
 * @param {import('node:child_process').ChildProcess} child
 * @param {(code: number, error: string | undefined) => void} complete
 */
function completeOnExit(child, complete) {
  child.on('error', (e) => complete(-1, errMessage(e)));
  child.on('exit', (code, signal) => {
    const result = code ?? -1;
    const text = code === 0 ? undefined : exitText(code, signal);
    // setImmediate from a timer runs in the check phase, after this iteration's poll phase read
    // whatever the (level-triggered) pipes hold
    const t = setTimeout(() => setImmediate(() => complete(result, text)), OUTPUT_DRAIN_MS);
    child.once('close', () => {
      clearTimeout(t);
      complete(result, text);
    });
  });
}

/** Whether any process of group `pgid` still exists (zombies included, until reaped). @param {number} pgid */
function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a command's whole process group, as execd does since it stopped orphaning children:
 * SIGTERM, then SIGKILL after 3 s. Resolves once the leader has exited AND no process of the group
 * is left (or the deadline passed), so a caller that awaited the interrupt sees nothing running.
 * @param {import('node:child_process').ChildProcess | undefined} child @param {Promise<void>} exited
 */
async function terminate(child, exited) {
  const pgid = child?.pid;
  /** @param {number} ms */
  const gone = async (ms) => {
    const deadline = Date.now() + ms;
    const left = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), ms))]);
    if (!left) return false;
    while (pgid && groupAlive(pgid)) {
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  };
  killGroup(pgid, 'SIGTERM');
  if (await gone(3000)) return;
  killGroup(pgid, 'SIGKILL');
  await gone(2000);
}

/** @param {URLSearchParams} query @param {http.ServerResponse} res */
async function interrupt(query, res) {
  const id = query.get('id');
  if (!id) throw new HttpError(400, 'MISSING_QUERY', "missing query parameter 'id'");
  const failed = (/** @type {string} */ reason) => new HttpError(500, 'RUNTIME_ERROR', `error interruptting code context. ${reason}`);
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

// ---------------------------------------------------------------------------------------------
// Bash sessions

/**
 * @typedef {{ id: string; cwd: string; dir: string;
 *   current?: { child: import('node:child_process').ChildProcess; exited: Promise<void> } }} Session
 */

/** @type {Map<string, Session>} */
const sessions = new Map();

/** @param {string} s */
function shQuote(s) {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
async function createSession(req, res) {
  const body = await readJson(req, { optional: true });
  if (body !== undefined && !isObject(body)) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'request body must be an object');
  const requested = optionalString(body?.cwd, 'cwd');
  const cwd = requested ? expandPath(requested) : undefined;
  if (cwd) {
    // like execd, a session's working directory is created when missing
    try {
      await fsp.mkdir(cwd, { recursive: true });
    } catch (err) {
      throw new HttpError(500, 'RUNTIME_ERROR', `failed to create session working directory ${cwd}: ${errMessage(err)}`);
    }
  }
  const id = newId();
  const dir = path.join(STATE_DIR, `session-${id}`);
  await fsp.mkdir(dir, { recursive: true });
  sessions.set(id, { id, cwd: cwd ?? process.cwd(), dir });
  sendJson(res, 200, { session_id: id });
}

/** @param {string} id @param {http.IncomingMessage} req @param {http.ServerResponse} res */
async function runInSession(id, req, res) {
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
  const envFile = path.join(session.dir, 'env');
  const cwdFile = path.join(session.dir, 'cwd');
  const script = [
    'exec 2>&1',
    `if [ -f ${shQuote(envFile)} ]; then . ${shQuote(envFile)}; fi`,
    `cd -- ${shQuote(cwd)} || exit 1`,
    `trap '__kode_rc=$?; export -p | grep -v -E "^declare -[a-zA-Z-]*r" > ${shQuote(envFile)}; pwd > ${shQuote(cwdFile)}; exit $__kode_rc' EXIT`,
    command,
    '',
  ].join('\n');
  const scriptFile = path.join(session.dir, 'run.sh');
  await fsp.writeFile(scriptFile, script);

  const stream = new EventStream(res);
  stream.send({ type: 'init', text: id });
  stream.startPings();
  const started = Date.now();
  const child = spawn(SHELL, ['--noprofile', '--norc', scriptFile], { env: process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  /** @type {() => void} */
  let markExited = () => undefined;
  const exited = new Promise((resolve) => {
    markExited = () => resolve(undefined);
  });
  session.current = { child, exited };
  const out = new LineSplitter((line) => line !== '\n' && stream.send({ type: 'stdout', text: line }));
  child.stdout?.on('data', (chunk) => out.push(chunk));
  child.stderr?.on('data', (chunk) => out.push(chunk));
  const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), timeout);
  const onClientGone = () => {
    if (session.current?.child === child) killGroup(child.pid, 'SIGKILL');
  };
  res.on('close', onClientGone);
  let done = false;
  /** @param {number} code @param {string | undefined} error */
  const complete = (code, error) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    res.off('close', onClientGone);
    out.end();
    if (session.current?.child === child) session.current = undefined;
    try {
      const next = fs.readFileSync(cwdFile, 'utf8').trim();
      if (next) session.cwd = next;
    } catch {
      // the run was killed before it could record its cwd
    }
    markExited();
    sendFinalEvent(stream, { code, error, started });
  };
  completeOnExit(child, complete);
}

/** @param {string} id @param {http.ServerResponse} res */
async function deleteSession(id, res) {
  const session = sessions.get(id);
  if (!session) throw new HttpError(404, 'CONTEXT_NOT_FOUND', `session not found: ${id}`);
  sessions.delete(id);
  if (session.current) killGroup(session.current.child.pid, 'SIGKILL');
  await fsp.rm(session.dir, { recursive: true, force: true });
  sendEmpty(res);
}

// ---------------------------------------------------------------------------------------------
// Files

/** @param {URLSearchParams} query */
function pathsOf(query) {
  return query.getAll('path');
}

/** @param {URLSearchParams} query */
function requirePath(query) {
  const p = query.get('path');
  if (!p) throw new HttpError(400, 'MISSING_QUERY', "missing query parameter 'path'");
  return p;
}

/** @param {URLSearchParams} query @param {http.ServerResponse} res */
async function filesInfo(query, res) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const p of pathsOf(query)) {
    const abs = expandPath(p);
    try {
      out[p] = toFileInfo(abs, await fsp.lstat(abs, { bigint: true }));
    } catch (err) {
      throw fsError(err, p);
    }
  }
  sendJson(res, 200, out);
}

/** @param {URLSearchParams} query @param {http.ServerResponse} res */
async function deleteFiles(query, res) {
  for (const p of pathsOf(query)) {
    const abs = expandPath(p);
    try {
      const st = await fsp.stat(abs);
      if (st.isDirectory()) throw new HttpError(500, 'RUNTIME_ERROR', `error removing file ${p}. path is a directory: ${p}`);
      await fsp.unlink(abs);
    } catch (err) {
      if (isNotFound(err)) continue;
      throw fsError(err, p);
    }
  }
  sendEmpty(res);
}

/** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
async function setPermissions(req, res) {
  const body = await readJson(req);
  if (!isObject(body)) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'request body must be an object');
  for (const [p, perm] of Object.entries(body)) {
    if (!isObject(perm)) throw new HttpError(400, 'INVALID_REQUEST_BODY', `invalid permission for ${p}`);
    const abs = expandPath(p);
    try {
      await applyPermission(abs, /** @type {any} */ (perm));
    } catch (err) {
      throw fsError(err, p);
    }
  }
  sendEmpty(res);
}

/** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
async function moveFiles(req, res) {
  const body = await readJson(req);
  if (!Array.isArray(body)) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'request body must be an array');
  for (const item of body) {
    if (!isObject(item) || typeof item.src !== 'string' || typeof item.dest !== 'string') throw new HttpError(400, 'INVALID_REQUEST_BODY', 'each item needs src and dest');
    const src = expandPath(item.src);
    const dest = expandPath(item.dest);
    try {
      await fsp.stat(src);
    } catch (err) {
      if (isNotFound(err)) throw new HttpError(404, 'FILE_NOT_FOUND', `file not found. source path not found: ${item.src}: stat ${src}: no such file or directory`);
      throw fsError(err, item.src);
    }
    if (await exists(dest)) throw new HttpError(500, 'RUNTIME_ERROR', `error accessing file: destination path already exists: ${item.dest}`);
    try {
      await fsp.mkdir(path.dirname(dest), { recursive: true });
      await fsp.rename(src, dest);
    } catch (err) {
      throw fsError(err, item.src);
    }
  }
  sendEmpty(res);
}

/** @param {string} p */
async function exists(p) {
  try {
    await fsp.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** @param {string} c */
function escapeRegExp(c) {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * A doublestar-style glob (what execd's search uses) → RegExp: `*`, `?`, `[...]` (`!`/`^`
 * negation), `{a,b}` alternation, `**` (with `**` + `/` matching zero or more directories) and
 * `\` escapes. execd matches it against a file's base name.
 * @param {string} pattern
 * @throws HttpError 500 on a malformed pattern (as execd's search reports it)
 */
function globToRegExp(pattern) {
  const bad = () => new HttpError(500, 'RUNTIME_ERROR', `error searching files. invalid pattern ${pattern}: syntax error in pattern`);
  const len = pattern.length;
  let i = 0;
  /** @param {boolean} inBrace @returns {string} */
  const parse = (inBrace) => {
    let out = '';
    while (i < len) {
      const c = /** @type {string} */ (pattern[i]);
      if (inBrace && (c === ',' || c === '}')) return out;
      if (c === '\\') {
        if (i + 1 >= len) throw bad();
        out += escapeRegExp(/** @type {string} */ (pattern[i + 1]));
        i += 2;
      } else if (c === '*') {
        if (pattern[i + 1] === '*' && (i === 0 || pattern[i - 1] === '/')) {
          if (pattern[i + 2] === '/') {
            out += '(?:.*/)?';
            i += 3;
            continue;
          }
          if (i + 2 >= len || (inBrace && (pattern[i + 2] === ',' || pattern[i + 2] === '}'))) {
            out += '.*';
            i += 2;
            continue;
          }
        }
        while (pattern[i] === '*') i++;
        out += '[^/]*';
      } else if (c === '?') {
        out += '[^/]';
        i++;
      } else if (c === '[') {
        let j = i + 1;
        let negate = false;
        if (pattern[j] === '!' || pattern[j] === '^') {
          negate = true;
          j++;
        }
        let cls = '';
        let closed = false;
        while (j < len) {
          const d = /** @type {string} */ (pattern[j]);
          if (d === '\\') {
            if (j + 1 >= len) throw bad();
            cls += `\\${pattern[j + 1]}`;
            j += 2;
          } else if (d === ']') {
            closed = true;
            break;
          } else {
            cls += d === '-' ? '-' : escapeRegExp(d);
            j++;
          }
        }
        if (!closed || cls === '') throw bad();
        out += `[${negate ? '^/' : ''}${cls}]`;
        i = j + 1;
      } else if (c === '{') {
        i++;
        const alternatives = [];
        for (;;) {
          alternatives.push(parse(true));
          if (i >= len) throw bad();
          if (pattern[i] === ',') {
            i++;
            continue;
          }
          i++; // '}'
          break;
        }
        out += `(?:${alternatives.join('|')})`;
      } else {
        out += escapeRegExp(c);
        i++;
      }
    }
    if (inBrace) throw bad();
    return out;
  };
  return new RegExp(`^${parse(false)}$`, 's');
}

/** @param {URLSearchParams} query @param {http.ServerResponse} res */
async function searchFiles(query, res) {
  const root = requirePath(query);
  const pattern = query.get('pattern') || '**';
  const matcher = globToRegExp(pattern);
  const abs = expandPath(root);
  let rootStat;
  try {
    rootStat = await fsp.lstat(abs, { bigint: true });
  } catch (err) {
    throw fsError(err, root);
  }
  /** @type {unknown[]} */
  const out = [];
  if (!rootStat.isDirectory()) {
    // execd walks the root itself, so a file root is matched like any other file
    if (matcher.test(path.basename(abs))) out.push(toFileInfo(abs, rootStat));
    sendJson(res, 200, out);
    return;
  }
  /** @param {string} dir */
  const walk = async (dir) => {
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        await walk(full);
      } else if (matcher.test(e.name)) {
        try {
          out.push(toFileInfo(full, await fsp.lstat(full, { bigint: true })));
        } catch {
          // vanished while walking
        }
      }
    }
  };
  await walk(abs);
  sendJson(res, 200, out);
}

/** @param {URLSearchParams} query @param {http.IncomingMessage} req @param {http.ServerResponse} res */
async function replaceContents(query, req, res) {
  const body = await readJson(req);
  if (!isObject(body)) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'request body must be an object');
  /** @type {Record<string, { replacedCount: number }>} */
  const result = {};
  for (const [p, item] of Object.entries(body)) {
    if (!isObject(item) || typeof item.old !== 'string' || item.old === '') throw new HttpError(400, 'INVALID_REQUEST_BODY', `old content must not be empty for ${p}`);
    const replacement = typeof item.new === 'string' ? item.new : '';
    const abs = expandPath(p);
    try {
      const text = await fsp.readFile(abs, 'utf8');
      const parts = text.split(item.old);
      const count = parts.length - 1;
      if (count > 0) {
        const st = await fsp.stat(abs);
        await fsp.writeFile(abs, parts.join(replacement));
        await fsp.chmod(abs, st.mode & 0o7777);
      }
      result[p] = { replacedCount: count };
    } catch (err) {
      throw fsError(err, p);
    }
  }
  if (query.get('verbose') === 'true') sendJson(res, 200, result);
  else sendEmpty(res);
}

/** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
function uploadFiles(req, res) {
  const busboyPath = config.busboyPath;
  if (!busboyPath) throw new HttpError(500, 'RUNTIME_ERROR', 'multipart support is not available');
  /** @type {typeof import('busboy')} */
  const busboy = require(busboyPath);
  const contentType = req.headers['content-type'] ?? '';
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) throw new HttpError(400, 'INVALID_FILE', 'multipart form is empty');
  const tmpDir = path.join(STATE_DIR, 'uploads');
  fs.mkdirSync(tmpDir, { recursive: true });
  return new Promise((resolve, reject) => {
    // Like execd (Go's MultipartForm): `metadata` and `file` FILE parts are collected separately,
    // in order, and paired by index. Plain form fields are ignored.
    /** @type {Promise<Buffer>[]} */
    const metadataParts = [];
    /** @type {Promise<string>[]} */
    const fileParts = [];
    let counter = 0;
    let parser;
    try {
      parser = busboy({ headers: req.headers });
    } catch {
      reject(new HttpError(400, 'INVALID_FILE', 'multipart form is empty'));
      return;
    }
    parser.on('file', (name, stream) => {
      if (name === 'metadata') {
        /** @type {Buffer[]} */
        const chunks = [];
        stream.on('data', (c) => chunks.push(c));
        metadataParts.push(new Promise((ok, fail) => {
          stream.on('end', () => ok(Buffer.concat(chunks)));
          stream.on('error', fail);
        }));
      } else if (name === 'file') {
        const tmp = path.join(tmpDir, `${process.pid}-${Date.now()}-${counter++}`);
        fileParts.push(new Promise((ok, fail) => {
          const ws = fs.createWriteStream(tmp);
          stream.pipe(ws);
          ws.on('finish', () => ok(tmp));
          ws.on('error', fail);
          stream.on('error', fail);
        }));
      } else {
        stream.resume();
      }
    });
    parser.on('error', () => reject(new HttpError(400, 'INVALID_FILE', 'multipart form is empty')));
    parser.on('close', () => {
      Promise.all([Promise.all(metadataParts), Promise.all(fileParts)])
        .then(async ([metas, files]) => {
          try {
            if (metas.length === 0) throw new HttpError(400, 'INVALID_FILE_METADATA', 'metadata file is missing');
            if (files.length === 0) throw new HttpError(400, 'INVALID_FILE_CONTENT', 'file is missing');
            if (metas.length !== files.length) throw new HttpError(400, 'INVALID_FILE', `metadata and file count mismatch: ${metas.length} vs ${files.length}`);
            for (let i = 0; i < metas.length; i++) {
              /** @type {any} */
              let meta;
              try {
                meta = JSON.parse(/** @type {Buffer} */ (metas[i]).toString('utf8'));
              } catch (err) {
                throw new HttpError(400, 'INVALID_FILE_METADATA', `invalid metadata format. ${errMessage(err)}`);
              }
              if (!isObject(meta) || typeof meta.path !== 'string' || meta.path === '') throw new HttpError(400, 'INVALID_FILE_METADATA', 'metadata path is empty');
              await storeUpload(/** @type {string} */ (files[i]), /** @type {{ path: string; owner?: string; group?: string; mode?: unknown }} */ (meta));
            }
            sendEmpty(res);
            resolve(undefined);
          } finally {
            await Promise.all(files.map((f) => fsp.rm(f, { force: true })));
          }
        })
        .catch(reject);
    });
    req.pipe(parser);
  });
}

/**
 * Writes one uploaded file like execd: parents created (owner/group applied to the ones created),
 * the target opened with O_CREAT|O_TRUNC and mode 0777 (before umask; an existing file keeps its
 * inode and mode), fsynced with its directory, then mode/owner/group applied.
 * @param {string} tmp @param {{ path: string; owner?: string; group?: string; mode?: unknown }} meta
 */
async function storeUpload(tmp, meta) {
  const dest = expandPath(meta.path);
  const dir = path.dirname(dest);
  const created = [];
  for (let cur = dir; !(await exists(cur)); cur = path.dirname(cur)) {
    created.unshift(cur);
    if (path.dirname(cur) === cur) break;
  }
  try {
    await fsp.mkdir(dir, { recursive: true });
    for (const d of created) await applyPermission(d, { owner: meta.owner, group: meta.group });
  } catch (err) {
    throw new HttpError(500, 'RUNTIME_ERROR', `error creating target directory ${dir}. ${errMessage(err)}`);
  }
  try {
    const out = await fsp.open(dest, 'w', 0o777);
    try {
      await pipelineFile(tmp, out);
      await out.sync();
    } finally {
      await out.close();
    }
    const d = await fsp.open(dir, 'r');
    await d.sync().catch(() => undefined);
    await d.close();
  } catch (err) {
    throw new HttpError(500, 'RUNTIME_ERROR', `error opening destination file ${dest}. ${errMessage(err)}`);
  }
  try {
    await applyPermission(dest, meta);
  } catch (err) {
    throw new HttpError(500, 'RUNTIME_ERROR', `error chmoding file ${dest}. ${errMessage(err)}`);
  }
}

/** @param {string} from @param {import('node:fs/promises').FileHandle} to */
async function pipelineFile(from, to) {
  const input = await fsp.open(from, 'r');
  try {
    const buf = Buffer.alloc(1024 * 1024);
    for (;;) {
      const { bytesRead } = await input.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      await to.write(buf, 0, bytesRead);
    }
  } finally {
    await input.close();
  }
}

/**
 * execd's Range parsing: `invalid` for a malformed header (execd answers 416 `{"code":"UNKNOWN"}`),
 * `unsatisfiable` when no range overlaps the file (416 "invalid range: failed to overlap"),
 * otherwise the first satisfiable range (multi-range requests get only the first).
 * @param {string} header @param {number} size
 * @returns {{ start: number; end: number } | 'invalid' | 'unsatisfiable'}
 */
function parseRange(header, size) {
  if (!header.startsWith('bytes=')) return 'invalid';
  /** @type {{ start: number; end: number } | undefined} */
  let first;
  for (const raw of header.slice(6).split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const dash = part.indexOf('-');
    if (dash < 0) return 'invalid';
    const a = part.slice(0, dash).trim();
    const b = part.slice(dash + 1).trim();
    let start;
    let length;
    if (a === '') {
      if (!/^\d+$/.test(b)) return 'invalid';
      const n = Math.min(Number(b), size);
      start = size - n;
      length = n;
    } else {
      if (!/^\d+$/.test(a)) return 'invalid';
      start = Number(a);
      if (b === '') {
        length = size - start;
      } else {
        if (!/^\d+$/.test(b) || Number(b) < start) return 'invalid';
        length = Number(b) - start + 1;
      }
    }
    if (start >= size) continue;
    if (start + length > size) length = size - start;
    first ??= { start, end: start + length - 1 };
  }
  return first ?? 'unsatisfiable';
}

/** Like execd: plain `filename` for ASCII names, RFC 5987 `filename*` (and an escaped fallback) otherwise. @param {string} name */
function contentDisposition(name) {
  if ([...name].every((ch) => ch.charCodeAt(0) < 128)) return `attachment; filename="${name}"`;
  const encoded = encodeURIComponent(name);
  return `attachment; filename="${encoded}"; filename*=UTF-8''${encoded}`;
}

/** The Content-Length execd announces for a directory download (math.MaxInt64). */
const DIRECTORY_CONTENT_LENGTH = '9223372036854775807';

/** @param {URLSearchParams} query @param {http.IncomingMessage} req @param {http.ServerResponse} res */
async function download(query, req, res) {
  const p = requirePath(query);
  const abs = expandPath(p);
  let st;
  try {
    st = await fsp.stat(abs);
  } catch (err) {
    // execd opens the file first: "file not found. open <path>: no such file or directory"
    throw fsError(Object.assign(/** @type {object} */ (err), { syscall: 'open' }), p);
  }
  if (st.isDirectory()) {
    // What execd does: it announces the size its lseek(SEEK_END) of the directory gave (the
    // largest int64 on ext4/vfs), then the copy fails before the first byte and the connection is
    // cut. (Through its own /proxy/44772 the status becomes 500; see the host's self-proxy.)
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-disposition': contentDisposition(path.basename(abs)),
      'content-length': DIRECTORY_CONTENT_LENGTH,
    });
    res.flushHeaders();
    setImmediate(() => res.destroy());
    return;
  }
  const offsetText = query.get('offset') ?? '';
  const limitText = query.get('limit') ?? '';
  if (offsetText !== '' || limitText !== '') {
    if (offsetText === '' || limitText === '') throw new HttpError(400, 'INVALID_REQUEST_BODY', 'both offset and limit must be provided together for line-based reading');
    const offset = Number(offsetText);
    const limit = Number(limitText);
    if (!/^\d+$/.test(offsetText) || offset < 1) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'offset must be a positive integer (1-based)');
    if (!/^\d+$/.test(limitText) || limit < 1) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'limit must be a positive integer');
    // lines as they are in the file (with their newline; a last line without one stays without)
    const content = await fsp.readFile(abs);
    /** @type {Buffer[]} */
    const selected = [];
    let line = 1;
    let start = 0;
    while (start < content.length && selected.length < limit) {
      const nl = content.indexOf(10, start);
      const stop = nl < 0 ? content.length : nl + 1;
      if (line >= offset) selected.push(content.subarray(start, stop));
      line++;
      start = stop;
    }
    const body = Buffer.concat(selected);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
    return;
  }
  const size = st.size;
  const headers = {
    'content-type': 'application/octet-stream',
    'content-disposition': contentDisposition(path.basename(abs)),
    'accept-ranges': 'bytes',
    'last-modified': st.mtime.toUTCString(),
  };
  const rangeHeader = req.headers.range;
  if (rangeHeader) {
    const range = parseRange(rangeHeader, size);
    if (range === 'invalid') {
      res.writeHead(416, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ code: 'UNKNOWN' }));
      return;
    }
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'content-type': 'text/plain; charset=utf-8', 'content-range': `bytes */${size}` });
      res.end('invalid range: failed to overlap\n');
      return;
    }
    res.writeHead(206, { ...headers, 'content-length': range.end - range.start + 1, 'content-range': `bytes ${range.start}-${range.end}/${size}` });
    await pipeFile(fs.createReadStream(abs, { start: range.start, end: range.end }), res);
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': size });
  await pipeFile(fs.createReadStream(abs), res);
}

/** @param {fs.ReadStream} rs @param {http.ServerResponse} res */
function pipeFile(rs, res) {
  return new Promise((resolve) => {
    rs.on('error', () => {
      res.destroy();
      resolve(undefined);
    });
    rs.on('end', () => resolve(undefined));
    rs.pipe(res);
  });
}

/** @param {URLSearchParams} query @param {http.ServerResponse} res */
async function listDirectory(query, res) {
  const p = requirePath(query);
  const depthText = query.get('depth');
  const depth = depthText === null || depthText === '' ? 1 : Number(depthText);
  if (!Number.isInteger(depth) || depth < 0) throw new HttpError(400, 'INVALID_REQUEST_BODY', `invalid query parameter 'depth': ${depthText}`);
  const abs = expandPath(p);
  let st;
  try {
    st = await fsp.lstat(abs);
  } catch (err) {
    throw fsError(err, p);
  }
  if (st.isSymbolicLink()) throw new HttpError(400, 'INVALID_REQUEST_BODY', `path is a symbolic link, refusing to traverse: ${abs}`);
  if (!st.isDirectory()) throw new HttpError(400, 'INVALID_REQUEST_BODY', `path is not a directory: ${abs}`);
  /** @type {unknown[]} */
  const out = [];
  /** @param {string} dir @param {number} level */
  const walk = async (dir, level) => {
    if (level > depth) return;
    let names;
    try {
      names = (await fsp.readdir(dir)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const full = path.join(dir, name);
      let est;
      try {
        est = await fsp.lstat(full, { bigint: true });
      } catch {
        continue;
      }
      out.push(toFileInfo(full, est));
      if (est.isDirectory()) await walk(full, level + 1);
    }
  };
  await walk(abs, 1);
  sendJson(res, 200, out);
}

/** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
async function makeDirectories(req, res) {
  const body = await readJson(req);
  if (!isObject(body)) throw new HttpError(400, 'INVALID_REQUEST_BODY', 'request body must be an object');
  for (const [p, perm] of Object.entries(body)) {
    const abs = expandPath(p);
    const permission = /** @type {{ mode?: unknown; owner?: string; group?: string }} */ (isObject(perm) ? perm : {});
    try {
      // like execd: an existing directory is left alone; owner/group go to every directory
      // created, the mode only to the target
      const created = [];
      for (let cur = abs; !(await exists(cur)); cur = path.dirname(cur)) {
        created.unshift(cur);
        if (path.dirname(cur) === cur) break;
      }
      if (created.length === 0) continue;
      await fsp.mkdir(abs, { recursive: true });
      for (const dir of created) await applyPermission(dir, { owner: permission.owner, group: permission.group });
      const mode = parseMode(permission.mode);
      if (mode !== undefined) await fsp.chmod(abs, mode);
    } catch (err) {
      throw fsError(err, p);
    }
  }
  sendEmpty(res);
}

/** @param {URLSearchParams} query @param {http.ServerResponse} res */
async function deleteDirectories(query, res) {
  for (const p of pathsOf(query)) {
    try {
      await fsp.rm(expandPath(p), { recursive: true, force: true });
    } catch (err) {
      throw fsError(err, p);
    }
  }
  sendEmpty(res);
}

// ---------------------------------------------------------------------------------------------
// Metrics

function cpuTimes() {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const nums = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (nums[3] ?? 0) + (nums[4] ?? 0);
  const total = nums.reduce((a, b) => a + b, 0);
  return { idle, total };
}

function memory() {
  const text = fs.readFileSync('/proc/meminfo', 'utf8');
  const get = (/** @type {string} */ key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  const total = get('MemTotal') / 1024;
  const available = get('MemAvailable') / 1024;
  return { total, used: Math.max(0, total - available) };
}

/** @param {number} sampleMs */
async function sampleMetrics(sampleMs) {
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, sampleMs));
  const b = cpuTimes();
  const dt = b.total - a.total;
  const pct = dt > 0 ? Math.min(100, Math.max(0, (100 * (dt - (b.idle - a.idle))) / dt)) : 0;
  const mem = memory();
  return {
    cpu_count: os.availableParallelism(),
    cpu_used_pct: Math.round(pct * 100) / 100,
    mem_total_mib: Math.round(mem.total * 100) / 100,
    mem_used_mib: Math.round(mem.used * 100) / 100,
    timestamp: Date.now(),
  };
}

/** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
function watchMetrics(req, res) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let stopped = false;
  req.on('close', () => {
    stopped = true;
  });
  const loop = async () => {
    while (!stopped) {
      try {
        const m = await sampleMetrics(1000);
        if (!stopped) res.write(`${JSON.stringify(m)}\n`);
      } catch (err) {
        if (!stopped) res.write(`${JSON.stringify({ error: errMessage(err) })}\n`);
      }
    }
  };
  void loop();
}

// ---------------------------------------------------------------------------------------------
// /proxy/{port}/...

/** @param {{ port: number; rest: string }} target @param {http.IncomingMessage} req @param {http.ServerResponse} res */
function proxy(target, req, res) {
  const { port, rest } = target;
  const headers = { ...req.headers };
  delete headers.host;
  const upstream = http.request({ host: '127.0.0.1', port, method: req.method, path: rest || '/', headers }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  upstream.on('error', (err) => {
    if (!res.headersSent) sendError(res, 502, { code: 'RUNTIME_ERROR', message: `proxy to port ${port} failed: ${errMessage(err)}` });
    else res.destroy();
  });
  req.pipe(upstream);
}

// ---------------------------------------------------------------------------------------------
// Router

/** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
async function handle(req, res) {
  const url = new URL(req.url ?? '/', 'http://execd');
  const p = url.pathname;
  const q = url.searchParams;
  const method = req.method ?? 'GET';
  const key = `${method} ${p}`;
  let m;
  if ((m = /^\/proxy\/(\d+)(\/.*)?$/.exec(p))) {
    proxy({ port: Number(m[1]), rest: (m[2] ?? '/') + url.search }, req, res);
    return;
  }
  switch (key) {
    case 'GET /ping':
      sendEmpty(res);
      return;
    case 'POST /command':
      return runCommand(req, res);
    case 'DELETE /command':
      return interrupt(q, res);
    case 'POST /session':
      return createSession(req, res);
    case 'GET /files/info':
      return filesInfo(q, res);
    case 'DELETE /files':
      return deleteFiles(q, res);
    case 'POST /files/permissions':
      return setPermissions(req, res);
    case 'POST /files/mv':
      return moveFiles(req, res);
    case 'GET /files/search':
      return searchFiles(q, res);
    case 'POST /files/replace':
      return replaceContents(q, req, res);
    case 'POST /files/upload':
      return uploadFiles(req, res);
    case 'GET /files/download':
      return download(q, req, res);
    case 'GET /directories/list':
      return listDirectory(q, res);
    case 'POST /directories':
      return makeDirectories(req, res);
    case 'DELETE /directories':
      return deleteDirectories(q, res);
    case 'GET /metrics':
      sendJson(res, 200, await sampleMetrics(config.metricsSampleMs ?? 100));
      return;
    case 'GET /metrics/watch':
      watchMetrics(req, res);
      return;
    default:
      break;
  }
  if (method === 'GET' && (m = /^\/command\/status\/([^/]+)$/.exec(p))) return commandStatus(decodeURIComponent(m[1] ?? ''), res);
  if (method === 'GET' && (m = /^\/command\/([^/]+)\/logs$/.exec(p))) return commandLogs(decodeURIComponent(m[1] ?? ''), q, res);
  if (method === 'POST' && (m = /^\/session\/([^/]+)\/run$/.exec(p))) return runInSession(decodeURIComponent(m[1] ?? ''), req, res);
  if (method === 'DELETE' && (m = /^\/session\/([^/]+)$/.exec(p))) return deleteSession(decodeURIComponent(m[1] ?? ''), res);
  if (/^\/(code|pty)(\/|$)/.test(p)) throw new HttpError(501, 'NOT_SUPPORTED', `${p} is not supported by the kode OpenSandbox emulator`);
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('404 page not found');
}

// ---------------------------------------------------------------------------------------------
// Entrypoint (the container's main process) and startup

/** @type {import('node:child_process').ChildProcess | undefined} */
let entry;
function startEntrypoint() {
  const argv = config.entrypoint;
  if (!argv || argv.length === 0) return;
  const logFile = path.join(STATE_DIR, 'entrypoint.log');
  const fd = fs.openSync(logFile, 'a');
  entry = spawn(/** @type {string} */ (argv[0]), argv.slice(1), { stdio: ['ignore', fd, fd], detached: true, env: process.env });
  fs.closeSync(fd);
  entry.on('error', (err) => {
    fs.appendFileSync(logFile, `entrypoint failed to start: ${errMessage(err)}\n`);
    process.exit(127);
  });
  entry.on('exit', (code, signal) => {
    process.exit(code ?? (signal ? 128 : 1));
  });
}

function main() {
  fs.mkdirSync(STATE_DIR, { recursive: true });
  startEntrypoint();
  if (config.neverReady) return;
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) sendError(res, err.status, { code: err.code, message: err.message });
      else sendError(res, 500, { code: 'RUNTIME_ERROR', message: errMessage(err) });
    });
  });
  server.keepAliveTimeout = 30_000;
  try {
    fs.rmSync(config.socketPath, { force: true });
  } catch {
    // not there
  }
  server.listen(config.socketPath, () => {
    process.stdout.write('READY\n');
  });
}

if (IS_MAIN) {
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
} else {
  // Loaded by the package's unit tests: expose the pure helpers, start nothing.
  module.exports = { globToRegExp, LineSplitter, parseRange, parseGoDuration, formatNs, HttpError, EventStream };
}
