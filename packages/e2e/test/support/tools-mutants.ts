// Mutants caught by the `tools` conformance group (@kode/tools/conformance): a sandbox wrapped so that a
// background `bash_run` misbehaves the way the tool mutants did.
import type { Sandbox, SandboxProcesses } from '@kode/core';
import type { ConformanceMutant } from '@kode/testkit';

/** `sandbox` with `processes` replaced by `processes(inner)`; everything else is the real sandbox. */
function withProcesses(sandbox: Sandbox, processes: (inner: SandboxProcesses) => Partial<SandboxProcesses>): Sandbox {
  const replaced = processes(sandbox.processes);
  const wrappedProcesses = new Proxy(sandbox.processes, {
    get(target, key) {
      if (Object.prototype.hasOwnProperty.call(replaced, key)) return replaced[key as keyof SandboxProcesses];
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return new Proxy(sandbox, {
    get(target, key) {
      if (key === 'processes') return wrappedProcesses;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The tool mutants, each with the tools case ids built to catch it. */
export const toolsMutants: readonly ConformanceMutant[] = [
  {
    id: 'background-run-ignores-relative-cwd',
    description: 'a background bash_run drops a relative cwd (the command runs in the work directory)',
    groups: ['tools'],
    catchers: ['tools.bash-run-background-relative-cwd'],
    wrap: (s) =>
      withProcesses(s, (inner) => ({
        start: (command, options) => inner.start(command, options?.cwd !== undefined && !options.cwd.startsWith('/') ? { ...options, cwd: undefined } : options),
      })),
  },
  {
    id: 'background-run-returns-before-start',
    description: 'a background bash_run returns a shell id before its command started (a failed start is lost, the id is not yet listed)',
    groups: ['tools'],
    catchers: ['tools.bash-run-background-started'],
    wrap: (s) => {
      // Provisional ids handed out at once; later calls wait for the real start and use its id.
      const pending = new Map<string, Promise<string | undefined>>();
      let next = 0;
      const real = async (id: string): Promise<string> => (await pending.get(id)) ?? id;
      return withProcesses(s, (inner) => ({
        start: (command, options) => {
          const id = `early-${++next}`;
          pending.set(
            id,
            inner.start(command, options).then(
              (started) => started.id,
              () => undefined,
            ),
          );
          return Promise.resolve({ id });
        },
        output: async (id, options) => inner.output(await real(id), options),
        wait: async (id, options) => inner.wait(await real(id), options),
        kill: async (id, signal) => inner.kill(await real(id), signal),
      }));
    },
  },
];
