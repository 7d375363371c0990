/**
 * The E2B fault matrix: every fault the E2B emulator can inject (5xx once, 5xx always, 429 once,
 * sandbox killed mid-run) × the operations (init, exec, read, write, stat, glob, process start,
 * dispose), each with its typed outcome or recovered result, and no orphan sandbox left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2BEmulator, type E2BEmulator, type InjectedFault } from '@kode/e2b-emulator';
import { E2BSandbox, SandboxError, type E2BSandboxConfig } from '../src/index';

let emulator: E2BEmulator;

beforeAll(async () => {
  emulator = await startE2BEmulator();
}, 60_000);
afterAll(async () => {
  await emulator?.close();
});

function config(extra: Partial<E2BSandboxConfig> = {}): E2BSandboxConfig {
  return {
    kind: 'e2b',
    apiKey: emulator.apiKey,
    apiUrl: emulator.apiUrl,
    sandboxUrl: emulator.sandboxUrl,
    retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 50 },
    ...extra,
  };
}

type Fault = 'http-503-once' | 'http-503-always' | 'http-429-once' | 'killed';
type Operation = 'init' | 'exec' | 'read' | 'write' | 'stat' | 'glob' | 'process-start' | 'dispose';

/** What the caller sees: a value (recovered), or an error code with its `retryable` flag. */
type Outcome = { ok: true } | { code: string; retryable: boolean };

interface OperationSpec {
  plane: InjectedFault['plane'];
  match: (sandboxId: string) => RegExp;
  run: (sandbox: E2BSandbox) => Promise<unknown>;
}

const OPERATIONS: Record<Operation, OperationSpec> = {
  init: { plane: 'api', match: () => /^POST \/v2\/sandboxes$/, run: (s) => s.init() },
  exec: { plane: 'envd', match: () => /^POST \/process\.Process\/Start$/, run: (s) => s.exec('echo hi') },
  read: { plane: 'envd', match: () => /^GET \/files$/, run: (s) => s.fs.read('seed.txt') },
  write: { plane: 'envd', match: () => /^POST \/files$/, run: (s) => s.fs.write('out.txt', 'x') },
  stat: { plane: 'envd', match: () => /^POST \/filesystem\.Filesystem\/Stat$/, run: (s) => s.fs.stat('seed.txt') },
  glob: { plane: 'envd', match: () => /^POST \/filesystem\.Filesystem\/ListDir$/, run: (s) => s.fs.glob('*.txt') },
  'process-start': { plane: 'envd', match: () => /^POST \/process\.Process\/Start$/, run: (s) => s.processes.start('sleep 0.2') },
  dispose: { plane: 'api', match: (id) => new RegExp(`^DELETE /sandboxes/${id}$`), run: (s) => s.dispose() },
};

const recovered: Outcome = { ok: true };
const busy = (retryable: boolean): Outcome => ({ code: 'BACKEND_ERROR', retryable });
const gone: Outcome = { code: 'SANDBOX_NOT_FOUND', retryable: false };

/** The expected outcome of each fault × operation. Idempotent operations recover from a passing fault; exec, process starts and init are never retried. */
const MATRIX: Record<Fault, Record<Operation, Outcome>> = {
  'http-503-once': {
    init: busy(true),
    exec: busy(false),
    read: recovered,
    write: recovered,
    stat: recovered,
    glob: recovered,
    'process-start': busy(false),
    dispose: recovered,
  },
  'http-503-always': {
    init: busy(true),
    exec: busy(false),
    read: busy(true),
    write: busy(true),
    stat: busy(true),
    glob: busy(true),
    'process-start': busy(false),
    dispose: busy(true),
  },
  'http-429-once': {
    init: { code: 'RATE_LIMITED', retryable: true },
    exec: busy(false),
    read: recovered,
    write: recovered,
    stat: recovered,
    glob: recovered,
    'process-start': busy(false),
    dispose: recovered,
  },
  killed: {
    init: recovered, // nothing to kill before init: a new sandbox is created
    exec: gone,
    read: gone,
    write: gone,
    stat: gone,
    glob: gone,
    'process-start': gone,
    dispose: recovered, // a sandbox already gone counts as killed
  },
};

async function outcomeOf(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    await run();
    return recovered;
  } catch (error) {
    expect(SandboxError.isInstance(error), String(error)).toBe(true);
    const e = error as SandboxError;
    return { code: e.code, retryable: e.retryable };
  }
}

const cases = (Object.keys(MATRIX) as Fault[]).flatMap((fault) => (Object.keys(MATRIX[fault]) as Operation[]).map((operation) => [fault, operation] as const));

describe('E2B fault matrix', () => {
  it.each(cases)('%s × %s', async (fault, operation) => {
    const spec = OPERATIONS[operation];
    const sandbox = new E2BSandbox(config());
    const before = new Set(emulator.sandboxes().map((s) => s.sandboxId));
    try {
      if (operation !== 'init') {
        await sandbox.init();
        await sandbox.fs.write('seed.txt', 'seed');
      }
      const id = operation === 'init' ? '' : sandbox.getSandboxId();
      if (fault === 'killed') {
        if (id !== '') await emulator.killSandbox(id);
      } else {
        const status = fault === 'http-429-once' ? 429 : 503;
        emulator.injectFault({ plane: spec.plane, match: spec.match(id), status, body: { code: status, message: 'injected' }, times: fault === 'http-503-always' ? 10 : 1 });
      }
      expect(await outcomeOf(() => spec.run(sandbox))).toEqual(MATRIX[fault][operation]);
    } finally {
      // Clear what is left of an "always" fault, then make sure nothing is orphaned.
      emulator.clearFaults();
      await sandbox.dispose().catch(() => sandbox.dispose());
      const left = emulator.sandboxes().filter((s) => !before.has(s.sandboxId));
      expect(left.map((s) => s.sandboxId)).toEqual([]);
    }
  });
});
