import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidArgumentError, SandboxError } from '@kode/core';

type FlagOptions = NonNullable<ParseArgsConfig['options']>;
const HELP_AND_VERSION = { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } } as const;

/** The flag values `node:util` `parseArgs` gives for `options` (plus `--help` and `--version`). */
export type CliFlagValues<O extends FlagOptions> = ReturnType<typeof parseArgs<{ args: string[]; options: O & typeof HELP_AND_VERSION; allowPositionals: true; strict: true }>>['values'];

/** A parsed command line: `--help`, `--version`, or one command with its flags. */
export type ParsedCommandLine<O extends FlagOptions> = { kind: 'help' } | { kind: 'version' } | { kind: 'command'; command: string; values: CliFlagValues<O> };

/**
 * Parses a KODE bin's arguments (without `node` and the script path) with `node:util`
 * `parseArgs`, strictly: `--help`/`-h` and `--version`/`-v` win, then exactly one command of
 * `commands`, which accepts only the flags listed for it. Pure.
 * @param spec the bin's `name`, every flag it knows (`options`), each command's flags, and the command the "missing command" hint suggests
 * @throws InvalidArgumentError for an unknown command or flag, a flag of another command, a missing value or an extra argument
 */
export function parseCommandLine<O extends FlagOptions>(
  argv: readonly string[],
  spec: { name: string; options: O; commands: Record<string, readonly string[]>; suggest: string },
): ParsedCommandLine<O> {
  const help = `Run \`${spec.name} --help\`.`;
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { ...spec.options, ...HELP_AND_VERSION } });
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, '.') : String(error), { hint: help });
  }
  const values = parsed.values as CliFlagValues<O> & { help?: boolean; version?: boolean };
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const [command, ...rest] = parsed.positionals;
  if (command === undefined) throw new InvalidArgumentError('Missing command.', { hint: `Run \`${spec.name} ${spec.suggest}\`, or \`${spec.name} --help\`.` });
  const allowed = spec.commands[command];
  if (allowed === undefined) {
    const names = Object.keys(spec.commands).map((c) => `\`${c}\``);
    throw new InvalidArgumentError(`Unknown command ${JSON.stringify(command)}.`, { hint: `The commands are ${names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names.join('')}.` });
  }
  if (rest.length > 0) throw new InvalidArgumentError(`Unexpected argument ${JSON.stringify(rest[0])}.`, { hint: help });
  for (const flag of Object.keys(values)) {
    if (!allowed.includes(flag) && flag !== 'help' && flag !== 'version') throw new InvalidArgumentError(`--${flag} is not an option of \`${command}\`.`, { hint: help });
  }
  return { kind: 'command', command, values };
}

/**
 * Runs a KODE bin (`kode-sandbox`, `kode-e2b`) with the conventions they share: `parse` turns the
 * arguments into a command (an `InvalidArgumentError` there prints `<name>: <message>` and its
 * hint and exits 2); `help` prints `usage`, `version` the version; any other command goes to
 * `run`, whose resolved number is the exit code. A closed pipe (`kode-e2b list | head`) ends
 * quietly; a thrown `SandboxError` is printed as `<name>: unexpected error: <message>` plus its
 * hint (its message is already redacted), anything else with its stack, and the exit code is 1.
 */
export function runCliMain<C extends { kind: string }>(spec: {
  name: string;
  usage: string;
  version: string;
  parse: (argv: readonly string[]) => C | { kind: 'help' } | { kind: 'version' };
  run: (command: C) => Promise<number>;
}): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  const main = async (argv: readonly string[]): Promise<number> => {
    let command;
    try {
      command = spec.parse(argv);
    } catch (error) {
      if (!InvalidArgumentError.isInstance(error)) throw error;
      process.stderr.write(`${spec.name}: ${error.message}\n${error.hint ? `${error.hint}\n` : ''}`);
      return 2;
    }
    if (command.kind === 'help') {
      process.stdout.write(spec.usage);
      return 0;
    }
    if (command.kind === 'version') {
      process.stdout.write(`${spec.version}\n`);
      return 0;
    }
    return spec.run(command as C);
  };
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const text = SandboxError.isInstance(error) ? `${error.message}${error.hint ? `\n${error.hint}` : ''}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`${spec.name}: unexpected error: ${text}\n`);
      process.exitCode = 1;
    },
  );
}
