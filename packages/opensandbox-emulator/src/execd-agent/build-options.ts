import type { BuildOptions } from 'esbuild';

/**
 * How the agent (`main.ts` and everything it imports, busboy included) becomes the one
 * CommonJS file the sandbox's node runs: at build time (tsup's `onSuccess`) and, when the emulator
 * runs from source, at its first start.
 */
export function agentBuildOptions(entry: string): BuildOptions {
  return { entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', legalComments: 'none' };
}
