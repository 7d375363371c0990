import type { ExecResult, ProcessOutput, ProcessStatus, SandboxFs, SandboxProcesses } from '@kode/core';
import { recordsCommands, traced, type SpanAttributes } from './telemetry';

/** What the span of each traced method records: attributes from its arguments and its result. */
interface MethodTrace {
  args?: (args: readonly unknown[]) => SpanAttributes;
  result?: (result: unknown) => SpanAttributes;
}

/** Where spans get their backend, sandbox id and secrets. */
export interface TraceContext {
  backend: string;
  sandboxId: () => string | undefined;
  secrets: ReadonlyArray<string | undefined>;
}

const path = (args: readonly unknown[]): SpanAttributes => (typeof args[0] === 'string' ? { 'kode.path': args[0] } : {});
const bytesOf = (value: unknown): number => (typeof value === 'string' ? Buffer.byteLength(value) : value instanceof Uint8Array ? value.byteLength : 0);
const count = (result: unknown): SpanAttributes => (Array.isArray(result) ? { 'kode.count': result.length } : {});
const command = (args: readonly unknown[]): SpanAttributes => (recordsCommands() && typeof args[0] === 'string' ? { 'kode.command': args[0] } : {});

const FS: Partial<Record<keyof SandboxFs, MethodTrace>> = {
  read: { args: path, result: (r) => ({ 'kode.bytes': bytesOf(r) }) },
  readBytes: { args: path, result: (r) => ({ 'kode.bytes': bytesOf(r) }) },
  write: { args: (a) => ({ ...path(a), 'kode.bytes': bytesOf(a[1]) }) },
  exists: { args: path, result: (r) => ({ 'kode.exists': r === true }) },
  stat: { args: path },
  list: { args: path, result: (r) => count(r) },
  mkdir: { args: path },
  rm: { args: path },
  rename: { args: (a) => ({ ...path(a), ...(typeof a[1] === 'string' ? { 'kode.target': a[1] } : {}) }) },
  glob: { args: (a): SpanAttributes => (typeof a[0] === 'string' ? { 'kode.pattern': a[0] } : {}), result: count },
};

const PROCESSES: Partial<Record<keyof SandboxProcesses, MethodTrace>> = {
  start: { args: command, result: (r) => ({ 'kode.process_id': (r as { id: string }).id }) },
  output: { args: (a) => ({ 'kode.process_id': String(a[0]) }), result: (r) => ({ 'kode.bytes': bytesOf((r as ProcessOutput).data) }) },
  wait: { args: (a) => ({ 'kode.process_id': String(a[0]) }), result: (r) => exitOf(r as ProcessStatus) },
  kill: { args: (a) => ({ 'kode.process_id': String(a[0]), 'kode.signal': typeof a[1] === 'string' ? a[1] : 'SIGTERM' }) },
  list: { result: count },
};

function exitOf(status: ProcessStatus): SpanAttributes {
  return { 'kode.running': status.running, ...(status.code === undefined ? {} : { 'kode.exit_code': status.code }) };
}

/** Span attributes of an `exec` result: exit code, byte counts, timeout and truncation. */
export function execResultAttributes(result: ExecResult): SpanAttributes {
  return {
    'kode.exit_code': result.code,
    'kode.stdout_bytes': Buffer.byteLength(result.stdout),
    'kode.stderr_bytes': Buffer.byteLength(result.stderr),
    'kode.timed_out': result.timedOut,
    'kode.truncated': result.truncated,
  };
}

/** Attributes of an `exec` call before it runs (the command only when recording is on). */
export function execAttributes(commandText: unknown): SpanAttributes {
  return command([commandText]);
}

function instrument<T extends object>(target: T, spec: { prefix: string; table: Partial<Record<string, MethodTrace>> }, context: TraceContext): T {
  const { prefix, table } = spec;
  return new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key, object);
      if (typeof value !== 'function') return value;
      const bound = (value as (...args: unknown[]) => unknown).bind(object);
      const spec = typeof key === 'string' ? table[key] : undefined;
      if (spec === undefined) return bound;
      return (...args: unknown[]) =>
        traced(
          {
            operation: `${prefix}.${String(key)}`,
            backend: context.backend,
            sandboxId: context.sandboxId,
            secrets: context.secrets,
            ...(spec.args ? { attributes: spec.args(args) } : {}),
            ...(spec.result ? { resultAttributes: spec.result } : {}),
          },
          () => Promise.resolve(bound(...args)),
        );
    },
  });
}

/** `fs` with one span per I/O method (`kode.fs.read`, `kode.fs.write`, …). */
export function traceFs<T extends SandboxFs>(fs: T, context: TraceContext): T {
  return instrument(fs, { prefix: 'fs', table: FS }, context);
}

/** `processes` with one span per method (`kode.processes.start`, …). */
export function traceProcesses<T extends SandboxProcesses>(processes: T, context: TraceContext): T {
  return instrument(processes, { prefix: 'processes', table: PROCESSES }, context);
}
