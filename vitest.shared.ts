import { defaultServerConditions } from 'vite';
import { defineProject } from 'vitest/config';
import type { UserWorkspaceConfig } from 'vitest/config';

/** Source condition: workspace packages resolve to `src/` in tests, so no build is needed first. */
const conditions = ['@kode/source', ...defaultServerConditions];

/**
 * The vitest project config every package uses: named after the package, resolving workspace
 * packages to their TypeScript sources, with timeouts sized for a shared 2-core machine.
 */
export function definePackageConfig(name: string, overrides: UserWorkspaceConfig['test'] = {}) {
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@kode/source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      restoreMocks: true,
      ...overrides,
    },
  });
}
