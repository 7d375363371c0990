import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '@kode/core';
import { createToolState, fsEditTool, fsGlobTool, fsMultiEditTool, fsReadTool, fsWriteTool } from '../src/index';
import { errorOf, localSandbox, okData } from './helpers';

let sandbox: Sandbox;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ sandbox, close } = await localSandbox());
});

afterAll(async () => {
  await close();
});

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1]);

describe('fs_read', () => {
  it('numbers lines and pages with offset/limit, saying where to continue', async () => {
    await sandbox.fs.write('r/ten.txt', Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n');
    const all = okData(await fsReadTool.execute({ path: 'r/ten.txt' }, { sandbox }));
    expect(all).toMatchObject({ path: `${sandbox.workDir}/r/ten.txt`, startLine: 1, endLine: 10, totalLines: 10, truncated: false, binary: false });
    expect(all.content.split('\n')[0]).toBe('     1\tline 1');
    expect(all.content.split('\n')).toHaveLength(10);
    const page = okData(await fsReadTool.execute({ path: 'r/ten.txt', offset: 4, limit: 3 }, { sandbox }));
    expect(page.content).toBe('     4\tline 4\n     5\tline 5\n     6\tline 6\n[... 4 more lines (file has 10); continue with offset 7]');
    expect(page).toMatchObject({ startLine: 4, endLine: 6, truncated: true, nextOffset: 7 });
  });

  it('stops at the character budget and cuts very long lines with a marker', async () => {
    const state = createToolState({ sandbox, settings: { readMaxChars: 200, maxLineChars: 50 } });
    await sandbox.fs.write('r/long.txt', `${'x'.repeat(120)}\n${Array.from({ length: 40 }, (_, i) => `row ${i}`).join('\n')}`);
    const data = okData(await fsReadTool.execute({ path: 'r/long.txt' }, { sandbox, state }));
    const lines = data.content.split('\n');
    expect(lines[0]).toBe(`     1\t${'x'.repeat(50)}… [line cut: 70 more characters]`);
    expect(data.content.length).toBeLessThan(300);
    expect(data.truncated).toBe(true);
    expect(data.nextOffset).toBe(data.endLine + 1);
    expect(lines.at(-1)).toBe(`[... ${41 - data.endLine} more lines (file has 41); continue with offset ${data.endLine + 1}]`);
  });

  it('describes binary files instead of dumping them', async () => {
    await sandbox.fs.write('r/pic.png', PNG);
    const png = okData(await fsReadTool.execute({ path: 'r/pic.png' }, { sandbox }));
    expect(png).toMatchObject({ binary: true, binaryKind: 'PNG image', size: PNG.length });
    expect(png.content).toBe(`[binary file: PNG image, ${PNG.length} bytes; not shown as text]`);
    await sandbox.fs.write('r/blob', Uint8Array.from([1, 2, 0, 3, 0xff]));
    expect(okData(await fsReadTool.execute({ path: 'r/blob' }, { sandbox })).binaryKind).toBe('binary data');
    await sandbox.fs.write('r/latin1.txt', Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    expect(okData(await fsReadTool.execute({ path: 'r/latin1.txt' }, { sandbox }))).toMatchObject({ binary: true, binaryKind: expect.stringMatching(/non-UTF-8/) });
    await sandbox.fs.write('r/utf8.txt', 'café ✓\n');
    expect(okData(await fsReadTool.execute({ path: 'r/utf8.txt' }, { sandbox })).content).toBe('     1\tcafé ✓');
  });

  it('handles empty files, CRLF, and reports missing files, directories, bad offsets and size limits', async () => {
    await sandbox.fs.write('r/empty.txt', '');
    expect(okData(await fsReadTool.execute({ path: 'r/empty.txt' }, { sandbox }))).toMatchObject({ content: '[empty file]', totalLines: 0 });
    await sandbox.fs.write('r/crlf.txt', 'a\r\nb\r\n');
    expect(okData(await fsReadTool.execute({ path: 'r/crlf.txt' }, { sandbox })).content).toBe('     1\ta\n     2\tb');
    expect(errorOf(await fsReadTool.execute({ path: 'r/nope.txt' }, { sandbox }), 'FILE_NOT_FOUND').field).toBe('path');
    errorOf(await fsReadTool.execute({ path: 'r' }, { sandbox }), 'IS_DIRECTORY');
    expect(errorOf(await fsReadTool.execute({ path: 'r/ten.txt', offset: 11 }, { sandbox }), 'INVALID_INPUT').field).toBe('offset');
    expect(errorOf(await fsReadTool.execute({ path: 'r/ten.txt', offset: 0 }, { sandbox }), 'INVALID_INPUT').field).toBe('offset');
    const small = createToolState({ sandbox, settings: { maxFileBytes: 10 } });
    expect(errorOf(await fsReadTool.execute({ path: 'r/ten.txt' }, { sandbox, state: small }), 'FILE_TOO_LARGE').hint).toContain('sed -n');
  });

  it('maps sandbox errors to tool errors instead of throwing', async () => {
    errorOf(await fsReadTool.execute({ path: '/etc/hostname' }, { sandbox }), 'PATH_OUTSIDE_SANDBOX');
  });
});

describe('fs_write', () => {
  it('creates files with parents and reports bytes, lines and creation', async () => {
    const created = okData(await fsWriteTool.execute({ path: 'w/deep/new.txt', content: 'é\nb\n' }, { sandbox }));
    expect(created).toEqual({ path: `${sandbox.workDir}/w/deep/new.txt`, bytes: 5, lines: 2, created: true });
    const replaced = okData(await fsWriteTool.execute({ path: 'w/deep/new.txt', content: 'x' }, { sandbox }));
    expect(replaced.created).toBe(false);
    expect(await sandbox.fs.read('w/deep/new.txt')).toBe('x');
    errorOf(await fsWriteTool.execute({ path: 'w/deep', content: 'x' }, { sandbox }), 'IS_DIRECTORY');
    expect(errorOf(await fsWriteTool.execute({ path: 'w/a.txt' } as never, { sandbox }), 'INVALID_INPUT').field).toBe('content');
  });
});

describe('fs_edit', () => {
  it('replaces a unique literal match, with $ patterns taken literally', async () => {
    await sandbox.fs.write('e/a.js', 'const price = OLD;\nconst other = 1;\n');
    const data = okData(await fsEditTool.execute({ path: 'e/a.js', old_string: 'OLD', new_string: "'$&$$$1$`$' + x" }, { sandbox }));
    expect(data).toEqual({ path: `${sandbox.workDir}/e/a.js`, replacements: 1, firstLine: 1, lines: 2 });
    expect(await sandbox.fs.read('e/a.js')).toBe("const price = '$&$$$1$`$' + x;\nconst other = 1;\n");
  });

  it('refuses ambiguous matches unless replace_all, and missing matches, leaving the file alone', async () => {
    await sandbox.fs.write('e/b.txt', 'foo\nbar\nfoo\n');
    const ambiguous = errorOf(await fsEditTool.execute({ path: 'e/b.txt', old_string: 'foo', new_string: 'x' }, { sandbox }), 'AMBIGUOUS_MATCH');
    expect(ambiguous.message).toContain('2 times (lines 1, 3)');
    expect(ambiguous.hint).toContain('replace_all');
    errorOf(await fsEditTool.execute({ path: 'e/b.txt', old_string: 'nope', new_string: 'x' }, { sandbox }), 'NO_MATCH');
    expect(await sandbox.fs.read('e/b.txt')).toBe('foo\nbar\nfoo\n');
    expect(okData(await fsEditTool.execute({ path: 'e/b.txt', old_string: 'foo', new_string: '$&', replace_all: true }, { sandbox })).replacements).toBe(2);
    expect(await sandbox.fs.read('e/b.txt')).toBe('$&\nbar\n$&\n');
  });

  it('rejects an empty old_string by field, missing files and binary files', async () => {
    expect(errorOf(await fsEditTool.execute({ path: 'e/b.txt', old_string: '', new_string: 'x' }, { sandbox }), 'INVALID_INPUT').field).toBe('old_string');
    errorOf(await fsEditTool.execute({ path: 'e/none.txt', old_string: 'a', new_string: 'b' }, { sandbox }), 'FILE_NOT_FOUND');
    await sandbox.fs.write('e/bin', Uint8Array.from([0x61, 0, 0x62]));
    errorOf(await fsEditTool.execute({ path: 'e/bin', old_string: 'a', new_string: 'b' }, { sandbox }), 'BINARY_FILE');
  });
});

describe('fs_multi_edit', () => {
  it('applies edits in order across files', async () => {
    await sandbox.fs.write('m/a.txt', 'alpha beta\n');
    await sandbox.fs.write('m/b.txt', 'one two two\n');
    const data = okData(
      await fsMultiEditTool.execute(
        {
          edits: [
            { path: 'm/a.txt', old_string: 'alpha', new_string: 'ALPHA' },
            { path: 'm/a.txt', old_string: 'ALPHA beta', new_string: 'gamma $&' },
            { path: 'm/b.txt', old_string: 'two', new_string: '2', replace_all: true },
          ],
        },
        { sandbox },
      ),
    );
    expect(data.replacements).toBe(4);
    expect(data.files).toEqual([
      { path: `${sandbox.workDir}/m/a.txt`, edits: 2, replacements: 2, lines: 1 },
      { path: `${sandbox.workDir}/m/b.txt`, edits: 1, replacements: 2, lines: 1 },
    ]);
    expect(await sandbox.fs.read('m/a.txt')).toBe('gamma $&\n');
    expect(await sandbox.fs.read('m/b.txt')).toBe('one 2 2\n');
  });

  it('changes nothing when any edit fails, naming the failing edit', async () => {
    await sandbox.fs.write('m/c.txt', 'keep me\n');
    await sandbox.fs.write('m/d.txt', 'x x\n');
    const error = errorOf(
      await fsMultiEditTool.execute(
        {
          edits: [
            { path: 'm/c.txt', old_string: 'keep', new_string: 'changed' },
            { path: 'm/d.txt', old_string: 'x', new_string: 'y' },
          ],
        },
        { sandbox },
      ),
      'AMBIGUOUS_MATCH',
    );
    expect(error.field).toBe('edits.1.old_string');
    expect(error.message).toContain('Edit 1');
    expect(error.message).toContain('No file was changed');
    expect(await sandbox.fs.read('m/c.txt')).toBe('keep me\n');
    expect(await sandbox.fs.read('m/d.txt')).toBe('x x\n');
    expect(errorOf(await fsMultiEditTool.execute({ edits: [] }, { sandbox }), 'INVALID_INPUT').field).toBe('edits');
    expect(errorOf(await fsMultiEditTool.execute({ edits: [{ path: 'm/c.txt', old_string: '', new_string: 'a' }] }, { sandbox }), 'INVALID_INPUT').field).toBe('edits.0.old_string');
  });
});

describe('fs_glob', () => {
  it('matches with fs.glob semantics: sorted files, dotfiles only with dot, ignore, limit', async () => {
    for (const f of ['g/src/a.ts', 'g/src/b.ts', 'g/src/sub/c.ts', 'g/src/d.js', 'g/.hidden/e.ts', 'g/node_modules/x/f.ts', 'g/src/.g.ts']) await sandbox.fs.write(f, '');
    const base = okData(await fsGlobTool.execute({ pattern: '**/*.ts', cwd: 'g' }, { sandbox }));
    expect(base).toEqual({ pattern: '**/*.ts', cwd: `${sandbox.workDir}/g`, matches: ['node_modules/x/f.ts', 'src/a.ts', 'src/b.ts', 'src/sub/c.ts'], count: 4, truncated: false });
    expect(okData(await fsGlobTool.execute({ pattern: '**/*.ts', cwd: 'g', dot: true, ignore: ['node_modules'] }, { sandbox })).matches).toEqual([
      '.hidden/e.ts',
      'src/.g.ts',
      'src/a.ts',
      'src/b.ts',
      'src/sub/c.ts',
    ]);
    const limited = okData(await fsGlobTool.execute({ pattern: 'g/src/*.ts', limit: 1 }, { sandbox }));
    expect(limited).toMatchObject({ matches: ['g/src/a.ts'], count: 1, truncated: true });
    expect(okData(await fsGlobTool.execute({ pattern: 'g/src/*.ts', limit: 2 }, { sandbox })).truncated).toBe(false);
    errorOf(await fsGlobTool.execute({ pattern: '../x' }, { sandbox }), 'INVALID_ARGUMENT');
  });
});
