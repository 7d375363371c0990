import { describe, expect, it } from 'vitest';
import { OpenSandbox, type InitProgress } from '../src/index';
import { useEmulator } from './emulator-harness';

const fixture = useEmulator();

describe('init({ onProgress })', () => {
  it('reports creating → waiting → preparing → ready, in order, with growing elapsed times', async () => {
    const seen: InitProgress[] = [];
    const sandbox = new OpenSandbox(fixture.options());
    try {
      await sandbox.init({ onProgress: (progress) => seen.push(progress) });
      expect(seen.map((p) => p.phase)).toEqual(['creating', 'waiting', 'preparing', 'ready']);
      const times = seen.map((p) => p.elapsedMs);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      // A restore connects instead of creating; a throwing callback does not break init.
      const restored = new OpenSandbox(fixture.options({ sandboxId: sandbox.getSandboxId(), lifecycle: { disposeAction: 'close' } }));
      const phases: string[] = [];
      await restored.init({
        onProgress: ({ phase }) => {
          phases.push(phase);
          throw new Error('callback bug');
        },
      });
      expect(phases).toEqual(['connecting', 'waiting', 'preparing', 'ready']);
      await restored.dispose();
    } finally {
      await sandbox.dispose();
    }
  });

  it('rejects a bad onProgress and unknown init options', async () => {
    const sandbox = new OpenSandbox(fixture.options());
    await expect(sandbox.init({ onProgress: 'x' as never })).rejects.toThrow(/onProgress/);
    await expect(sandbox.init({ progress: () => undefined } as never)).rejects.toThrow(/progress/);
    await sandbox.dispose();
  });
});
