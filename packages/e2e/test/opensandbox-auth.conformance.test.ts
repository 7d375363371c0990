// The conformance kit against OpenSandbox on an emulator that requires an API key, with the key
// only in the environment (OPEN_SANDBOX_API_KEY), as on a real server: every sandbox, and every
// one restored through toConfig() (which never carries the key), must find it there.
import { AuthenticationFailedError } from '@kode/core';
import { OpenSandbox } from '@kode/opensandbox';
import { describeConformance } from '@kode/testkit';
import { describe, expect, it } from 'vitest';
import { openSandboxConformanceTarget } from './targets/opensandbox-target';

const KEY = 'kit-auth-key-3f9c2a';
const target = openSandboxConformanceTarget('direct', {}, { apiKeyFromEnv: KEY });

describeConformance(target);

describe('the auth-on emulator really requires the key', () => {
  it('a sandbox with a wrong key fails with AuthenticationFailedError, and toConfig() carries no key', async () => {
    const sandbox = target.create({});
    const config = JSON.stringify((sandbox as OpenSandbox).toConfig());
    expect(config).not.toContain(KEY);
    const endpoint = (JSON.parse(config) as { endpoint: string }).endpoint;
    const wrong = new OpenSandbox({ kind: 'opensandbox', endpoint, apiKey: 'not-the-key' });
    await expect(wrong.init()).rejects.toSatisfy((error: unknown) => AuthenticationFailedError.isInstance(error));
    await wrong.dispose().catch(() => undefined);
  });
});
