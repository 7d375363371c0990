import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { FaultInjector, parseFaultSpec, validateFault } from '../src/faults';
import { DEFAULT_IMAGE_PROFILES, findImageProfile } from '../src/image-profiles';
import { startEmulator } from '../src/index';
import { execdRouteName } from '../src/route-table';

describe('image profiles', () => {
  it.each([
    ['ubuntu', 'ubuntu'],
    ['ubuntu:24.04', 'ubuntu'],
    ['docker.io/library/ubuntu:22.04', 'ubuntu'],
    ['debian:bookworm-slim', 'debian'],
    ['python:3.12-slim', 'python'],
    ['library/python', 'python'],
    ['kode/minimal', 'minimal'],
    ['kode/minimal:latest', 'minimal'],
  ])('%s → %s', (uri, name) => {
    expect(findImageProfile(DEFAULT_IMAGE_PROFILES, uri)?.name).toBe(name);
  });

  it.each(['alpine', 'ubuntu-custom', 'myorg/ubuntu', 'opensandbox/code-interpreter:latest', 'python3', ''])('%s is unknown', (uri) => {
    expect(findImageProfile(DEFAULT_IMAGE_PROFILES, uri)).toBeUndefined();
  });

  it('the minimal profile hides inotify-tools', () => {
    expect(findImageProfile(DEFAULT_IMAGE_PROFILES, 'kode/minimal')?.hideCommands).toEqual(['inotifywait', 'inotifywatch']);
  });
});

describe('execd route names', () => {
  it.each([
    ['POST', '/command', 'POST /command'],
    ['DELETE', '/command', 'DELETE /command'],
    ['GET', '/command/status/abc', 'GET /command/status/{id}'],
    ['GET', '/command/abc/logs', 'GET /command/{id}/logs'],
    ['POST', '/session/s1/run', 'POST /session/{sessionId}/run'],
    ['GET', '/files/info', 'GET /files/info'],
    ['GET', '/directories/list', 'GET /directories/list'],
    ['GET', '/proxy/8080/a/b', 'GET /proxy/{port}'],
    ['GET', '/unknown', 'GET /unknown'],
  ])('%s %s → %s', (method, path, name) => {
    expect(execdRouteName(method, path)).toBe(name);
  });
});

describe('fault specs', () => {
  it('parses the short form and JSON', () => {
    expect(parseFaultSpec('latency:route=POST /command,ms=200')).toEqual({ kind: 'latency', route: 'POST /command', ms: 200 });
    expect(parseFaultSpec('error:route=GET /files/info,status=503,times=2,code=X')).toEqual({ kind: 'error', route: 'GET /files/info', status: 503, times: 2, code: 'X' });
    expect(parseFaultSpec('execd-never-ready')).toEqual({ kind: 'execd-never-ready' });
    expect(parseFaultSpec('image-pull-failure:image=123')).toEqual({ kind: 'image-pull-failure', image: '123' });
    expect(parseFaultSpec('{"kind":"cut-stream","afterEvents":3}')).toEqual({ kind: 'cut-stream', afterEvents: 3 });
  });

  it.each([
    ['nope', /unknown fault kind/],
    ['latency:ms=5', /needs a route/],
    ['latency:route=*', /needs ms/],
    ['error:route=*,status=200', /between 400 and 599/],
    ['error:route=*,status=500,rate=2', /rate/],
    ['cut-stream', /afterEvents/],
    ['error:route=*,status=500,times=0', /times/],
    ['latency:route', /key=value/],
    ['{bad json', /invalid fault JSON/],
  ])('rejects %s', (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(message);
  });

  it('validateFault rejects non-objects', () => {
    expect(() => validateFault(null)).toThrow(TypeError);
  });

  it('times, after and rate are counted per rule', () => {
    const faults = new FaultInjector();
    faults.add({ kind: 'error', route: 'GET /ping', status: 500, after: 2, times: 2 });
    const fired = Array.from({ length: 6 }, () => faults.errorFor({ route: 'GET /ping' }) !== undefined);
    expect(fired).toEqual([false, false, true, true, false, false]);
    const third = new FaultInjector();
    third.add({ kind: 'error', route: '*', status: 500, rate: 1 / 3 });
    expect(Array.from({ length: 6 }, () => third.errorFor({ route: 'GET /x' }) !== undefined)).toEqual([false, false, true, false, false, true]);
    expect(third.errorFor({ route: 'GET /x', sandboxId: 's' })).toBeUndefined();
  });

  it('latency adds up over matching rules and respects the sandbox scope', () => {
    const faults = new FaultInjector();
    faults.add({ kind: 'latency', route: '*', ms: 10 });
    faults.add({ kind: 'latency', route: 'POST /command', ms: 5, sandboxId: 'a' });
    expect(faults.latencyFor({ route: 'POST /command', sandboxId: 'a' })).toBe(15);
    expect(faults.latencyFor({ route: 'POST /command', sandboxId: 'b' })).toBe(10);
  });
});

describe('startEmulator option errors', () => {
  it('a taken port or an invalid fault rejects and leaves no state directory behind', async () => {
    const first = await startEmulator();
    const scratch = mkdtempSync(join(tmpdir(), 'kode-units-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = scratch; // where the emulator makes its own state directory
    try {
      await expect(startEmulator({ port: first.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      await expect(startEmulator({ faults: [{ kind: 'latency', route: '*' } as never] })).rejects.toThrow(/needs ms/);
      expect(readdirSync(scratch)).toEqual([]);
    } finally {
      process.env.TMPDIR = saved;
      rmSync(scratch, { recursive: true, force: true });
    }
    await first.close();
    expect(existsSync(first.stateDir)).toBe(false);
  });

  it('rejects a state directory too long for execd sockets', async () => {
    await expect(startEmulator({ stateDir: `/tmp/${'x'.repeat(80)}` })).rejects.toThrow(/stateDir is too long/);
  });

  it('rejects an unknown routing mode', async () => {
    await expect(startEmulator({ routing: 'sideways' as never })).rejects.toThrow(TypeError);
  });
});
