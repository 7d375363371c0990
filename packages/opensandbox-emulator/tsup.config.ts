import { build } from 'esbuild';
import { defineConfig } from 'tsup';
import { agentBuildOptions } from './src/execd-agent/build-options';

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // import.meta.url locates dist/execd-agent.cjs; shims provide it in the CJS build.
  shims: true,
  target: 'node20',
  // the private isolation package is part of this build, never a dependency of the published one
  noExternal: ['@kode/isolation'],
  // only needed to bundle the agent when running from source; a build ships dist/execd-agent.cjs
  external: ['esbuild'],
  // the in-sandbox agent: one self-contained CommonJS file beside the entry points
  async onSuccess() {
    await build({ ...agentBuildOptions('src/execd-agent/main.ts'), outfile: 'dist/execd-agent.cjs' });
  },
});
