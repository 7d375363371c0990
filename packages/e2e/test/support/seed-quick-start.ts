/**
 * The seed's quick start (shared/seed/000_939185b93d117bc5.txt), verbatim apart from the import
 * (`@kode/opensandbox` in place of `@shareai-lab/kode-sdk`), in the forms a consumer writes it.
 */

/** The statements after the import, exactly as in the seed. */
export const SEED_QUICK_START_BODY = `const sandbox = new OpenSandbox({
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
`;

/** ES module (`.mjs` or `.ts` in a `"type": "module"` project): top-level await, as in the seed. */
export const quickStartEsm = (): string => `import { OpenSandbox } from '@kode/opensandbox';\n${SEED_QUICK_START_BODY}`;

/** CommonJS (`.cjs` / `.cts`): `require`, and the same statements inside an async function (no top-level await in CJS). */
export const quickStartCjs = (importLine = "const { OpenSandbox } = require('@kode/opensandbox');"): string =>
  `${importLine}\nasync function main() {\n${SEED_QUICK_START_BODY}}\nmain().catch((error) => {\n  console.error(error);\n  process.exitCode = 1;\n});\n`;

/** What the quick start prints. */
export const QUICK_START_OUTPUT = /^sandboxId: [\w-]+\n0 hello opensandbox\nhello from opensandbox\n$/;
