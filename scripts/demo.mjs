#!/usr/bin/env node
// `npm run demo` (after scripts/setup.mjs): the seed's quick start, its statements verbatim apart
// from the import, against OPEN_SANDBOX_ENDPOINT when it is set, otherwise against an OpenSandbox
// emulator this script starts and stops. Each step is shown as it happens: a spinner with the
// elapsed time on a terminal, one plain line per step otherwise.
//
// No build needed: the script re-runs itself under tsx with the `@kode/source` condition, so the
// packages' TypeScript sources are used directly.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');

if (process.env.KODE_DEMO_CHILD !== '1') {
  const child = spawn(process.execPath, ['--conditions=@kode/source', '--import', 'tsx', import.meta.filename, ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, KODE_DEMO_CHILD: '1' },
  });
  // Ctrl-C reaches the child too (same process group); let it clean up and report.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('error', (error) => {
    console.error(`demo: could not start node with tsx: ${error.message}. Run \`npm run setup\` first.`);
    process.exit(1);
  });
  child.on('close', (code, signal) => process.exit(code ?? (signal ? 128 + 1 : 1)));
} else {
  await runDemo();
}

async function runDemo() {
  const source = (path) => import(pathToFileURL(join(root, path)).href);
  const { createProgress, formatDuration } = await source('packages/opensandbox/src/cli/progress.ts');
  const { OpenSandbox, SandboxError } = await source('packages/opensandbox/src/index.ts');
  const progress = createProgress({ stream: process.stdout });
  const t0 = Date.now();
  let emulator;
  let sandbox;
  let interrupted = false;
  const usingEmulator = !process.env.OPEN_SANDBOX_ENDPOINT;

  const cleanUp = async () => {
    if (sandbox) {
      const current = sandbox;
      sandbox = undefined;
      await progress.run('await sandbox.dispose()  (cleanup)', () => current.dispose()).catch(() => undefined);
    }
    if (emulator) {
      const current = emulator;
      emulator = undefined;
      await progress.run('stop the emulator', () => current.close()).catch(() => undefined);
    }
  };
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress.line('\ninterrupted: cleaning up (Ctrl-C again to quit at once)');
    void cleanUp().then(() => process.exit(130));
  });

  progress.line("KODE sandbox demo: the seed's quick start with @kode/opensandbox");
  try {
    if (!usingEmulator) {
      progress.line(`Using OPEN_SANDBOX_ENDPOINT=${process.env.OPEN_SANDBOX_ENDPOINT}${process.env.OPEN_SANDBOX_API_KEY ? ' (with OPEN_SANDBOX_API_KEY)' : ''}`);
    } else {
      const { startEmulator } = await source('packages/opensandbox-emulator/src/index.ts');
      emulator = await progress.run(
        'start the OpenSandbox emulator (OPEN_SANDBOX_ENDPOINT is not set)',
        () => startEmulator({ ...(process.env.OPEN_SANDBOX_API_KEY ? { apiKey: process.env.OPEN_SANDBOX_API_KEY } : {}) }),
        { detail: (handle) => handle.url },
      );
      // The quick start reads its endpoint from the environment, exactly as the seed writes it.
      process.env.OPEN_SANDBOX_ENDPOINT = emulator.url;
    }

    // --- the seed's quick start; each statement verbatim, shown as a step ---
    sandbox = await progress.run(
      'new OpenSandbox({ kind: \'opensandbox\', … })',
      async () =>
        new OpenSandbox({
          kind: 'opensandbox',
          apiKey: process.env.OPEN_SANDBOX_API_KEY,
          endpoint: process.env.OPEN_SANDBOX_ENDPOINT,
          image: process.env.OPEN_SANDBOX_IMAGE || 'ubuntu',
          timeoutMs: 600_000,
          execTimeoutMs: 120_000,
          useServerProxy: false,
          watch: { mode: 'polling', pollIntervalMs: 1000 },
          lifecycle: { disposeAction: 'kill' },
        }),
      { detail: () => `image ${process.env.OPEN_SANDBOX_IMAGE || 'ubuntu'}` },
    );
    // init() reports its phases (creating, preparing, ready): shown live beside the spinner, then in the result line.
    const initLabel = 'await sandbox.init()  (create the sandbox, wait until it is ready)';
    const phases = [];
    await progress.run(
      initLabel,
      (step) =>
        sandbox.init({
          onProgress: ({ phase, elapsedMs }) => {
            phases.push(`${phase} ${formatDuration(elapsedMs)}`);
            step.update(`${initLabel}: ${phase} (${formatDuration(elapsedMs)})`);
          },
        }),
      { detail: () => phases.join(' → ') },
    );
    console.log('sandboxId:', sandbox.getSandboxId());
    const result = await progress.run('await sandbox.exec(\'echo "hello opensandbox"\')', () => sandbox.exec('echo "hello opensandbox"'));
    console.log(result.code, result.stdout.trim());
    await progress.run("await sandbox.fs.write('demo.txt', 'hello from opensandbox')", () => sandbox.fs.write('demo.txt', 'hello from opensandbox'));
    const content = await progress.run("await sandbox.fs.read('demo.txt')", () => sandbox.fs.read('demo.txt'));
    console.log(content.trim());
    const disposing = sandbox;
    sandbox = undefined;
    await progress.run('await sandbox.dispose()', () => disposing.dispose(), { detail: () => 'sandbox killed' });
    // --- end of the quick start ---

    await cleanUp();
    progress.line(`Done in ${formatDuration(Date.now() - t0)}.`);
  } catch (error) {
    if (interrupted) return;
    const hint = SandboxError.isInstance(error) && error.hint ? `\nhint: ${error.hint}` : '';
    const code = SandboxError.isInstance(error) ? ` [${error.code}]` : '';
    progress.line(`\ndemo failed${code}: ${error instanceof Error ? error.message : String(error)}${hint}`);
    if (usingEmulator && /bubblewrap|bwrap/i.test(String(error))) progress.line('The emulator needs bubblewrap: run `npm run setup` (or apt-get install bubblewrap).');
    await cleanUp();
    process.exitCode = 1;
  }
}
