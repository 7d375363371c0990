// The seed's "pass a config" snippet: `Agent.create({ sandbox: config })` hands the config to
// `SandboxFactory.createAsync`, which constructs AND initialises the sandbox. Shown here without
// the agent SDK: the config object is the seed's, verbatim.
// Run: pnpm --filter @kode/opensandbox example factory-config
import { SandboxFactory } from '@kode/opensandbox';
import { ensureServer, stopServer } from './server';

await ensureServer();
try {
  const sandboxConfig = {
    kind: 'opensandbox',
    endpoint: process.env.OPEN_SANDBOX_ENDPOINT,
    apiKey: process.env.OPEN_SANDBOX_API_KEY,
    image: 'debian:latest',
    lifecycle: { disposeAction: 'kill' },
  };

  const sandbox = await SandboxFactory.createAsync(sandboxConfig); // what Agent.create does with `sandbox`
  console.log('initialised by createAsync:', sandbox.getSandboxId());
  console.log((await sandbox.exec('cat /etc/os-release | head -1')).stdout.trim());
  await sandbox.dispose();
} finally {
  await stopServer();
}
