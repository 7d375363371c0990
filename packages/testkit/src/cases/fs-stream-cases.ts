import { createHash } from 'node:crypto';
import { DisposedError, FileNotFoundError, InvalidArgumentError, type StreamProgress } from '@kode/core';
import { expectError, expectRejection } from '../support/errors';
import { restoreInstance } from '../support/restore';
import { withTimeout } from '../support/wait';
import type { ConformanceCase } from '../types';

const MIB = 1024 * 1024;

/** Deterministic pseudo-random bytes (xorshift32), every byte value included, in `chunkBytes` chunks. */
// eslint-disable-next-line @typescript-eslint/require-await -- an async source on purpose: what writeStream callers pass
async function* pseudoRandomChunks(totalBytes: number, chunkBytes: number, seed = 0x9e3779b9): AsyncGenerator<Uint8Array> {
  let state = seed >>> 0 || 1;
  for (let sent = 0; sent < totalBytes; sent += chunkBytes) {
    const chunk = new Uint8Array(Math.min(chunkBytes, totalBytes - sent));
    for (let i = 0; i < chunk.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      chunk[i] = state & 0xff;
    }
    yield chunk;
  }
}

async function sha256Of(chunks: AsyncIterable<Uint8Array>): Promise<{ hex: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of chunks) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return { hex: hash.digest('hex'), bytes };
}

/** Iterates a web stream with a reader (works on every runtime's `ReadableStream`). */
async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Cases of `fs.readStream` / `fs.writeStream` (capability `fs.streaming`; docs/contract.md). */
export const fsStreamCases: readonly ConformanceCase[] = [
  {
    id: 'fs.stream.round-trip',
    group: 'fs',
    title: 'writeStream then readStream round-trips 12 MiB of binary content (every byte value) unchanged',
    requires: ['fs.streaming'],
    async run({ sandbox, workdir, expect }) {
      const size = 12 * MIB + 12_345;
      const expected = await sha256Of(pseudoRandomChunks(size, 256 * 1024));
      const path = `${workdir}/big.bin`;
      const written = await sandbox.fs.writeStream(path, pseudoRandomChunks(size, 256 * 1024));
      expect(written.bytes).toBe(size);
      expect((await sandbox.fs.stat(path)).size).toBe(size);
      const read = await sha256Of(chunksOf(await sandbox.fs.readStream(path)));
      expect(read).toEqual(expected);
      // A web ReadableStream works as a source too, and replaces the file.
      const small = new Uint8Array([0, 255, 10, 13, 0, 128]);
      await sandbox.fs.writeStream(path, new ReadableStream({ start: (c) => (c.enqueue(small), c.close()) }));
      expect(Array.from(await sandbox.fs.readBytes(path))).toEqual(Array.from(small));
    },
  },
  {
    id: 'fs.stream.progress',
    group: 'fs',
    title: 'onProgress reports growing byte counts ending at the size, and the total on reads',
    requires: ['fs.streaming'],
    async run({ sandbox, workdir, expect }) {
      const size = 3 * MIB;
      const path = `${workdir}/progress.bin`;
      const writes: StreamProgress[] = [];
      await sandbox.fs.writeStream(path, pseudoRandomChunks(size, 64 * 1024), { onProgress: (p) => writes.push({ ...p }) });
      expect(writes.length).toBeGreaterThan(1);
      expect(writes.map((p) => p.bytes)).toEqual([...writes.map((p) => p.bytes)].sort((a, b) => a - b));
      expect(writes.at(-1)?.bytes).toBe(size);
      const reads: StreamProgress[] = [];
      const read = await sha256Of(chunksOf(await sandbox.fs.readStream(path, { onProgress: (p) => reads.push({ ...p }) })));
      expect(read.bytes).toBe(size);
      expect(reads.length).toBeGreaterThan(0);
      expect(reads.at(-1)?.bytes).toBe(size);
      for (const p of reads) if (p.totalBytes !== undefined) expect(p.totalBytes).toBe(size);
    },
  },
  {
    id: 'fs.stream.abort-leaves-no-file',
    group: 'fs',
    title: 'an aborted writeStream rejects with the reason and leaves nothing at the path (an existing file keeps its content)',
    requires: ['fs.streaming'],
    async run({ sandbox, workdir, expect }) {
      const dir = `${workdir}/abort`;
      await sandbox.fs.mkdir(dir);
      await sandbox.fs.write(`${dir}/kept.txt`, 'old content');
      for (const name of ['new.bin', 'kept.txt']) {
        const controller = new AbortController();
        const reason = new Error(`stop ${name}`);
        let released: () => void = () => undefined;
        const hold = new Promise<void>((resolve) => (released = resolve));
        // 2 MiB, then a source that waits (as a slow producer would) until the abort.
        async function* source(): AsyncGenerator<Uint8Array> {
          yield* pseudoRandomChunks(2 * MIB, 256 * 1024);
          await hold;
          yield new Uint8Array(1024);
        }
        const writing = sandbox.fs.writeStream(`${dir}/${name}`, source(), {
          signal: controller.signal,
          onProgress: (p) => {
            if (p.bytes >= MIB) controller.abort(reason);
          },
        });
        const rejected = await expectRejection(() => writing, `aborted writeStream of ${name}`);
        released();
        expect(rejected).toBe(reason);
      }
      expect(await sandbox.fs.exists(`${dir}/new.bin`)).toBe(false);
      expect(await sandbox.fs.read(`${dir}/kept.txt`)).toBe('old content');
      expect((await sandbox.fs.list(dir)).map((e) => e.name)).toEqual(['kept.txt']);
    },
  },
  {
    id: 'fs.stream.dispose-stops-write',
    group: 'fs',
    title: 'dispose() during a writeStream stops it: the write rejects with DisposedError and leaves nothing at the path',
    requires: ['fs.streaming', 'lifecycle.restore'],
    skipUnless: ({ target }) => (target.supportsDisposeAction ? undefined : "the target cannot create a sandbox with disposeAction 'close' (the files are looked at after dispose)"),
    async run({ createSandbox, expect }) {
      const sandbox = await createSandbox({ disposeAction: 'close' });
      await sandbox.init();
      const hex = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');
      const dir = `${sandbox.workDir}/kode-kit-dispose-write-${hex}`;
      const path = `${dir}/new.bin`;
      await sandbox.fs.mkdir(dir, { recursive: true });
      let pulling: () => void = () => undefined;
      const inProgress = new Promise<void>((resolve) => (pulling = resolve));
      let released: () => void = () => undefined;
      const hold = new Promise<void>((resolve) => (released = resolve));
      // 1 MiB, then a source that waits (as a slow producer would): the transfer is in progress.
      async function* source(): AsyncGenerator<Uint8Array> {
        yield* pseudoRandomChunks(MIB, 256 * 1024);
        pulling();
        await hold;
        yield new Uint8Array(1024);
      }
      const writing = sandbox.fs.writeStream(path, source());
      writing.catch(() => undefined);
      try {
        await withTimeout(inProgress, { ms: 20_000, what: 'writeStream to consume the first MiB' });
        await sandbox.dispose();
        await expectError(() => writing, DisposedError, 'a writeStream in progress when dispose() starts');
      } finally {
        released();
      }
      const again = restoreInstance(sandbox, 'kill');
      try {
        await again.init();
        expect(await again.fs.exists(path), 'a file at the path of the stopped write').toBe(false);
        expect((await again.fs.list(dir)).map((e) => e.name), 'entries left by the stopped write').toEqual([]);
      } finally {
        await again.fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
        await again.dispose();
      }
    },
  },
  {
    id: 'fs.stream.abort-read',
    group: 'fs',
    title: 'aborting a readStream errors the stream with the reason',
    requires: ['fs.streaming'],
    async run({ sandbox, workdir, expect }) {
      const path = `${workdir}/read-abort.bin`;
      await sandbox.fs.writeStream(path, pseudoRandomChunks(4 * MIB, 256 * 1024));
      const controller = new AbortController();
      const reason = new Error('stop reading');
      const stream = await sandbox.fs.readStream(path, { signal: controller.signal });
      const reader = stream.getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      controller.abort(reason);
      const rejected = await expectRejection(async () => {
        for (;;) if ((await reader.read()).done) return 'ended';
      }, 'reading after abort');
      expect(rejected).toBe(reason);
    },
  },
  {
    id: 'fs.stream.not-found',
    group: 'fs',
    title: 'readStream of a missing path raises FileNotFoundError',
    requires: ['fs.streaming'],
    async run({ sandbox, workdir }) {
      await expectError(() => sandbox.fs.readStream(`${workdir}/missing/nothing-here.bin`), FileNotFoundError, 'fs.readStream of a missing path');
    },
  },
  {
    id: 'fs.stream.directory',
    group: 'fs',
    title: 'readStream of a directory and writeStream onto one raise InvalidArgumentError; the directory is left as it was',
    requires: ['fs.streaming'],
    async run({ sandbox, workdir, expect }) {
      const dir = `${workdir}/a-directory`;
      await sandbox.fs.write(`${dir}/inside.txt`, 'inside');
      await expectError(() => sandbox.fs.readStream(dir), InvalidArgumentError, 'fs.readStream of a directory');
      await expectError(() => sandbox.fs.writeStream(dir, [new Uint8Array([1, 2, 3])]), InvalidArgumentError, 'fs.writeStream onto a directory');
      expect((await sandbox.fs.stat(dir)).type).toBe('directory');
      expect(await sandbox.fs.read(`${dir}/inside.txt`)).toBe('inside');
    },
  },
];
