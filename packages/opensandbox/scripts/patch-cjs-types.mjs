// `@alibaba-group/opensandbox` ships ESM-only type declarations, so our CommonJS declaration file
// must import its types with `resolution-mode: 'import'` (TypeScript >= 5.3); otherwise a CommonJS
// consumer with `moduleResolution: node16` and `skipLibCheck: false` gets TS1479. tsup's
// declaration bundler drops import attributes, so `pnpm build` adds them back after tsup.
import { readFile, writeFile } from 'node:fs/promises';

const file = new URL('../dist/index.d.cts', import.meta.url);
const text = await readFile(file, 'utf8');
const patched = text.replace(
  /^import (\{[^}]*\}) from '@alibaba-group\/opensandbox';$/gm,
  "import type $1 from '@alibaba-group/opensandbox' with { 'resolution-mode': 'import' };",
);
if (text.includes("from '@alibaba-group/opensandbox';") && !patched.includes("'resolution-mode': 'import'")) {
  throw new Error('dist/index.d.cts: could not mark the @alibaba-group/opensandbox type import as ESM');
}
await writeFile(file, patched);
