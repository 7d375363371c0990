import busboy from 'busboy';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { applyPermission, exists, expandPath } from './file-info';
import { errMessage, HttpError, isObject, sendEmpty } from './http';
import { settings } from './settings';

/** The metadata part of one uploaded file. */
interface UploadMeta {
  path: string;
  owner?: string;
  group?: string;
  mode?: unknown;
}

/**
 * `POST /files/upload`: like execd (Go's MultipartForm), `metadata` and `file` FILE parts are
 * collected separately, in order, and paired by index; plain form fields are ignored.
 */
export function uploadFiles(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const contentType = req.headers['content-type'] ?? '';
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) throw new HttpError(400, 'INVALID_FILE', 'multipart form is empty');
  const tmpDir = join(settings.stateDir, 'uploads');
  mkdirSync(tmpDir, { recursive: true });
  return new Promise((resolve, reject) => {
    const metadataParts: Promise<Buffer>[] = [];
    const fileParts: Promise<string>[] = [];
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers });
    } catch {
      reject(new HttpError(400, 'INVALID_FILE', 'multipart form is empty'));
      return;
    }
    parser.on('file', (name, stream) => {
      if (name === 'metadata') {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        metadataParts.push(
          new Promise((ok, fail) => {
            stream.on('end', () => ok(Buffer.concat(chunks)));
            stream.on('error', fail);
          }),
        );
      } else if (name === 'file') {
        // Unique per part across concurrent requests (a per-request counter collided within one ms).
        const tmp = join(tmpDir, randomUUID());
        fileParts.push(
          new Promise((ok, fail) => {
            const ws = createWriteStream(tmp);
            stream.pipe(ws);
            ws.on('finish', () => ok(tmp));
            ws.on('error', fail);
            stream.on('error', fail);
          }),
        );
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
              let meta: unknown;
              try {
                meta = JSON.parse(metas[i]!.toString('utf8'));
              } catch (err) {
                throw new HttpError(400, 'INVALID_FILE_METADATA', `invalid metadata format. ${errMessage(err)}`);
              }
              if (!isObject(meta) || typeof meta.path !== 'string' || meta.path === '') throw new HttpError(400, 'INVALID_FILE_METADATA', 'metadata path is empty');
              await storeUpload(files[i]!, meta as unknown as UploadMeta);
            }
            sendEmpty(res);
            resolve();
          } finally {
            await Promise.all(files.map((f) => rm(f, { force: true })));
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
 */
async function storeUpload(tmp: string, meta: UploadMeta): Promise<void> {
  const dest = expandPath(meta.path);
  const dir = dirname(dest);
  const created: string[] = [];
  for (let cur = dir; !(await exists(cur)); cur = dirname(cur)) {
    created.unshift(cur);
    if (dirname(cur) === cur) break;
  }
  try {
    await mkdir(dir, { recursive: true });
    for (const d of created) await applyPermission(d, { ...(meta.owner !== undefined ? { owner: meta.owner } : {}), ...(meta.group !== undefined ? { group: meta.group } : {}) });
  } catch (err) {
    throw new HttpError(500, 'RUNTIME_ERROR', `error creating target directory ${dir}. ${errMessage(err)}`);
  }
  try {
    const out = await open(dest, 'w', 0o777);
    try {
      await pipelineFile(tmp, out);
      await out.sync();
    } finally {
      await out.close();
    }
    const d = await open(dir, 'r');
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

async function pipelineFile(from: string, to: FileHandle): Promise<void> {
  const input = await open(from, 'r');
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
