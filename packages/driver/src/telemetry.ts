import createDebug from 'debug';
import { redactSecrets, SandboxError } from '@kode/core';

/** Attribute values a span carries. */
export type SpanAttributes = Record<string, string | number | boolean>;

/** The subset of `@opentelemetry/api` the front uses (loaded lazily, optional). */
interface OtelApi {
  trace: { getTracer(name: string, version?: string): OtelTracer };
  SpanStatusCode: { ERROR: number };
}
interface OtelTracer {
  startActiveSpan<T>(name: string, options: { attributes: SpanAttributes }, fn: (span: OtelSpan) => T): T;
}
interface OtelSpan {
  setAttributes(attributes: SpanAttributes): void;
  setStatus(status: { code: number; message?: string }): void;
  recordException(exception: { name: string; message: string }): void;
  end(): void;
}

/** Options of {@link configureTelemetry}. */
export interface TelemetryOptions {
  /**
   * Record the command text of `exec` and `processes.start` as the span attribute
   * `kode.command` (secrets of the sandbox redacted). Default `false`, or `true` when the
   * environment variable `KODE_OTEL_RECORD_COMMANDS=1`: commands often carry tokens.
   */
  recordCommands?: boolean;
}

const settings: Required<TelemetryOptions> = { recordCommands: process.env.KODE_OTEL_RECORD_COMMANDS === '1' };

/** Sets process-wide telemetry options; fields left out keep their value. Idempotent. */
export function configureTelemetry(options: TelemetryOptions): void {
  if (options.recordCommands !== undefined) settings.recordCommands = options.recordCommands;
}

/** Whether command text may be recorded (see {@link TelemetryOptions.recordCommands}). */
export function recordsCommands(): boolean {
  return settings.recordCommands;
}

let otel: OtelApi | null | undefined;
let loading: Promise<void> | undefined;

/** Loads `@opentelemetry/api` once if it is installed; without it every span is a no-op. */
function loadOtel(): Promise<void> {
  loading ??= import('@opentelemetry/api').then(
    (api) => {
      otel = api;
    },
    () => {
      otel = null;
    },
  );
  return loading;
}

const loggers = new Map<string, createDebug.Debugger>();
function logger(backend: string): createDebug.Debugger {
  let log = loggers.get(backend);
  if (log === undefined) {
    log = createDebug(`kode:${backend}`);
    log.log = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(' ')}\n`);
    loggers.set(backend, log);
  }
  return log;
}

/** What one traced operation knows about itself. */
export interface TraceRequest<T> {
  /** Span name without the prefix, e.g. `exec` or `fs.read`; the span is `kode.<operation>`. */
  operation: string;
  backend: string;
  /** The sandbox id, once known. */
  sandboxId: () => string | undefined;
  /** Attributes known before the call (paths, byte counts of inputs, the command when recorded). */
  attributes?: SpanAttributes;
  /** Attributes of the result (byte counts, exit code). */
  resultAttributes?: (result: T) => SpanAttributes;
  /** Secrets to redact from anything logged or recorded. */
  secrets: ReadonlyArray<string | undefined>;
}

/**
 * Runs `run` inside a span `kode.<operation>` (when `@opentelemetry/api` is installed and a tracer
 * provider registered) and, with `DEBUG=kode:*` or `DEBUG=kode:<backend>`, prints one line to stderr:
 * operation, target, outcome and milliseconds. Attributes never carry a secret: `kode.backend`,
 * `kode.sandbox_id`, paths, byte counts, exit codes, error codes; the command only when opted in.
 */
export async function traced<T>(request: TraceRequest<T>, run: () => Promise<T>): Promise<T> {
  if (otel === undefined) await loadOtel();
  const log = logger(request.backend);
  const started = performance.now();
  const base: SpanAttributes = { 'kode.backend': request.backend, ...redactAttributes(request.attributes, request.secrets) };
  const finish = (outcome: string, extra: SpanAttributes): void => {
    if (!log.enabled) return;
    const target = base['kode.path'] ?? base['kode.command'] ?? '';
    log(redactSecrets(`${request.operation}${target === '' ? '' : ` ${String(target)}`} ${outcome} ${Math.round(performance.now() - started)}ms${describeExtra(extra)}`, request.secrets));
  };
  const api = otel;
  if (!api) {
    try {
      const result = await run();
      finish('ok', request.resultAttributes?.(result) ?? {});
      return result;
    } catch (error) {
      finish(`failed ${errorCode(error)}`, {});
      throw error;
    }
  }
  const tracer = api.trace.getTracer('@kode/driver');
  return tracer.startActiveSpan(`kode.${request.operation}`, { attributes: base }, async (span) => {
    try {
      const result = await run();
      const extra = request.resultAttributes?.(result) ?? {};
      const id = request.sandboxId();
      span.setAttributes({ ...extra, ...(id === undefined ? {} : { 'kode.sandbox_id': id }) });
      finish('ok', extra);
      return result;
    } catch (error) {
      const id = request.sandboxId();
      const code = errorCode(error);
      span.setAttributes({ 'kode.error_code': code, ...(id === undefined ? {} : { 'kode.sandbox_id': id }) });
      span.recordException({ name: error instanceof Error ? error.name : 'Error', message: redactSecrets(error instanceof Error ? error.message : String(error), request.secrets) });
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: code });
      finish(`failed ${code}`, {});
      throw error;
    } finally {
      span.end();
    }
  });
}

function errorCode(error: unknown): string {
  return SandboxError.isInstance(error) ? error.code : error instanceof Error ? error.name : 'ERROR';
}

function redactAttributes(attributes: SpanAttributes | undefined, secrets: ReadonlyArray<string | undefined>): SpanAttributes {
  const out: SpanAttributes = {};
  for (const [key, value] of Object.entries(attributes ?? {})) out[key] = typeof value === 'string' ? redactSecrets(value, secrets) : value;
  return out;
}

function describeExtra(extra: SpanAttributes): string {
  const parts = Object.entries(extra).map(([key, value]) => `${key.replace(/^kode\./, '')}=${String(value)}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}
