import { definePackageConfig } from '../../vitest.shared';

export default definePackageConfig('@kode/e2b-emulator');
