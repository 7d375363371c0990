// One typed flat config for the whole repository. The layering of docs/architecture.md is
// enforced here with no-restricted-imports: a package may import only the packages below it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Which workspace packages each package's src/ may import (docs/architecture.md, "Layers"). */
const allowed = {
  core: [],
  watch: ['core'],
  driver: ['core', 'watch'],
  local: ['core', 'watch', 'driver'],
  opensandbox: ['core', 'watch', 'driver'],
  isolation: [],
  'opensandbox-emulator': ['isolation'],
  // testkit: only src/conformance-cases.ts (`@kode/tools/conformance`, testkit an optional peer).
  tools: ['core', 'testkit'],
  testkit: ['core'],
  e2b: ['core', 'watch', 'driver'],
  'e2b-emulator': ['opensandbox-emulator', 'isolation'],
  // The backends are dependencies, imported on demand by the configured `kind`.
  mcp: ['core', 'tools', 'local', 'opensandbox', 'e2b'],
};
const all = Object.keys(allowed);

const layering = Object.entries(allowed).map(([dir, deps]) => ({
  files: [`packages/${dir}/src/**/*.ts`],
  ignores: ['**/*.test.ts', '**/*.test-d.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: all.filter((name) => name !== dir && !deps.includes(name)).map((name) => `@kode/${name}`),
            message: `packages/${dir} may import only: ${deps.map((d) => `@kode/${d}`).join(', ') || 'no workspace package'} (see docs/architecture.md).`,
          },
          { group: ['@kode/*/src', '@kode/*/src/*', '../../*/src/*'], message: 'Import other packages by name, never by path.' },
          ...(dir === 'core' ? [{ group: ['@alibaba-group/*', 'e2b'], message: '@kode/core has no runtime dependencies.' }] : []),
        ],
      },
    ],
  },
}));

/** The example backend (examples/driver-backend) is a driver and nothing else: core, watch and driver only. */
const exampleDeps = ['core', 'watch', 'driver'];
const exampleLayering = {
  files: ['examples/*/src/**/*.ts'],
  ignores: ['**/*.test.ts'],
  rules: {
    'no-console': 'error',
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: all.filter((name) => !exampleDeps.includes(name)).map((name) => `@kode/${name}`),
            message: 'An example backend may import only @kode/core, @kode/watch and @kode/driver (see CONTRIBUTING.md, "Adding a backend").',
          },
          { group: ['@kode/*/src', '@kode/*/src/*', '../../packages/*'], message: 'Import other packages by name, never by path.' },
        ],
      },
    ],
  },
};

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', '**/coverage/**', '**/*.d.ts', '**/tsup.config.bundled_*'],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'max-params': ['error', 3],
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    ignores: ['**/*.test.ts', 'packages/*/src/cli.ts', 'packages/*/src/cli/**'],
    rules: { 'no-console': 'error' },
  },
  ...layering,
  exampleLayering,
  {
    files: ['**/*.test.ts', '**/*.test-d.ts', '**/test/**/*.ts', 'scripts/**', '.ci/**', '**/bench/**', '**/examples/**'],
    ignores: ['examples/*/src/**'], // the example backend's source is linted like a package's
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      'max-params': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', fetch: 'readonly', AbortController: 'readonly' } },
  },
);
