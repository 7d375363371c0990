import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useEmulator } from './emulator-harness';

const run = promisify(execFile);
const fixture = useEmulator();

describe('examples/', () => {
  it('every example runs against OPEN_SANDBOX_ENDPOINT', async () => {
    const script = join(import.meta.dirname, '..', 'examples', 'run.ts');
    const { stdout } = await run(process.execPath, ['--conditions=@kode/source', '--import', 'tsx', script], {
      env: { ...process.env, OPEN_SANDBOX_ENDPOINT: fixture.emulator.url, OPEN_SANDBOX_API_KEY: '', OPEN_SANDBOX_IMAGE: '' },
      timeout: 120_000,
    });
    expect(stdout).toMatch(/## quick-start\nsandboxId: [0-9a-f-]{36}\n0 hello opensandbox\nhello from opensandbox\n/);
    expect(stdout).toContain('PRETTY_NAME="Debian');
    expect(stdout).toMatch(/ready for Agent.create: [0-9a-f-]{36} \/workspace/);
    expect(stdout).toContain('restored the same sandbox - written before the restore');
    expect(stdout).not.toContain('started an OpenSandbox emulator');
    expect(fixture.emulator.sandboxIds()).toEqual([]);
  }, 150_000);
});
