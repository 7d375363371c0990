// Mutants caught by the `tools` conformance group (src/tools-cases.ts): a sandbox wrapped so that a
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
];
