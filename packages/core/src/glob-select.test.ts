import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors/error-classes';
import { normalizeGlobPattern, selectGlobMatches, type GlobMatcherFactory } from './glob-select';

const compile: GlobMatcherFactory = (pattern, options) => picomatch(pattern, options);
const files = ['b.ts', 'a.ts', 'src/x.ts', 'src/deep/y.ts', '.hidden.ts', 'src/.dot/z.ts', 'node_modules/m/index.ts', 'README.md'];
const select = (pattern: string, options: { ignore?: string[]; dot?: boolean; limit?: number } = {}) =>
  selectGlobMatches({ files, pattern, compile, ...options });

describe('selectGlobMatches', () => {
  it('matches ** across directories, sorted, without dotfiles by default', () => {
    expect(select('**/*.ts')).toEqual(['a.ts', 'b.ts', 'node_modules/m/index.ts', 'src/deep/y.ts', 'src/x.ts']);
  });

  it('* stays within one directory', () => {
    expect(select('*.ts')).toEqual(['a.ts', 'b.ts']);
    expect(select('src/*.ts')).toEqual(['src/x.ts']);
  });

  it('includes dotfiles and dot directories with dot', () => {
    expect(select('**/*.ts', { dot: true })).toContain('.hidden.ts');
    expect(select('**/*.ts', { dot: true })).toContain('src/.dot/z.ts');
  });

  it('ignore prunes a directory by name or by glob', () => {
    expect(select('**/*.ts', { ignore: ['node_modules'] })).not.toContain('node_modules/m/index.ts');
    expect(select('**/*.ts', { ignore: ['node_modules/**'] })).not.toContain('node_modules/m/index.ts');
    expect(select('**/*.ts', { ignore: ['src/'] })).toEqual(['a.ts', 'b.ts', 'node_modules/m/index.ts']);
  });

  it('applies limit after sorting and validates it', () => {
    expect(select('**/*.ts', { limit: 2 })).toEqual(['a.ts', 'b.ts']);
    expect(() => select('*', { limit: -1 })).toThrow(InvalidArgumentError);
    expect(() => select('*', { limit: 1.5 })).toThrow(InvalidArgumentError);
  });
});

describe('normalizeGlobPattern', () => {
  it('keeps relative patterns and strips ./', () => {
    expect(normalizeGlobPattern('./src/**/*.ts', '/w')).toBe('src/**/*.ts');
  });
  it('makes absolute patterns below cwd relative', () => {
    expect(normalizeGlobPattern('/w/src/*.ts', '/w')).toBe('src/*.ts');
  });
  it('rejects empty, outside-absolute and .. patterns', () => {
    expect(() => normalizeGlobPattern('', '/w')).toThrow(InvalidArgumentError);
    expect(() => normalizeGlobPattern('/etc/*', '/w')).toThrow(/not below cwd/);
    expect(() => normalizeGlobPattern('../*.ts', '/w')).toThrow(/\.\./);
  });
});
