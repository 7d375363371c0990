/**
 * The fault matrix (docs/contract.md, rules 18–20): every emulator fault × every operation, each
 * cell naming the typed outcome or the recovered result. After every cell: no sandbox left on the
 * server, and the sandbox's processes are gone from the host.
 */
import type { FaultRule } from '@kode/opensandbox-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenSandbox, SandboxError, type SandboxErrorCode, type WatchEvent } from '../src/index';
import { useEmulator } from './emulator-harness';

const fixture = useEmulator();

type Operation = 'exec' | 'read' | 'write' | 'glob' | 'watch tick' | 'process start' | 'dispose';
type Fault = 'latency' | '5xx once' | '5xx always' | '429 once' | 'cut stream' | 'killed mid-run';

/** The emulator route each operation's request goes to. */
const ROUTE: Record<Operation, string> = {
  exec: 'POST /command',
  read: 'GET /files/download',
  write: 'POST /files/upload',
  glob: 'POST /command',
  'watch tick': 'POST /command',
  'process start': 'POST /command',
  dispose: 'DELETE /sandboxes/{sandboxId}',
};

/** What a cell must produce: the operation's result, or an error with this code (and status / retryable when given). */
type Outcome = 'recovered' | { code: SandboxErrorCode; status?: number; retryable?: boolean };

const IDEMPOTENT: readonly Operation[] = ['read', 'write', 'glob', 'watch tick', 'dispose'];

function expected(fault: Fault, op: Operation): Outcome {
  switch (fault) {
    case 'latency':
      return 'recovered';
    case '5xx once':
      return IDEMPOTENT.includes(op) ? 'recovered' : { code: 'BACKEND_ERROR', status: 503, retryable: true };
    case '5xx always':
      return op === 'watch tick' ? { code: 'BACKEND_ERROR', status: 503 } : { code: 'BACKEND_ERROR', status: 503, retryable: true };
    case '429 once':
      return IDEMPOTENT.includes(op) ? 'recovered' : { code: 'RATE_LIMITED', status: 429, retryable: true };
    case 'cut stream':
      if (op === 'exec' || op === 'process start') return { code: 'BACKEND_ERROR', retryable: false };
      return 'recovered'; // glob and watch ticks are retried; read/write/dispose use no stream
    case 'killed mid-run':
      return op === 'dispose' ? 'recovered' : { code: 'SANDBOX_NOT_FOUND', retryable: false };
  }
}

function rule(fault: Fault, op: Operation, sandboxId: string): FaultRule | undefined {
  const route = ROUTE[op];
  switch (fault) {
    case 'latency':
      return { kind: 'latency', route, ms: 300, sandboxId };
    case '5xx once':
      return { kind: 'error', route, status: 503, times: 1, sandboxId };
    case '5xx always':
      return { kind: 'error', route, status: 503, sandboxId };
    case '429 once':
      return { kind: 'error', route, status: 429, retryAfter: '1', times: 1, sandboxId };
    case 'cut stream':
      return op === 'exec' || op === 'process start' || op === 'glob' || op === 'watch tick' ? { kind: 'cut-stream', afterEvents: 1, times: 1, sandboxId } : undefined;
    case 'killed mid-run':
      return undefined;
  }
}

/** Runs one operation; resolves with a check of its result. */
async function run(op: Operation, sandbox: OpenSandbox, arm: () => Promise<void>): Promise<void> {
  switch (op) {
    case 'exec': {
      await arm();
      const result = await sandbox.exec('echo one; echo two');
      expect(result).toMatchObject({ code: 0, stdout: 'one\ntwo\n' });
      return;
    }
    case 'read':
      await sandbox.fs.write('f.txt', 'content');
      await arm();
      expect(await sandbox.fs.read('f.txt')).toBe('content');
      return;
    case 'write':
      await arm();
      await sandbox.fs.write('f.txt', 'written');
      expect((await sandbox.exec('cat f.txt')).stdout).toBe('written\n');
      return;
    case 'glob':
      await sandbox.fs.write('g/a.ts', 'a');
      await arm();
      expect(await sandbox.fs.glob('**/*.ts')).toEqual(['g/a.ts']);
      return;
    case 'watch tick': {
      const events: WatchEvent[] = [];
      const errors: Error[] = [];
      await sandbox.watchFiles(['.'], (event) => events.push(event), { onError: (error) => errors.push(error) });
      await arm();
      await sandbox.fs.write('w.txt', 'x');
      const seen = (): boolean => events.some((e) => e.path.endsWith('/w.txt'));
      const deadline = Date.now() + 10_000;
      while (!seen() && errors.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      if (!seen()) throw errors[0] ?? new Error('no event and no error');
      return;
    }
    case 'process start': {
      await arm();
      const { id } = await sandbox.processes.start('echo started');
      expect((await sandbox.processes.wait(id, { timeoutMs: 10_000 })).code).toBe(0);
      return;
    }
    case 'dispose':
      await arm();
      await sandbox.dispose();
      return;
  }
}

const FAULTS: readonly Fault[] = ['latency', '5xx once', '5xx always', '429 once', 'cut stream', 'killed mid-run'];
const OPERATIONS: readonly Operation[] = ['exec', 'read', 'write', 'glob', 'watch tick', 'process start', 'dispose'];

afterEach(async () => {
  fixture.emulator.faults.clear();
  // No orphan: every cell's sandbox is gone from the server, and its host processes with it.
  await expect.poll(() => fixture.emulator.sandboxIds(), { timeout: 10_000 }).toEqual([]);
});

describe('fault matrix (OpenSandbox on the emulator)', () => {
  for (const fault of FAULTS) {
    for (const op of OPERATIONS) {
      const outcome = expected(fault, op);
      const title = outcome === 'recovered' ? 'recovers' : `raises ${outcome.code}${outcome.status ? ` (${outcome.status})` : ''}`;
      it(`${fault} × ${op}: ${title}`, async () => {
        const sandbox = new OpenSandbox(fixture.options({ watch: { mode: 'polling', pollIntervalMs: 100 }, retry: { initialDelayMs: 50, maxDelayMs: 1_500 } }));
        await sandbox.init();
        const id = sandbox.getSandboxId();
        const pid = fixture.emulator.sandboxPid(id);
        const arm = async (): Promise<void> => {
          if (fault === 'killed mid-run') {
            const other = new OpenSandbox(fixture.options({ sandboxId: id }));
            await other.init();
            await other.dispose();
            return;
          }
          const r = rule(fault, op, id);
          if (r) fixture.emulator.faults.add(r);
        };
        let failure: unknown;
        try {
          await run(op, sandbox, arm);
        } catch (error) {
          failure = error;
        }
        fixture.emulator.faults.clear();
        if (outcome === 'recovered') {
          expect(failure, String(failure)).toBeUndefined();
        } else {
          expect(SandboxError.isInstance(failure), String(failure)).toBe(true);
          const error = failure as SandboxError;
          expect(error.code).toBe(outcome.code);
          if (outcome.status !== undefined) expect(error.status).toBe(outcome.status);
          if (outcome.retryable !== undefined) expect(error.retryable).toBe(outcome.retryable);
        }
        await sandbox.dispose().catch(() => sandbox.dispose());
        if (pid !== undefined) {
          await expect.poll(() => isAlive(pid), { timeout: 10_000 }).toBe(false);
        }
      });
    }
  }

  it.each([
    ['execd never ready', 'READY_TIMEOUT', { kind: 'execd-never-ready' }],
    ['execd start failure', 'SANDBOX_START_FAILED', { kind: 'execd-start-failure' }],
    ['image refusal', 'IMAGE_PULL_FAILED', { kind: 'image-pull-failure' }],
    ['5xx on create', 'BACKEND_ERROR', { kind: 'error', route: 'POST /sandboxes', status: 503, times: 1 }],
  ] as const)('%s × init: raises %s and leaves no sandbox', async (_name, code, fault) => {
    fixture.emulator.faults.add(fault);
    const sandbox = new OpenSandbox(fixture.options({ readyTimeoutSeconds: 1 }));
    const error = await sandbox.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as SandboxError).code).toBe(code);
    await sandbox.dispose();
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
