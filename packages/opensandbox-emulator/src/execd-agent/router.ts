import type { IncomingMessage, ServerResponse } from 'node:http';
import { commandLogs, commandStatus, interrupt, runCommand } from './commands';
import { deleteDirectories, listDirectory, makeDirectories } from './directories';
import { download } from './download';
import { deleteFiles, filesInfo, moveFiles, replaceContents, searchFiles, setPermissions } from './files';
import { HttpError, sendEmpty, sendJson } from './http';
import { sampleMetrics, watchMetrics } from './metrics';
import { proxy } from './proxy';
import { createSession, deleteSession, runInSession } from './sessions';
import { settings } from './settings';
import { uploadFiles } from './upload';

/** Serves one execd request (errors are thrown as {@link HttpError} and answered by the caller). */
export async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://execd');
  const p = url.pathname;
  const q = url.searchParams;
  const method = req.method ?? 'GET';
  let m: RegExpExecArray | null;
  if ((m = /^\/proxy\/(\d+)(\/.*)?$/.exec(p))) {
    proxy({ port: Number(m[1]), rest: (m[2] ?? '/') + url.search }, req, res);
    return;
  }
  switch (`${method} ${p}`) {
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
      sendJson(res, 200, await sampleMetrics(settings.metricsSampleMs));
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
