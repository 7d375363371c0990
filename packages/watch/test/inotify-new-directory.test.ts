import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildInotifyCommand, InotifyRecordParser, type InotifyRecord } from '../src/index';
import { hostStream } from './host-watch-port';
import { tempDir } from './helpers';

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});

afterEach(async () => {
  await cleanup();
});

const SUBDIRS = 400;

// inotifywait -r adds the watches for a new directory (and everything below it) only after it
// printed the directory's CREATE / MOVED_TO record. A reader that acts on that record (the
// strategy snapshots the new directory) must not be able to get ahead of those watches: a file
// made in the directory after the record arrived is always reported.
describe.each(['/bin/bash', '/bin/sh'])('the recursive inotifywait command (%s)', (shell) => {
  it("delivers a new directory's record only once every directory below it is watched", async () => {
    const watched = `${dir}/watched`;
    const tree = `${dir}/outside/tree`;
    await mkdir(watched);
    for (let i = 0; i < SUBDIRS; i++) mkdirSync(`${tree}/d${i}`, { recursive: true });
    const parser = new InotifyRecordParser();
    const records: InotifyRecord[] = [];
    let ready = false;
    const controller = new AbortController();
    const moved = `${watched}/tree`;
    const done = hostStream(
      {
        command: buildInotifyCommand({ paths: [watched], recursive: true }),
        signal: controller.signal,
        onLine: (line) => {
          const output = parser.push(line);
          if (output?.kind === 'ready') ready = true;
          if (output?.kind !== 'event') return;
          records.push(output.record);
          // Synchronously, before inotifywait could do anything more if it had not finished.
          if (output.record.path === moved && output.record.isDirectory) {
            for (let i = 0; i < SUBDIRS; i++) writeFileSync(`${moved}/d${i}/f.txt`, 'x');
          }
        },
      },
      undefined,
      shell,
    );
    try {
      await vi.waitFor(() => expect(ready).toBe(true), { timeout: 10_000, interval: 10 });
      await rename(tree, moved);
      await vi.waitFor(
        () => {
          const seen = new Set(records.filter((r) => r.type === 'create').map((r) => r.path));
          const missing = Array.from({ length: SUBDIRS }, (_, i) => `${moved}/d${i}/f.txt`).filter((p) => !seen.has(p));
          expect(missing).toEqual([]);
        },
        { timeout: 10_000, interval: 20 },
      );
      expect(records.every((r) => r.path.startsWith(`${watched}/`))).toBe(true);
    } finally {
      controller.abort();
      await done;
    }
  });
});
