import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors/error-classes';
import { isPathInside, normalizePosixPath, relativePosixPath, resolveSandboxPath } from './paths';
import { quoteShellArg, shellCommand } from './shell-quote';
import { execFileSync } from 'node:child_process';

describe('paths', () => {
  it.each([
    ['/a/b/../c', '/a/c'],
    ['/a//b/./c/', '/a/b/c'],
    ['/../..', '/'],
    ['a/../../b', '../b'],
    ['./', '.'],
    ['..foo/bar', '..foo/bar'],
  ])('normalizes %s to %s', (input, expected) => {
    expect(normalizePosixPath(input)).toBe(expected);
  });

  it('resolves relative paths against workDir and keeps absolute ones', () => {
    expect(resolveSandboxPath('/workspace', 'src/a.ts')).toBe('/workspace/src/a.ts');
    expect(resolveSandboxPath('/workspace', '../etc/passwd')).toBe('/etc/passwd');
    expect(resolveSandboxPath('/workspace', '/tmp/x')).toBe('/tmp/x');
  });

  it('rejects empty paths and NUL bytes', () => {
    expect(() => resolveSandboxPath('/w', '')).toThrow(InvalidArgumentError);
    expect(() => resolveSandboxPath('/w', 'a\0b')).toThrow(/NUL/);
  });

  it('checks containment lexically without prefix confusion', () => {
    expect(isPathInside('/srv/app', '/srv/app')).toBe(true);
    expect(isPathInside('/srv/app', '/srv/app/a/b')).toBe(true);
    expect(isPathInside('/srv/app', '/srv/application')).toBe(false);
    expect(isPathInside('/srv/app', '/srv/app/../etc')).toBe(false);
    expect(isPathInside('/srv/app', '/srv/app/..foo')).toBe(true);
    expect(isPathInside('/', '/anything')).toBe(true);
  });

  it('computes relative paths', () => {
    expect(relativePosixPath('/a', '/a/b/c')).toBe('b/c');
    expect(relativePosixPath('/a/b', '/a/c')).toBe('../c');
    expect(relativePosixPath('/a', '/a')).toBe('.');
  });
});

describe('quoteShellArg', () => {
  const nasty = ['plain', 'with space', "it's", '$(touch /tmp/pwned)', '`id`', 'line\nbreak', '-rf', '', 'ünï cødé', '"dq"', '\\back'];
  it('round-trips every value through a real shell unchanged', () => {
    for (const value of nasty) {
      const out = execFileSync('/bin/sh', ['-c', `printf '%s' ${quoteShellArg(value)}`], { encoding: 'utf8' });
      expect(out).toBe(value);
    }
  });

  it('quotes leading dashes and empty strings', () => {
    expect(quoteShellArg('-rf')).toBe("'-rf'");
    expect(quoteShellArg('')).toBe("''");
    expect(shellCommand(['ls', 'a b'])).toBe("ls 'a b'");
  });
});
