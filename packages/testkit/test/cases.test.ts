import { defineCapabilities, type SandboxCapabilities } from '@kode/core';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_GROUPS, conformanceCases } from '../src/conformance-cases';
import { validateConformanceTarget } from '../src/describe-conformance';
import { conformanceMutants, mutantSkipReason } from '../src/mutants';
import { gateCase, supportedWatchModes } from '../src/run-case';
import type { ConformanceCase, ConformanceTarget } from '../src/types';

const allTrue: SandboxCapabilities = defineCapabilities({
  exec: { exactOutput: true, streaming: true, sessions: true },
  fs: { binary: true, confined: true, symlinks: true, streaming: true },
  processes: { background: true, reconnect: true },
  watch: { native: true, polling: true },
  lifecycle: { restore: true, renew: false, pause: true },
  endpoints: true,
});
const remoteLike: SandboxCapabilities = defineCapabilities({
  exec: { exactOutput: false, streaming: true, sessions: false },
  fs: { binary: true, confined: false, symlinks: true, streaming: true },
  processes: { background: false, reconnect: false },
  watch: { native: false, polling: true },
  lifecycle: { restore: true, renew: false, pause: false },
  endpoints: false,
});
const target: ConformanceTarget = { name: 'unit', create: () => Promise.reject(new Error('not used')) };

function byId(id: string): ConformanceCase {
  const found = conformanceCases.find((c) => c.id === id);
  if (!found) throw new Error(`no case ${id}`);
  return found;
}

describe('conformance cases as data', () => {
  it('has at least 60 cases with unique, dotted, group-prefixed ids', () => {
    expect(conformanceCases.length).toBeGreaterThanOrEqual(60);
    expect(() => validateConformanceTarget(target, conformanceCases)).not.toThrow();
    for (const kase of conformanceCases) {
      expect(CONFORMANCE_GROUPS).toContain(kase.group);
      expect(kase.id.startsWith(`${kase.group}.`)).toBe(true);
      expect(kase.title.length).toBeGreaterThan(5);
    }
  });

  it('covers every semantic the issue names', () => {
    const required = [
      'exec.exit-code-0', 'exec.exit-code-1', 'exec.exit-code-127', 'exec.stdout-stderr-separate', 'exec.env', 'exec.cwd-relative',
      'exec.timeout-kills-grandchild', 'exec.timeout-code-124', 'exec.abort-rejects-with-reason', 'exec.abort-kills-tree', 'exec.output-5mib',
      'exec.output-truncated', 'exec.streaming-callbacks', 'exec.unicode-output', 'exec.concurrent-20', 'fs.binary-round-trip',
      'fs.unicode-round-trip', 'fs.list-1000-files', 'fs.write-creates-parents', 'fs.not-found.read', 'fs.not-found.read-bytes',
      'fs.not-found.stat', 'fs.not-found.list', 'fs.not-found.rm', 'fs.not-found.rename', 'fs.escape-dotdot', 'fs.escape-symlink',
      'fs.absolute-paths-unconfined', 'fs.glob.globstar-all', 'fs.glob.star', 'fs.glob.dotfiles-with-dot', 'fs.glob.dotfiles-without-dot',
      'fs.glob.ignore-directory-prunes', 'fs.glob.sorting', 'fs.glob.absolute', 'fs.glob.limit', 'fs.glob.cwd', 'processes.output-cursor',
      'processes.kill-tree', 'processes.wait-exit-code', 'processes.list', 'processes.reconnect', 'watch.create', 'watch.modify', 'watch.delete',
      'watch.recursive-new-subdirectory', 'watch.not-yet-existing-file', 'watch.rename', 'watch.burst-200', 'watch.unwatch-stops-events',
      'watch.unwatch-during-burst', 'watch.dispose-closes-watches', 'watch.fallback', 'lifecycle.init-idempotent', 'lifecycle.dispose-idempotent',
      'lifecycle.use-after-dispose', 'lifecycle.use-before-init', 'lifecycle.to-config-restores', 'lifecycle.capabilities-frozen',
      'lifecycle.capabilities-json', 'errors.unsupported.processes-background', 'fs.stream.round-trip', 'fs.stream.progress',
      'fs.stream.abort-leaves-no-file', 'fs.stream.abort-read', 'fs.stream.not-found', 'errors.unsupported.fs-streaming',
    ];
    const ids = new Set(conformanceCases.map((c) => c.id));
    expect(required.filter((id) => !ids.has(id))).toEqual([]);
  });

  it('rejects duplicate ids and stale knownFailures at registration', () => {
    const dup = [...conformanceCases, { ...byId('exec.exit-code-0') }];
    expect(() => validateConformanceTarget(target, dup)).toThrow(/used twice/);
    expect(() => validateConformanceTarget({ ...target, knownFailures: { 'exec.gone': 'x' } }, conformanceCases)).toThrow(/unknown case/);
    expect(() => validateConformanceTarget({ ...target, knownFailures: { 'watch.create@inotify': 'x' } }, conformanceCases)).toThrow(/@native or @polling/);
    expect(() => validateConformanceTarget({ ...target, knownFailures: { 'watch.create@polling': 'slow' } }, conformanceCases)).not.toThrow();
  });

  it('mutant ids are unique and each names the groups expected to catch it', () => {
    const ids = conformanceMutants.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(7);
    for (const mutant of conformanceMutants) for (const group of mutant.groups) expect(CONFORMANCE_GROUPS).toContain(group);
  });

  it("every mutant's catchers are cases of its groups; a mutant with `requires` lists every capability they need", () => {
    for (const mutant of conformanceMutants) {
      expect(mutant.catchers.length, mutant.id).toBeGreaterThan(0);
      for (const id of mutant.catchers) {
        const kase = byId(id);
        expect(mutant.groups, `${mutant.id}: ${id}`).toContain(kase.group);
        // Where such a mutant applies, its catchers must run, not be skipped for a capability it did not ask for.
        if (mutant.requires !== undefined) for (const path of kase.requires ?? []) expect(mutant.requires, `${mutant.id}: its catcher ${id} requires ${path}`).toContain(path);
      }
    }
  });

  it('skips a mutant where the backend declares a capability it requires absent', () => {
    const pause = conformanceMutants.find((m) => m.id === 'pause-noop')!;
    expect(mutantSkipReason(pause, { target, capabilities: allTrue })).toBeUndefined();
    expect(mutantSkipReason(pause, { target, capabilities: remoteLike })).toMatch(/lifecycle.pause: false/);
    const env = conformanceMutants.find((m) => m.id === 'to-config-includes-secrets')!;
    expect(mutantSkipReason(env, { target, capabilities: allTrue })).toMatch(/env/);
  });
});

describe('gating reads the capabilities it is given', () => {
  it('skips a case whose required capability is false and runs it when true', () => {
    const kase = byId('processes.output-cursor');
    expect(gateCase(kase, { capabilities: allTrue, target, watchMode: undefined })).toBeUndefined();
    expect(gateCase(kase, { capabilities: remoteLike, target, watchMode: undefined })).toMatch(/processes.background: false/);
  });

  it('runs negative cases only for capabilities declared false', () => {
    const negative = byId('errors.unsupported.processes-background');
    expect(gateCase(negative, { capabilities: allTrue, target, watchMode: undefined })).toMatch(/negative case/);
    expect(gateCase(negative, { capabilities: remoteLike, target, watchMode: undefined })).toBeUndefined();
    expect(gateCase(byId('fs.escape-dotdot'), { capabilities: remoteLike, target, watchMode: undefined })).toBeDefined();
    expect(gateCase(byId('fs.absolute-paths-unconfined'), { capabilities: remoteLike, target, watchMode: undefined })).toBeUndefined();
  });

  it('gates the watch group per mode and the fallback case on the target flag', () => {
    expect(supportedWatchModes(allTrue)).toEqual(['native', 'polling']);
    expect(supportedWatchModes(remoteLike)).toEqual(['polling']);
    expect(gateCase(byId('watch.create'), { capabilities: remoteLike, target, watchMode: 'native' })).toMatch(/watch.native: false/);
    const fallback = byId('watch.fallback');
    expect(gateCase(fallback, { capabilities: allTrue, target, watchMode: 'native' })).toMatch(/cannot hide/);
    expect(gateCase(fallback, { capabilities: allTrue, target: { ...target, supportsHideInotifywait: true }, watchMode: 'native' })).toBeUndefined();
    expect(gateCase(fallback, { capabilities: allTrue, target: { ...target, supportsHideInotifywait: true }, watchMode: 'polling' })).toBeDefined();
    const off = byId('watch.off-mode-inert');
    expect(gateCase(off, { capabilities: allTrue, target, watchMode: 'native' })).toBeUndefined();
    expect(gateCase(off, { capabilities: allTrue, target, watchMode: 'polling' })).toBeDefined();
    expect(gateCase(off, { capabilities: remoteLike, target, watchMode: 'polling' })).toBeUndefined();
  });
});
