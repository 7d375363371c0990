// The seed's "pass an instance" snippet: when you hand `Agent.create` an instance, call
// `sandbox.init()` yourself first. The seed hard-codes http://127.0.0.1:8080; this copy uses
// OPEN_SANDBOX_ENDPOINT (or the emulator it starts) so it runs anywhere.
// Run: pnpm --filter @kode/opensandbox example instance
import { OpenSandbox } from '@kode/opensandbox';
import { ensureServer, stopServer } from './server';

const endpoint = await ensureServer(); // the seed: 'http://127.0.0.1:8080'
try {
  const sandbox = new OpenSandbox({ kind: 'opensandbox', endpoint });
  await sandbox.init();
  // const agent = await Agent.create({ templateId: 'coder', sandbox }, deps);
  console.log('ready for Agent.create:', sandbox.getSandboxId(), (await sandbox.exec('pwd')).stdout.trim());
  await sandbox.dispose();
} finally {
  await stopServer();
}
