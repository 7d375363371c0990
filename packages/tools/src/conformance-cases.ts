// The `tools` conformance group: every @kode/tools tool run against the backend under test, so a
// tool behaves the same on every sandbox. Data only; published as `@kode/tools/conformance` so any
// backend (ours or a third party's) lists it in `extraCases`:
//   describeConformance({ ...target, extraCases: toolsConformanceCases })
import { quoteShellArg, type Sandbox } from '@kode/core';
import type { ConformanceCase } from '@kode/testkit';
import { waitUntil } from '@kode/testkit';
import { createToolRunner } from './tool-runner';
import type { ToolResult } from './tool-error';
import { createToolState } from './tool-state';
import { bashKillTool } from './tools/bash-kill';
import { bashLogsTool } from './tools/bash-logs';
import { bashRunTool } from './tools/bash-run';
import { fsEditTool } from './tools/fs-edit';
import { fsGlobTool } from './tools/fs-glob';
import { fsGrepTool, type FsGrepOutput } from './tools/fs-grep';
import { fsMultiEditTool } from './tools/fs-multi-edit';
import { fsReadTool } from './tools/fs-read';
import { fsWriteTool } from './tools/fs-write';

function ok<T>(result: ToolResult<T>): T {
  if (!result.ok) throw new Error(`expected a successful tool result, got ${JSON.stringify(result.error)}`);
  return result.data;
}

function failed<T>(result: ToolResult<T>): { code: string; field?: string; message: string } {
  if (result.ok) throw new Error(`expected a failed tool result, got ${JSON.stringify(result.data)}`);
  return result.error;
}

/** Whether `pid` runs (not a zombie) inside the sandbox, asked through exec. */
async function alive(sandbox: Sandbox, pid: number): Promise<boolean> {
  const script = `s=$(sed -n 's/^[0-9]* (.*) \\([A-Za-z]\\) .*/\\1/p' /proc/${pid}/stat 2>/dev/null); if [ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]; then echo alive; else echo gone; fi`;
  return (await sandbox.exec(script, { timeoutMs: 10_000 })).stdout.trim() === 'alive';
}

async function pidIn(sandbox: Sandbox, file: string): Promise<number | false> {
  if (!(await sandbox.fs.exists(file))) return false;
  const text = (await sandbox.fs.read(file)).trim();
  return /^\d+$/.test(text) ? Number(text) : false;
}

const GREP_TREE: Record<string, string> = {
  'src/app.ts': 'const needle = 1;\n// NEEDLE upper\n',
  'src/deep/nested/x.ts': 'return needle;\n',
  'src/lib.js': 'needle.js\n',
  'src/.hidden.ts': 'needle hidden\n',
  '.cfg/settings.json': '{"needle": 1}\n',
  'node_modules/dep/i.js': 'needle dep\n',
  'pkg/node_modules/inner.js': 'needle inner dep\n',
  'dist/out.js': 'needle built\n',
  'docs/a.md': 'a.b literal\naxb regex only\n',
};

/** `path:line` of each match, relative to the case directory. */
function lines(out: FsGrepOutput, sandbox: Sandbox, workdir: string): string[] {
  const prefix = workdir.startsWith(`${sandbox.workDir}/`) ? `${workdir.slice(sandbox.workDir.length + 1)}/` : `${workdir}/`;
  return out.matches.map((m) => `${m.path.startsWith(prefix) ? m.path.slice(prefix.length) : m.path}:${m.line}`);
}

/** The `tools` group: each built-in tool's success, failure and edge cases on the backend under test. */
export const toolsConformanceCases: readonly ConformanceCase[] = [
  {
    id: 'tools.bash-run-foreground',
    group: 'tools',
    title: 'bash_run returns exit code, stdout and stderr apart; a non-zero exit is a result, not an error',
    async run({ sandbox, workdir, expect }) {
      const data = ok(await bashRunTool.execute({ cmd: 'echo out; echo err >&2; exit 3', cwd: workdir }, { sandbox }));
      expect(data).toMatchObject({ background: false, code: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false });
      const invalid = failed(await bashRunTool.execute({ cmd: '' }, { sandbox }));
      expect(invalid).toMatchObject({ code: 'INVALID_INPUT', field: 'cmd' });
    },
  },
  {
    id: 'tools.bash-run-timeout',
    group: 'tools',
    title: 'bash_run kills a command past timeout_ms: code 124, timedOut, a note for the model',
    async run({ sandbox, expect }) {
      const data = ok(await bashRunTool.execute({ cmd: 'sleep 30', timeout_ms: 500 }, { sandbox }));
      expect(data).toMatchObject({ background: false, code: 124, timedOut: true });
      expect(data.background === false ? data.note : '').toContain('background');
    },
  },
  {
    id: 'tools.bash-run-huge-output-spilled',
    group: 'tools',
    title: 'bash_run cuts huge output with a marker naming how much was cut and a sandbox file holding all of it',
    async run({ sandbox, expect }) {
      const data = ok(await bashRunTool.execute({ cmd: 'seq 1 40000' }, { sandbox }));
      if (data.background) throw new Error('expected a foreground result');
      expect(data.stdout.length).toBeLessThan(31_000);
      expect(data.stdout.startsWith('1\n2\n3\n')).toBe(true);
      expect(data.stdout.endsWith('\n40000\n')).toBe(true);
      expect(data.stdout).toMatch(/\[\.\.\. \d+ characters \(\d+ lines\) of stdout cut here; the full stdout \(228894 characters, 40000 lines\) is saved at /);
      expect(data.stdoutFile).toBeDefined();
      const full = await sandbox.fs.read(data.stdoutFile ?? '');
      expect(full.length).toBe(228_894);
      expect(full.endsWith('39999\n40000\n')).toBe(true);
    },
  },
  {
    id: 'tools.bash-background-logs-kill',
    group: 'tools',
    title: 'a background bash_run outlives the call, bash_logs returns only new output, bash_kill stops the whole tree',
    requires: ['processes.background'],
    async run({ sandbox, workdir, expect, tolerances }) {
      const state = createToolState({ sandbox });
      const q = (name: string): string => quoteShellArg(`${workdir}/${name}`);
      const cmd = `echo $$ > ${q('p.pid')}; sleep 600 & echo $! > ${q('c.pid')}; echo one; while [ ! -f ${q('go')} ]; do sleep 0.05; done; echo two; wait`;
      const started = ok(await bashRunTool.execute({ cmd, background: true }, { sandbox, state }));
      if (!started.background) throw new Error('expected a background result');
      const id = started.shellId;
      let seen = '';
      await waitUntil(
        async () => {
          seen += ok(await bashLogsTool.execute({ shell_id: id }, { sandbox, state })).output;
          return seen === 'one\n';
        },
        { timeoutMs: 15_000, what: 'the first output line through bash_logs' },
      );
      const parent = await waitUntil(() => pidIn(sandbox, `${workdir}/p.pid`), { timeoutMs: 10_000, what: 'the parent pid' });
      const child = await waitUntil(() => pidIn(sandbox, `${workdir}/c.pid`), { timeoutMs: 10_000, what: 'the child pid' });
      expect(await alive(sandbox, parent)).toBe(true);
      expect(await alive(sandbox, child)).toBe(true);
      expect(ok(await bashLogsTool.execute({ shell_id: id }, { sandbox, state })).output).toBe('');
      await sandbox.fs.write(`${workdir}/go`, '');
      await waitUntil(
        async () => {
          seen += ok(await bashLogsTool.execute({ shell_id: id }, { sandbox, state })).output;
          return seen === 'one\ntwo\n';
        },
        { timeoutMs: 15_000, what: 'the second output line through bash_logs' },
      );
      const killed = ok(await bashKillTool.execute({ shell_id: id }, { sandbox, state }));
      expect(killed).toMatchObject({ wasRunning: true, running: false });
      await waitUntil(async () => !(await alive(sandbox, parent)) && !(await alive(sandbox, child)), {
        timeoutMs: tolerances.killLatencyMs,
        what: 'the killed process tree to be gone',
      });
      expect(failed(await bashLogsTool.execute({ shell_id: 'no-such-process' }, { sandbox, state })).code).toBe('PROCESS_NOT_FOUND');
    },
  },
  {
    id: 'tools.bash-run-background-relative-cwd',
    group: 'tools',
    title: 'a background bash_run with a relative cwd runs there (resolved against the work directory)',
    requires: ['processes.background'],
    async run({ sandbox, workdir, expect }) {
      const state = createToolState({ sandbox });
      await sandbox.fs.mkdir(`${workdir}/bg cwd`);
      const relative = `${workdir.startsWith(`${sandbox.workDir}/`) ? workdir.slice(sandbox.workDir.length + 1) : workdir}/bg cwd`;
      const started = ok(await bashRunTool.execute({ cmd: 'pwd', cwd: relative, background: true }, { sandbox, state }));
      if (!started.background) throw new Error('expected a background result');
      await sandbox.processes.wait(started.shellId, { timeoutMs: 20_000 });
      expect(ok(await bashLogsTool.execute({ shell_id: started.shellId }, { sandbox, state })).output).toBe(`${workdir}/bg cwd\n`);
    },
  },
  {
    id: 'tools.bash-run-background-started',
    group: 'tools',
    title: 'a background bash_run returns once its command started: a failed start is its error, the shell id is listed at once',
    requires: ['processes.background'],
    async run({ sandbox, workdir, expect }) {
      const state = createToolState({ sandbox });
      // Only a tool that waited for the start can report it failed (the code is the backend's: a
      // missing cwd is FILE_NOT_FOUND on local, BACKEND_ERROR on OpenSandbox).
      const refused = failed(await bashRunTool.execute({ cmd: 'true', cwd: `${workdir}/no-such-dir`, background: true }, { sandbox, state }));
      expect(refused.message.length).toBeGreaterThan(0);
      const started = ok(await bashRunTool.execute({ cmd: 'sleep 600', background: true }, { sandbox, state }));
      if (!started.background) throw new Error('expected a background result');
      try {
        const listed = (await sandbox.processes.list()).find((p) => p.id === started.shellId);
        expect(listed, `shell ${started.shellId} among the listed processes right after bash_run returned`).toMatchObject({ running: true });
      } finally {
        await sandbox.processes.kill(started.shellId, 'SIGKILL').catch(() => undefined);
      }
    },
  },
  {
    id: 'tools.fs-read-numbered-paging',
    group: 'tools',
    title: 'fs_read numbers lines, pages with offset/limit and says where to continue; missing files and directories are errors',
    async run({ sandbox, workdir, expect }) {
      const file = `${workdir}/ten.txt`;
      await sandbox.fs.write(file, Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n');
      const page = ok(await fsReadTool.execute({ path: file, offset: 4, limit: 3 }, { sandbox }));
      expect(page.content).toBe('     4\tline 4\n     5\tline 5\n     6\tline 6\n[... 4 more lines (file has 10); continue with offset 7]');
      expect(page).toMatchObject({ totalLines: 10, nextOffset: 7, truncated: true, binary: false });
      expect(failed(await fsReadTool.execute({ path: `${workdir}/none` }, { sandbox })).code).toBe('FILE_NOT_FOUND');
      expect(failed(await fsReadTool.execute({ path: workdir }, { sandbox })).code).toBe('IS_DIRECTORY');
    },
  },
  {
    id: 'tools.fs-read-binary',
    group: 'tools',
    title: 'fs_read describes a binary file instead of dumping it',
    requires: ['fs.binary'],
    async run({ sandbox, workdir, expect }) {
      const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
      await sandbox.fs.write(`${workdir}/pic.png`, png);
      const data = ok(await fsReadTool.execute({ path: `${workdir}/pic.png` }, { sandbox }));
      expect(data).toMatchObject({ binary: true, binaryKind: 'PNG image', size: png.length });
      expect(data.content).toBe(`[binary file: PNG image, ${png.length} bytes; not shown as text]`);
    },
  },
  {
    id: 'tools.fs-edit-literal',
    group: 'tools',
    title: 'fs_edit replaces literally ($& stays $&), requires a unique match unless replace_all, rejects an empty old_string',
    async run({ sandbox, workdir, expect }) {
      const file = `${workdir}/a.js`;
      await sandbox.fs.write(file, 'x = OLD;\ny = dup;\nz = dup;\n');
      ok(await fsEditTool.execute({ path: file, old_string: 'OLD', new_string: "'$&-$$-$1-$`'" }, { sandbox }));
      expect(await sandbox.fs.read(file)).toBe("x = '$&-$$-$1-$`';\ny = dup;\nz = dup;\n");
      const ambiguous = failed(await fsEditTool.execute({ path: file, old_string: 'dup', new_string: 'one' }, { sandbox }));
      expect(ambiguous.code).toBe('AMBIGUOUS_MATCH');
      expect(ambiguous.message).toContain('lines 2, 3');
      expect(failed(await fsEditTool.execute({ path: file, old_string: 'absent', new_string: 'x' }, { sandbox })).code).toBe('NO_MATCH');
      expect(failed(await fsEditTool.execute({ path: file, old_string: '', new_string: 'x' }, { sandbox }))).toMatchObject({ code: 'INVALID_INPUT', field: 'old_string' });
      expect(ok(await fsEditTool.execute({ path: file, old_string: 'dup', new_string: '$&', replace_all: true }, { sandbox })).replacements).toBe(2);
      expect(await sandbox.fs.read(file)).toBe("x = '$&-$$-$1-$`';\ny = $&;\nz = $&;\n");
    },
  },
  {
    id: 'tools.fs-multi-edit-atomic',
    group: 'tools',
    title: 'fs_multi_edit applies edits in order across files, and changes nothing when one edit fails',
    async run({ sandbox, workdir, expect }) {
      const a = `${workdir}/a.txt`;
      const b = `${workdir}/b.txt`;
      await sandbox.fs.write(a, 'alpha\n');
      await sandbox.fs.write(b, 'beta beta\n');
      const bad = failed(
        await fsMultiEditTool.execute({ edits: [{ path: a, old_string: 'alpha', new_string: 'A' }, { path: b, old_string: 'beta', new_string: 'B' }] }, { sandbox }),
      );
      expect(bad).toMatchObject({ code: 'AMBIGUOUS_MATCH', field: 'edits.1.old_string' });
      expect(await sandbox.fs.read(a)).toBe('alpha\n');
      const good = ok(
        await fsMultiEditTool.execute(
          { edits: [{ path: a, old_string: 'alpha', new_string: 'A' }, { path: a, old_string: 'A', new_string: 'AA' }, { path: b, old_string: 'beta', new_string: 'B', replace_all: true }] },
          { sandbox },
        ),
      );
      expect(good.replacements).toBe(4);
      expect(await sandbox.fs.read(a)).toBe('AA\n');
      expect(await sandbox.fs.read(b)).toBe('B B\n');
    },
  },
  {
    id: 'tools.fs-write-glob',
    group: 'tools',
    title: 'fs_write creates parents; fs_glob lists sorted files relative to cwd with dot, ignore and limit',
    async run({ sandbox, workdir, expect }) {
      for (const f of ['g/src/b.ts', 'g/src/a.ts', 'g/src/sub/c.ts', 'g/.h/d.ts', 'g/node_modules/e.ts']) {
        expect(ok(await fsWriteTool.execute({ path: `${workdir}/${f}`, content: 'x\n' }, { sandbox })).created).toBe(true);
      }
      const all = ok(await fsGlobTool.execute({ pattern: '**/*.ts', cwd: `${workdir}/g` }, { sandbox }));
      expect(all.matches).toEqual(['node_modules/e.ts', 'src/a.ts', 'src/b.ts', 'src/sub/c.ts']);
      const dotted = ok(await fsGlobTool.execute({ pattern: '**/*.ts', cwd: `${workdir}/g`, dot: true, ignore: ['node_modules'], limit: 2 }, { sandbox }));
      expect(dotted).toMatchObject({ matches: ['.h/d.ts', 'src/a.ts'], truncated: true });
    },
  },
  {
    id: 'tools.fs-grep-one-command',
    group: 'tools',
    title: 'fs_grep searches nested dirs in one sandbox command, with dotfile and ignore rules equal to fs.glob and to the file-reading fallback',
    async run({ sandbox, workdir, expect }) {
      for (const [path, text] of Object.entries(GREP_TREE)) await sandbox.fs.write(`${workdir}/${path}`, text);
      const auto = ok(await fsGrepTool.execute({ pattern: 'needle', path: workdir }, { sandbox }));
      expect(auto.engine === 'rg' || auto.engine === 'grep').toBe(true);
      expect(lines(auto, sandbox, workdir)).toEqual(['dist/out.js:1', 'node_modules/dep/i.js:1', 'pkg/node_modules/inner.js:1', 'src/app.ts:1', 'src/deep/nested/x.ts:1', 'src/lib.js:1']);
      const query = { pattern: 'needle', path: workdir, dot: true, ignore: ['node_modules', 'dist/**'] };
      const filtered = ok(await fsGrepTool.execute(query, { sandbox }));
      expect(lines(filtered, sandbox, workdir)).toEqual(['.cfg/settings.json:1', 'pkg/node_modules/inner.js:1', 'src/.hidden.ts:1', 'src/app.ts:1', 'src/deep/nested/x.ts:1', 'src/lib.js:1']);
      const reading = ok(await fsGrepTool.execute(query, { sandbox, state: createToolState({ sandbox, settings: { grepEngine: 'read' } }) }));
      expect(reading.engine).toBe('read');
      expect(reading.matches).toEqual(filtered.matches);
      const ts = ok(await fsGrepTool.execute({ pattern: 'needle', path: workdir, glob: '**/*.ts' }, { sandbox }));
      expect(lines(ts, sandbox, workdir)).toEqual(['src/app.ts:1', 'src/deep/nested/x.ts:1']);
      const capped = ok(await fsGrepTool.execute({ pattern: 'needle', path: workdir, max_results: 2 }, { sandbox }));
      expect(capped).toMatchObject({ count: 2, truncated: true });
    },
  },
  {
    id: 'tools.fs-grep-literal-regex-case',
    group: 'tools',
    title: 'fs_grep is literal by default, supports regex and case-insensitive search, and reports a bad regex on the pattern',
    async run({ sandbox, workdir, expect }) {
      await sandbox.fs.write(`${workdir}/docs/a.md`, 'a.b literal\naxb regex only\nNeedle\n');
      const grep = async (input: Record<string, unknown>): Promise<number[]> =>
        ok(await fsGrepTool.execute({ path: `${workdir}/docs`, pattern: 'x', ...input }, { sandbox })).matches.map((m) => m.line);
      expect(await grep({ pattern: 'a.b' })).toEqual([1]);
      expect(await grep({ pattern: 'a.b', regex: true })).toEqual([1, 2]);
      expect(await grep({ pattern: 'needle' })).toEqual([]);
      expect(await grep({ pattern: 'needle', case_sensitive: false })).toEqual([3]);
      const bad = failed(await fsGrepTool.execute({ pattern: '(open', regex: true, path: workdir }, { sandbox }));
      expect(bad).toMatchObject({ code: 'INVALID_INPUT', field: 'pattern' });
    },
  },
  {
    id: 'tools.read-before-write-tracker',
    group: 'tools',
    title: 'the tracker refuses writing an unread or externally changed file and never counts the agent’s own writes',
    async run({ sandbox, workdir, expect }) {
      const state = createToolState({ sandbox, trackReads: true });
      try {
        const file = `${workdir}/t.txt`;
        await sandbox.fs.write(file, 'v1\n');
        expect(failed(await fsWriteTool.execute({ path: file, content: 'x' }, { sandbox, state })).code).toBe('FILE_NOT_READ');
        ok(await fsReadTool.execute({ path: file }, { sandbox, state }));
        ok(await fsWriteTool.execute({ path: file, content: 'v2\n' }, { sandbox, state }));
        ok(await fsEditTool.execute({ path: file, old_string: 'v2', new_string: 'v3' }, { sandbox, state }));
        await sandbox.fs.write(file, 'changed elsewhere, longer\n');
        expect(failed(await fsEditTool.execute({ path: file, old_string: 'changed', new_string: 'x' }, { sandbox, state })).code).toBe('FILE_CHANGED');
        ok(await fsReadTool.execute({ path: file }, { sandbox, state }));
        ok(await fsEditTool.execute({ path: file, old_string: 'changed', new_string: 'edited' }, { sandbox, state }));
        expect(await sandbox.fs.read(file)).toBe('edited elsewhere, longer\n');
      } finally {
        await state.dispose();
      }
    },
  },
  {
    id: 'tools.runner-dispatch',
    group: 'tools',
    title: 'the tool runner dispatches by name, parses JSON text input, and turns unknown tools and bad input into error results',
    async run({ sandbox, workdir, expect }) {
      const runner = createToolRunner({ sandbox });
      try {
        ok(await runner.run({ name: 'fs_write', input: JSON.stringify({ path: `${workdir}/r.txt`, content: 'hi\n' }) }));
        expect(ok(await runner.run({ name: 'bash_run', input: { cmd: `cat ${quoteShellArg(`${workdir}/r.txt`)}` } }))).toMatchObject({ stdout: 'hi\n', code: 0 });
        expect(failed(await runner.run({ name: 'nope', input: {} })).code).toBe('UNKNOWN_TOOL');
        expect(failed(await runner.run({ name: 'fs_read', input: { path: 1 } }))).toMatchObject({ code: 'INVALID_INPUT', field: 'path' });
      } finally {
        await runner.dispose();
      }
    },
  },
];
