// The seed's restore snippet: a new instance with the old `sandboxId` reconnects to the same
// sandbox. The first instance is released with `disposeAction: 'close'`-like ownership in mind:
// only one of them should kill the sandbox (here, `restored`).
// Run: pnpm --filter @kode/opensandbox example restore
import { OpenSandbox } from '@kode/opensandbox';
import { ensureServer, stopServer } from './server';

const endpoint = await ensureServer(); // the seed: 'http://127.0.0.1:8080'
try {
  const sandbox = new OpenSandbox({ kind: 'opensandbox', endpoint, lifecycle: { disposeAction: 'close' } });
  await sandbox.init();
  await sandbox.fs.write('notes.txt', 'written before the restore');
  const id = sandbox.getSandboxId();
  await sandbox.dispose(); // 'close': the sandbox keeps running

  const restored = new OpenSandbox({
    kind: 'opensandbox',
    endpoint,
    sandboxId: id,
  });
  await restored.init();
  console.log('restored', restored.getSandboxId() === id ? 'the same sandbox' : 'ANOTHER sandbox', '-', await restored.fs.read('notes.txt'));
  await restored.dispose(); // 'kill' (default): this one owns it now
} finally {
  await stopServer();
}
