/**
 * OpenTelemetry spans and DEBUG logs of the shared front (@kode/driver), on real sandboxes:
 * one span `kode.<operation>` per public operation, with backend, sandbox id, byte counts and exit
 * codes, never a secret; command text only when opted in; `DEBUG=kode:*` prints one line per
 * operation with its timing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import createDebug from 'debug';
import { configureTelemetry } from '@kode/driver';
import { LocalSandbox } from '@kode/local';
import { OpenSandbox } from '@kode/opensandbox';
import { startEmulator, type EmulatorHandle } from '@kode/opensandbox-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const SECRET = 'telemetry-secret-value-42';
const API_KEY = 'telemetry-api-key-0123456789';
const exporter = new InMemorySpanExporter();
let dir: string;
let emulator: EmulatorHandle;

beforeAll(async () => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  dir = await mkdtemp(join(tmpdir(), 'kode-telemetry-'));
  emulator = await startEmulator({ apiKey: API_KEY });
}, 60_000);

afterAll(async () => {
  trace.disable();
  await rm(dir, { recursive: true, force: true });
  await emulator.close();
}, 60_000);

afterEach(() => {
  exporter.reset();
  configureTelemetry({ recordCommands: false });
});

function spans(name: string) {
  return exporter.getFinishedSpans().filter((span) => span.name === name);
}

function everything(): string {
  return JSON.stringify(exporter.getFinishedSpans().map((span) => ({ name: span.name, attributes: span.attributes, events: span.events, status: span.status })));
}

describe('OpenTelemetry spans', () => {
  it('one span per public operation, with backend, sandbox id, byte counts and exit codes (local)', async () => {
    const sandbox = new LocalSandbox({ kind: 'local', workDir: dir, env: { TOKEN: SECRET } });
    await sandbox.init();
    await sandbox.fs.write('a.txt', 'hello');
    expect(await sandbox.fs.read('a.txt')).toBe('hello');
    await sandbox.exec(`echo "$TOKEN"; exit 3`);
    await sandbox.fs.glob('*.txt');
    await sandbox.dispose();

    const id = sandbox.getSandboxId();
    expect(spans('kode.init')).toHaveLength(1);
    const [write] = spans('kode.fs.write');
    expect(write?.attributes).toMatchObject({ 'kode.backend': 'local', 'kode.sandbox_id': id, 'kode.path': 'a.txt', 'kode.bytes': 5 });
    expect(spans('kode.fs.read')[0]?.attributes).toMatchObject({ 'kode.bytes': 5 });
    const [exec] = spans('kode.exec');
    expect(exec?.attributes).toMatchObject({ 'kode.backend': 'local', 'kode.exit_code': 3, 'kode.timed_out': false });
    expect(exec?.attributes['kode.stdout_bytes']).toBe(SECRET.length + 1);
    expect(exec?.attributes['kode.command']).toBeUndefined();
    expect(spans('kode.fs.glob')[0]?.attributes).toMatchObject({ 'kode.count': 1 });
    expect(spans('kode.dispose')).toHaveLength(1);
    expect(everything()).not.toContain(SECRET);
  });

  it('records the command only when opted in, with the sandbox secrets redacted', async () => {
    configureTelemetry({ recordCommands: true });
    const sandbox = new LocalSandbox({ kind: 'local', workDir: dir, env: { TOKEN: SECRET } });
    await sandbox.init();
    await sandbox.exec(`echo ${SECRET} >/dev/null`);
    await sandbox.dispose();
    const command = String(spans('kode.exec')[0]?.attributes['kode.command']);
    expect(command).toContain('echo');
    expect(command).not.toContain(SECRET);
  });

  it('a failed operation ends its span with an error status and the error code, without the API key (OpenSandbox)', async () => {
    const sandbox = new OpenSandbox({ kind: 'opensandbox', endpoint: emulator.url, apiKey: API_KEY });
    await sandbox.init();
    await expect(sandbox.fs.read('/no/such/file')).rejects.toThrow();
    await sandbox.dispose();
    const [read] = spans('kode.fs.read');
    expect(read?.attributes).toMatchObject({ 'kode.backend': 'opensandbox', 'kode.error_code': 'FILE_NOT_FOUND', 'kode.sandbox_id': sandbox.getSandboxId() });
    expect(read?.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(everything()).not.toContain(API_KEY);
  });
});

describe('DEBUG=kode:* logs', () => {
  it('prints one line per operation with its timing to stderr, secrets redacted; nothing when off', async () => {
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const sandbox = new LocalSandbox({ kind: 'local', workDir: dir, env: { TOKEN: SECRET } });
      await sandbox.init();
      await sandbox.fs.write(`${SECRET}.txt`, 'x'); // a secret in a path is redacted too
      expect(lines).toEqual([]); // off by default
      createDebug.enable('kode:*');
      await sandbox.exec('true');
      await sandbox.fs.stat(`${SECRET}.txt`);
      createDebug.disable();
      await sandbox.exec('true');
      await sandbox.dispose();
    } finally {
      process.stderr.write = write;
    }
    const text = lines.join('');
    expect(text).toMatch(/kode:local exec ok \d+ms/);
    expect(text).toMatch(/kode:local fs\.stat \S*\[redacted\]\.txt ok \d+ms/);
    expect(text).not.toContain(SECRET);
    expect(lines.filter((l) => l.includes('exec ok'))).toHaveLength(1);
  });
});
