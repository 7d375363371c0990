import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentBuildOptions } from './execd-agent/build-options';

/** The built agent's file name (next to the package's dist entry points). */
export const AGENT_BUNDLE_NAME = 'execd-agent.cjs';

const here = dirname(fileURLToPath(import.meta.url));
let bundle: Promise<string> | undefined;

/**
 * The execd agent as one CommonJS file on the host: `dist/execd-agent.cjs` in a built package;
 * from source, bundled once by esbuild into a content-addressed temp directory (runs share one
 * copy and nothing accumulates).
 * @throws Error when neither the built agent nor its source is there
 */
export function agentBundle(): Promise<string> {
  bundle ??= (async () => {
    const built = join(here, AGENT_BUNDLE_NAME);
    if (existsSync(built)) return built;
    const entry = join(here, 'execd-agent', 'main.ts');
    if (!existsSync(entry)) throw new Error(`the execd agent is missing: neither ${built} nor ${entry} exists`);
    const { build } = await import('esbuild');
    const result = await build({ ...agentBuildOptions(entry), write: false });
    const contents = result.outputFiles[0]!.contents;
    const outDir = join(tmpdir(), `kode-osb-agent-${createHash('sha256').update(contents).digest('hex').slice(0, 12)}`);
    await mkdir(outDir, { recursive: true });
    const out = join(outDir, AGENT_BUNDLE_NAME);
    const staging = `${out}.${process.pid}.tmp`;
    await writeFile(staging, contents);
    await rename(staging, out);
    return out;
  })();
  bundle.catch(() => {
    bundle = undefined; // a failed bundle is retried by the next start
  });
  return bundle;
}
