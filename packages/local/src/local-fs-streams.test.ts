import { readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DisposedError, PathOutsideSandboxError } from '@kode/core';
import { describe, expect, it } from 'vitest';
import { openSandbox, tempDir } from '../test/local-fixtures';

const isOutside = (e: unknown): boolean => PathOutsideSandboxError.isInstance(e);

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  let out = '';
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return out + decoder.decode();
    out += decoder.decode(value, { stream: true });
  }
}

describe('LocalSandbox fs streams', () => {
  it('round-trips in 256 KiB reads with the size as totalBytes', async () => {
    const sandbox = await openSandbox();
    const chunk = new Uint8Array(1024 * 1024).fill(0x61);
    expect(await sandbox.fs.writeStream('big.txt', [chunk, chunk])).toEqual({ bytes: 2 * 1024 * 1024 });
    const sizes: number[] = [];
    const progress: Array<{ bytes: number; totalBytes?: number }> = [];
    const reader = (await sandbox.fs.readStream('big.txt', { onProgress: (p) => progress.push(p) })).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      sizes.push(value.byteLength);
    }
    expect(sizes).toEqual(Array.from({ length: 8 }, () => 256 * 1024));
    expect(progress.at(-1)).toEqual({ bytes: 2 * 1024 * 1024, totalBytes: 2 * 1024 * 1024 });
  });

  it('an aborted write leaves neither the target nor its temporary file, and keeps the old content', async () => {
    const sandbox = await openSandbox();
    await writeFile(join(sandbox.workDir, 'kept.txt'), 'old');
    const controller = new AbortController();
    const reason = new Error('stop');
    async function* source(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(1024);
      controller.abort(reason);
      await new Promise(() => undefined); // a producer that never yields again
    }
    await expect(sandbox.fs.writeStream('kept.txt', source(), { signal: controller.signal })).rejects.toBe(reason);
    expect(await readFile(join(sandbox.workDir, 'kept.txt'), 'utf8')).toBe('old');
    expect(await readdir(sandbox.workDir)).toEqual(['kept.txt']);
  });

  it('confines both directions, also through a symlinked parent', async () => {
    const sandbox = await openSandbox();
    const outside = await tempDir();
    await writeFile(join(outside, 'secret.txt'), 'top secret');
    await symlink(outside, join(sandbox.workDir, 'dir-link'));
    await expect(sandbox.fs.readStream('dir-link/secret.txt')).rejects.toSatisfy(isOutside);
    await expect(sandbox.fs.readStream('/etc/hostname')).rejects.toSatisfy(isOutside);
    await expect(sandbox.fs.writeStream('dir-link/new.txt', [new Uint8Array([1])])).rejects.toSatisfy(isOutside);
    expect(await readdir(outside)).toEqual(['secret.txt']);
  });

  it('a web ReadableStream source works and the file reads back as text', async () => {
    const sandbox = await openSandbox();
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('héllo '));
        controller.enqueue(new TextEncoder().encode('wörld'));
        controller.close();
      },
    });
    await sandbox.fs.writeStream('sub/dir/t.txt', source);
    expect(await text(await sandbox.fs.readStream('sub/dir/t.txt'))).toBe('héllo wörld');
  });

  it('dispose() during a write or a read stops both with DisposedError; nothing is left at the path', async () => {
    const sandbox = await openSandbox();
    await writeFile(join(sandbox.workDir, 'r.bin'), new Uint8Array(4 * 1024 * 1024));
    const reader = (await sandbox.fs.readStream('r.bin')).getReader();
    expect((await reader.read()).done).toBe(false);
    let started: () => void = () => undefined;
    const sentOne = new Promise<void>((resolve) => (started = resolve));
    async function* source(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(1024);
      started();
      await new Promise(() => undefined);
    }
    const writing = sandbox.fs.writeStream('w.bin', source());
    writing.catch(() => undefined);
    await sentOne;
    await sandbox.dispose();
    await expect(writing).rejects.toSatisfy((e) => DisposedError.isInstance(e));
    await expect(reader.read()).rejects.toSatisfy((e) => DisposedError.isInstance(e));
    expect((await readdir(sandbox.workDir)).sort()).toEqual(['r.bin']);
  });
});
