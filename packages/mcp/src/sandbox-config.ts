import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type SandboxFactoryConfig } from '@kode/core';

/** Packages that provide the built-in sandbox kinds; imported on demand by {@link importBackend}. */
export const BACKEND_PACKAGES: Readonly<Record<string, string>> = Object.freeze({
  local: '@kode/local',
  opensandbox: '@kode/opensandbox',
  e2b: '@kode/e2b',
});

/** Options of {@link loadSandboxConfig}. */
export interface LoadSandboxConfigOptions {
  /** Path of a JSON file holding the config (`--config`). Wins over `env`. */
  configFile?: string;
  /** The environment to read `KODE_SANDBOX_CONFIG` (JSON text) from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

function parseConfigText(text: string, source: string): SandboxFactoryConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Only the position is kept: V8's message quotes the text, which may hold an apiKey.
    const position = error instanceof Error ? /at position \d+(?: \(line \d+ column \d+\))?/.exec(error.message)?.[0] : undefined;
    throw new InvalidArgumentError(`The sandbox config in ${source} is not valid JSON${position === undefined ? '' : ` (error ${position})`}.`, {
      hint: 'Give a JSON object such as {"kind":"opensandbox","endpoint":"http://127.0.0.1:8080"}.',
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`The sandbox config in ${source} must be a JSON object with a "kind".`, {
      hint: 'The same shape SandboxFactory.createAsync takes, e.g. {"kind":"local","workDir":"/path/to/project"}.',
    });
  }
  const { kind } = value as { kind?: unknown };
  if (typeof kind !== 'string' || kind === '') {
    throw new InvalidArgumentError(`The sandbox config in ${source} needs a non-empty string "kind".`, {
      hint: `One of: ${Object.keys(BACKEND_PACKAGES).map((k) => `"${k}"`).join(', ')}.`,
    });
  }
  return value as SandboxFactoryConfig;
}

/**
 * Reads the sandbox config of `kode-sandbox-mcp`: the JSON file `configFile` when given, else the
 * JSON text of the `KODE_SANDBOX_CONFIG` environment variable. The shape is what
 * `SandboxFactory.createAsync` takes (`kind` plus the backend's options); secrets may be left out
 * and come from the backend's usual variables (`OPEN_SANDBOX_API_KEY`, `E2B_API_KEY`). Only checks
 * that it is an object with a `kind`; the backend validates the rest when the sandbox is built.
 * Error messages never quote the config (it may hold an `apiKey`).
 *
 * @throws InvalidArgumentError when neither source is given, the file cannot be read, the text is
 *   not JSON, or the value is not an object with a non-empty string `kind`
 */
export async function loadSandboxConfig(options: LoadSandboxConfigOptions = {}): Promise<SandboxFactoryConfig> {
  const env = options.env ?? process.env;
  if (options.configFile !== undefined) {
    let text: string;
    try {
      text = await readFile(options.configFile, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InvalidArgumentError(`Cannot read the sandbox config file ${options.configFile}${code === undefined ? '' : ` (${code})`}.`, {
        hint: 'Pass the path of a readable JSON file to --config.',
        cause: error,
      });
    }
    return parseConfigText(text, options.configFile);
  }
  const fromEnv = env.KODE_SANDBOX_CONFIG;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return parseConfigText(fromEnv, 'KODE_SANDBOX_CONFIG');
  throw new InvalidArgumentError('No sandbox config: pass --config FILE.json or set KODE_SANDBOX_CONFIG.', {
    hint: 'E.g. KODE_SANDBOX_CONFIG=\'{"kind":"opensandbox","endpoint":"http://127.0.0.1:8080"}\' (secrets from OPEN_SANDBOX_API_KEY / E2B_API_KEY).',
  });
}

/**
 * Imports the package that registers `kind` with `SandboxFactory` (`@kode/local`,
 * `@kode/opensandbox` or `@kode/e2b`). A kind already registered (by an import of the caller) needs
 * nothing; another unknown kind is left to `SandboxFactory`, whose error lists the known kinds.
 *
 * @throws InvalidArgumentError when the kind's package is not installed, naming it
 */
export async function importBackend(kind: string): Promise<void> {
  const packageName = BACKEND_PACKAGES[kind];
  if (packageName === undefined) return;
  try {
    await import(packageName);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new InvalidArgumentError(`The sandbox kind "${kind}" needs ${packageName}, which is not installed.`, {
        hint: `Install ${packageName} (a dependency of @kode/mcp; a bundler may have left it out).`,
        cause: error,
      });
    }
    throw error;
  }
}
