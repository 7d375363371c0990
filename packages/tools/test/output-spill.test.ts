import { describe, expect, it } from 'vitest';
import { spillLongText } from '../src/index';
import { localSandbox } from './helpers';

describe('spillLongText', () => {
  it('returns short text unchanged and cuts long text on line boundaries, head and tail kept', async () => {
    const { sandbox, close } = await localSandbox();
    try {
      expect(await spillLongText({ sandbox, text: 'short', maxChars: 10, label: 'x' })).toEqual({ text: 'short', omittedChars: 0 });
      const text = Array.from({ length: 1000 }, (_, i) => `row ${i}`).join('\n');
      const out = await spillLongText({ sandbox, text, maxChars: 500, label: 'stdout' });
      const [head, tail] = out.text.split(/\n\[\.\.\. .* \.\.\.\]\n/);
      expect(head?.startsWith('row 0\nrow 1\n')).toBe(true);
      expect(head?.endsWith('\n')).toBe(true);
      expect(tail?.endsWith('row 999')).toBe(true);
      expect(tail?.startsWith('row ')).toBe(true);
      expect((head?.length ?? 0) + (tail?.length ?? 0) + out.omittedChars).toBe(text.length);
      expect(out.text).toContain(`of stdout cut here; the full stdout (${text.length} characters, 1000 lines) is saved at ${out.fullOutputPath}`);
      expect(await sandbox.fs.read(out.fullOutputPath!)).toBe(text);
    } finally {
      await close();
    }
  });

  it('says so in the marker when the full text cannot be saved, without throwing', async () => {
    const { sandbox, close } = await localSandbox();
    await close();
    const out = await spillLongText({ sandbox, text: 'x'.repeat(100), maxChars: 20, label: 'logs' });
    expect(out.fullOutputPath).toBeUndefined();
    expect(out.omittedChars).toBe(80);
    expect(out.text).toMatch(/the full logs could not be saved \(.+\)/);
  });
});
