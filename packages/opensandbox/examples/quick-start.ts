// The seed's quick start, verbatim apart from the import and the server set-up around it.
// Run: pnpm --filter @kode/opensandbox example quick-start   (uses OPEN_SANDBOX_ENDPOINT, or starts an emulator)
import { OpenSandbox } from '@kode/opensandbox';
import { ensureServer, stopServer } from './server';

await ensureServer();
try {
  const sandbox = new OpenSandbox({
    kind: 'opensandbox',
    apiKey: process.env.OPEN_SANDBOX_API_KEY,
    endpoint: process.env.OPEN_SANDBOX_ENDPOINT,
    image: process.env.OPEN_SANDBOX_IMAGE || 'ubuntu',
    timeoutMs: 600_000,
    execTimeoutMs: 120_000,
    useServerProxy: false,
    watch: { mode: 'polling', pollIntervalMs: 1000 },
    lifecycle: { disposeAction: 'kill' },
  });

  await sandbox.init();
  console.log('sandboxId:', sandbox.getSandboxId());

  const result = await sandbox.exec('echo "hello opensandbox"');
  console.log(result.code, result.stdout.trim());

  await sandbox.fs.write('demo.txt', 'hello from opensandbox');
  const content = await sandbox.fs.read('demo.txt');
  console.log(content.trim());

  await sandbox.dispose();
} finally {
  await stopServer();
}
