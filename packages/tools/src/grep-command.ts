import { quoteShellArg } from '@kode/core';

/** The programs {@link buildGrepScript} can run. */
export type GrepProgram = 'rg' | 'grep';

/** Options of {@link buildGrepScript}. */
export interface GrepScriptOptions {
  /** Absolute path of the file or directory to search. */
  root: string;
  /** The search pattern. */
  pattern: string;
  /** Regex (true) or literal (false) matching. */
  regex: boolean;
  /** Match case exactly. */
  caseSensitive: boolean;
  /** Let the command skip dot-files and dot-directories itself (only when that is exactly what the filters want). */
  skipHidden: boolean;
  /** Patterns (relative to the root) whose subtrees `rg` may prune itself; every match is still filtered afterwards. */
  prune: readonly string[];
  /** Programs to try, in order. */
  programs: readonly GrepProgram[];
}

/** First line of the script's stdout: `__KODE_GREP__ <rg|grep|none|missing>`. */
export const GREP_MARKER = '__KODE_GREP__';

function rgCommand(options: GrepScriptOptions): string {
  const flags = ['--no-config', '--no-ignore', '--line-number', '--with-filename', '--null', '--no-heading', '--color=never', '--max-columns=1000'];
  if (!options.regex) flags.push('--fixed-strings');
  if (!options.caseSensitive) flags.push('--ignore-case');
  if (!options.skipHidden) flags.push('--hidden');
  for (const p of options.prune) flags.push(`--glob=${quoteShellArg(`!/${p.replace(/\/+$/, '')}`)}`);
  return `rg ${flags.join(' ')} -e ${quoteShellArg(options.pattern)} -- "$@"`;
}

function grepCommand(options: GrepScriptOptions): string {
  // -r does not follow symbolic links (like fs.glob); -I skips binary files; -Z ends each file name with NUL.
  const flags = ['-r', '-n', '-H', '-I', '-Z', '--color=never'];
  if (!options.caseSensitive) flags.push('-i');
  if (options.skipHidden) flags.push(`--exclude-dir=${quoteShellArg('.?*')}`, `--exclude=${quoteShellArg('.?*')}`);
  const dialect = options.regex ? '$kode_re' : '-F';
  return `grep ${flags.join(' ')} ${dialect} -e ${quoteShellArg(options.pattern)} -- "$@"`;
}

/**
 * Builds ONE POSIX `sh` script that checks the root, picks the first available program (`rg`,
 * else `grep -r`, PCRE when that grep has it, else ERE) and searches, printing
 * `<path>\0<line>:<text>` lines after a marker line naming the engine (or `none` when neither
 * program exists, `missing` when the root does not exist). Every value is quoted with
 * `quoteShellArg`. Exit status: the program's (0 match, 1 none, 2 error).
 */
export function buildGrepScript(options: GrepScriptOptions): string {
  const lines = [
    `kode_root=${quoteShellArg(options.root)}`,
    `if [ ! -e "$kode_root" ]; then echo '${GREP_MARKER} missing'; exit 0; fi`,
    'if [ -d "$kode_root" ]; then cd -- "$kode_root" || exit 2; set -- .; else set -- "$kode_root"; fi',
  ];
  const branches = options.programs.map((program, i) => {
    const head = `${i === 0 ? 'if' : 'elif'} command -v ${program} >/dev/null 2>&1; then echo '${GREP_MARKER} ${program}';`;
    if (program === 'rg') return `${head} ${rgCommand(options)}`;
    const dialect = options.regex ? ` if grep -P -e x /dev/null >/dev/null 2>&1; [ $? -eq 1 ]; then kode_re=-P; else kode_re=-E; fi;` : '';
    return `${head}${dialect} ${grepCommand(options)}`;
  });
  lines.push(`${branches.join('\n')}\nelse echo '${GREP_MARKER} none'; fi`);
  return lines.join('\n');
}
