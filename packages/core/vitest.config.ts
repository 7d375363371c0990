import { definePackageConfig } from '../../vitest.shared';

export default definePackageConfig('@kode/core', {
  typecheck: { enabled: true, include: ['src/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
});
