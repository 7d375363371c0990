// Regression: two uploads arriving in the same millisecond shared one staging file name
// (`<pid>-<ms>-<per-request counter>`), so the first to finish removed the other's staging file
// and the other failed with 500 "error opening destination file … ENOENT" (seen once in the kit,
// fs.glob.names-with-spaces). Many concurrent uploads make same-millisecond arrivals certain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../src/index';

const TOTAL = 200;
const CONCURRENCY = 50;

describe('concurrent uploads', () => {
  let emu: EmulatorHandle;
  let execd: string;

  beforeAll(async () => {
    emu = await startEmulator();
    const res = await fetch(`${emu.url}/v1/sandboxes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image: { uri: 'ubuntu' }, entrypoint: ['tail', '-f', '/dev/null'], resourceLimits: { cpu: '1' } }),
    });
    const { id } = (await res.json()) as { id: string };
    const ep = (await (await fetch(`${emu.url}/v1/sandboxes/${id}/endpoints/44772`)).json()) as { endpoint: string };
    execd = `http://${ep.endpoint}`;
  }, 60_000);
  afterAll(async () => {
    await emu?.close();
  }, 60_000);

  const upload = async (i: number): Promise<string | undefined> => {
    const form = new FormData();
    form.append('metadata', new Blob([JSON.stringify({ path: `/tmp/uploads-race/f-${i}.txt` })]), 'metadata');
    form.append('file', new Blob([`content ${i}`]), `f-${i}.txt`);
    const res = await fetch(`${execd}/files/upload`, { method: 'POST', body: form });
    if (res.status !== 200) return `#${i}: ${res.status} ${await res.text()}`;
    const back = await fetch(`${execd}/files/download?path=${encodeURIComponent(`/tmp/uploads-race/f-${i}.txt`)}`);
    const text = await back.text();
    return text === `content ${i}` ? undefined : `#${i}: read back ${JSON.stringify(text)}`;
  };

  it(`${TOTAL} uploads, ${CONCURRENCY} at a time, all land with their own content`, async () => {
    const failed: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < TOTAL) {
        const problem = await upload(next++);
        if (problem !== undefined) failed.push(problem);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(failed, `${failed.length} of ${TOTAL} uploads failed`).toEqual([]);
  }, 120_000);
});
