import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // import.meta.url locates agent/execd-agent.cjs; shims provide it in the CJS build.
  shims: true,
  target: 'node20',
  // the private isolation package is part of this build, never a dependency of the published one
  noExternal: ['@kode/isolation'],
});
