import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, OpenSandbox } from '../src/index';
import { useEmulator } from './emulator-harness';

/** fs.readStream / fs.writeStream details beyond the conformance kit (docs/contract.md, rule 23). */
const fixture = useEmulator();
let sandbox: OpenSandbox;

beforeAll(async () => {
  sandbox = new OpenSandbox(fixture.options());
  await sandbox.init();
}, 60_000);

afterAll(async () => {
  await sandbox?.dispose();
});

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return Buffer.concat(parts);
}

describe('fs streams', () => {
  it('declares fs.streaming', () => {
    expect(sandbox.capabilities.fs.streaming).toBe(true);
  });

  it('writes through a temporary name that is renamed over the target (the target keeps its old content until the end)', async () => {
    await sandbox.fs.write('swap.txt', 'old');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let first: () => void = () => undefined;
    const sentFirst = new Promise<void>((resolve) => (first = resolve));
    async function* source(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('new ');
      first();
      await gate;
      yield new TextEncoder().encode('content');
    }
    const writing = sandbox.fs.writeStream('swap.txt', source());
    await sentFirst;
    expect(await sandbox.fs.read('swap.txt')).toBe('old');
    release();
    expect(await writing).toEqual({ bytes: 11 });
    expect(await sandbox.fs.read('swap.txt')).toBe('new content');
    expect((await sandbox.fs.list('.')).map((e) => e.name).filter((n) => n.includes('.kode-'))).toEqual([]);
  });

  it('creates parent directories, accepts sync iterables and Buffers, reports totalBytes on reads', async () => {
    await sandbox.fs.writeStream('deep/er/file.bin', [Buffer.from([1, 2]), new Uint8Array(0), new Uint8Array([3])]);
    const progress: Array<{ bytes: number; totalBytes?: number }> = [];
    const bytes = await collect(await sandbox.fs.readStream('deep/er/file.bin', { onProgress: (p) => progress.push(p) }));
    expect(Array.from(bytes)).toEqual([1, 2, 3]);
    expect(progress.at(-1)).toEqual({ bytes: 3, totalBytes: 3 });
  });

  it('refuses bad arguments before any I/O and a directory on both sides', async () => {
    const isInvalid = (e: unknown): boolean => InvalidArgumentError.isInstance(e);
    await expect(sandbox.fs.writeStream('x.bin', 'text' as never)).rejects.toSatisfy(isInvalid);
    await expect(sandbox.fs.writeStream('x.bin', new Uint8Array([1]) as never)).rejects.toSatisfy(isInvalid);
    await expect(sandbox.fs.writeStream('x.bin', ['a string chunk'] as never)).rejects.toSatisfy(isInvalid);
    expect(await sandbox.fs.exists('x.bin')).toBe(false);
    await expect(sandbox.fs.readStream('x.bin', { bogus: true } as never)).rejects.toSatisfy(isInvalid);
    await sandbox.fs.mkdir('a-dir');
    await expect(sandbox.fs.readStream('a-dir')).rejects.toSatisfy(isInvalid);
    await expect(sandbox.fs.writeStream('a-dir', [new Uint8Array([1])])).rejects.toSatisfy(isInvalid);
  });

  it('a source that throws rejects with its error and leaves nothing behind', async () => {
    const boom = new Error('source broke');
    async function* source(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(64 * 1024);
      await Promise.resolve();
      throw boom;
    }
    await expect(sandbox.fs.writeStream('broken.bin', source())).rejects.toBe(boom);
    expect(await sandbox.fs.exists('broken.bin')).toBe(false);
    expect((await sandbox.fs.list('.')).map((e) => e.name).filter((n) => n.startsWith('.broken.bin'))).toEqual([]);
  });

  it('an already-aborted signal starts nothing', async () => {
    const reason = new Error('early');
    await expect(sandbox.fs.writeStream('early.bin', [new Uint8Array([1])], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await sandbox.fs.write('early.txt', 'x');
    await expect(sandbox.fs.readStream('early.txt', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(await sandbox.fs.exists('early.bin')).toBe(false);
  });

  it('cancelling a read stream early is fine and the file stays readable', async () => {
    await sandbox.fs.writeStream('cancel.bin', [new Uint8Array(3 * 1024 * 1024)]);
    const reader = (await sandbox.fs.readStream('cancel.bin')).getReader();
    expect((await reader.read()).done).toBe(false);
    await reader.cancel();
    expect((await sandbox.fs.stat('cancel.bin')).size).toBe(3 * 1024 * 1024);
  });
});
