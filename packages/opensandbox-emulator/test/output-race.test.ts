// Regression: under load a command that prints could complete with no output at all
// ({code: 0, stdout: ''}): the agent completed on the exit of a process whose output was still
// unread in its pipes. With `outputDrainMs: 0` the window is as wide as it gets, so without the
// fix (one I/O poll turn before completing) this test loses outputs on every run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../src/index';

const TOTAL = 2000;
const CONCURRENCY = 250;

interface Outcome {
  stdout: string[];
  stderr: string[];
  final: string | undefined;
}

async function run(execd: string, command: string): Promise<Outcome> {
  const res = await fetch(`${execd}/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command }) });
  const text = await res.text();
  const out: Outcome = { stdout: [], stderr: [], final: undefined };
  for (const frame of text.split('\n\n')) {
    if (frame === '') continue;
    const ev = JSON.parse(frame) as { type: string; text?: string };
    if (ev.type === 'stdout') out.stdout.push(ev.text ?? '');
    else if (ev.type === 'stderr') out.stderr.push(ev.text ?? '');
    else if (ev.type === 'execution_complete' || ev.type === 'error') out.final = ev.type;
  }
  return out;
}

describe('output of concurrent commands', () => {
  let emu: EmulatorHandle;
  let execd: string;

  beforeAll(async () => {
    emu = await startEmulator({ outputDrainMs: 0 });
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

  it(`${TOTAL} concurrent commands that print all return their whole output`, async () => {
    const lost: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < TOTAL) {
        const i = next++;
        const result = await run(execd, `echo out-${i}; echo err-${i} >&2`);
        if (result.final !== 'execution_complete' || result.stdout.join('|') !== `out-${i}` || result.stderr.join('|') !== `err-${i}`) {
          lost.push(`#${i}: ${JSON.stringify(result)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(lost, `${lost.length} of ${TOTAL} commands lost output`).toEqual([]);
  }, 240_000);
});
