import { describe, expect, it } from 'vitest';
import { modeFromOctalDigits } from './opensandbox-fs';

describe('modeFromOctalDigits', () => {
  it('reads execd modes as octal digits', () => {
    expect(modeFromOctalDigits(755)).toBe(0o755);
    expect(modeFromOctalDigits(644)).toBe(0o644);
    expect(modeFromOctalDigits(1777)).toBe(0o1777);
    expect(modeFromOctalDigits(0)).toBe(0);
  });

  it('gives 0 for missing or malformed modes', () => {
    expect(modeFromOctalDigits(undefined)).toBe(0);
    expect(modeFromOctalDigits(-1)).toBe(0);
    expect(modeFromOctalDigits(9)).toBe(0);
  });
});
