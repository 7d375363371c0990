import { describe, expect, it, vi } from 'vitest';
import { createProgress, formatDuration, formatStepLine } from './progress';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { stream: { isTTY, write: (text: string) => chunks.push(text) }, chunks, text: () => chunks.join('') };
}

describe('formatDuration', () => {
  it('uses ms below a second, tenths of seconds below a minute, then minutes', () => {
    expect(formatDuration(12.4)).toBe('12 ms');
    expect(formatDuration(3456)).toBe('3.5 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });
});

describe('formatStepLine', () => {
  it('prints symbol, label, detail and elapsed time; no time for a skipped step', () => {
    expect(formatStepLine({ outcome: 'pass', label: 'create', detail: 'id 1', elapsedMs: 1200 })).toBe('✔ create: id 1 (1.2 s)');
    expect(formatStepLine({ outcome: 'fail', label: 'create', elapsedMs: 5 })).toBe('✖ create (5 ms)');
    expect(formatStepLine({ outcome: 'skip', label: 'dispose', detail: 'needs create', elapsedMs: 0 })).toBe('- dispose: needs create');
  });
});

describe('createProgress', () => {
  it('prints exactly one plain line per step when not a TTY, dropping updates', async () => {
    let now = 1000;
    const out = sink(false);
    const progress = createProgress({ stream: out.stream, now: () => now });
    expect(progress.interactive).toBe(false);
    const step = progress.start('creating');
    step.update('still creating');
    now += 2500;
    step.end('pass', 'ready');
    step.end('fail', 'twice'); // ignored
    await progress.run('exec', () => Promise.resolve(0), { detail: (code) => `code ${code}` });
    await expect(progress.run('read', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    progress.note('advice\nsecond line');
    expect(out.text()).toBe('✔ creating: ready (2.5 s)\n✔ exec: code 0 (0 ms)\n✖ read: boom (0 ms)\n    advice\n    second line\n');
  });

  it('animates a spinner with the elapsed time on a TTY and replaces it with the result line', () => {
    vi.useFakeTimers();
    try {
      const out = sink(true);
      const progress = createProgress({ stream: out.stream, interactive: true, frameIntervalMs: 100, now: () => Date.now() });
      const step = progress.start('waiting for readiness');
      vi.advanceTimersByTime(1500);
      progress.note('a note while running');
      step.end('pass', 'ready');
      const text = out.text();
      expect(text).toMatch(/⠋ waiting for readiness… 0 ms/);
      expect(text).toMatch(/waiting for readiness… 1\.5 s/);
      expect(text).toContain('\r\u001b[2K    a note while running\n');
      expect(text.endsWith('\r\u001b[2K✔ waiting for readiness: ready (1.5 s)\n')).toBe(true);
      const frames = out.chunks.length;
      vi.advanceTimersByTime(1000);
      expect(out.chunks.length).toBe(frames); // the spinner stopped with the step
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes nothing when silent', () => {
    const out = sink(true);
    const progress = createProgress({ stream: out.stream, silent: true });
    progress.start('x').end('pass');
    progress.line('y');
    expect(out.chunks).toEqual([]);
  });
});
