import { DisposedError, quoteShellArg, type Sandbox } from '@kode/core';
import { expectError } from '../support/errors';
import { delay, waitUntil } from '../support/wait';
import { restoreInstance } from '../support/restore';
import { WatchRecorder } from '../support/watch-recorder';
import type { CaseContext, ConformanceCase } from '../types';

/**
 * Proves that `quiet` got nothing after its mark: a witness watch on another directory must see
 * two changes made one after the other (so at least one full tick of any strategy has passed
 * after the changes under test) while `quiet` stays silent.
 */
async function expectQuiet(ctx: CaseContext, quiet: WatchRecorder): Promise<void> {
  const dir = `${ctx.workdir}/witness`;
  await ctx.sandbox.fs.mkdir(dir);
  const witness = await WatchRecorder.start(ctx.sandbox, [dir]);
  try {
    for (const name of ['w1', 'w2']) {
      await ctx.sandbox.fs.write(`${dir}/${name}`, name);
      await witness.waitFor(`${dir}/${name}`, { timeoutMs: ctx.tolerances.watchLatencyMs });
    }
  } finally {
    await ctx.sandbox.unwatchFiles(witness.id);
  }
  ctx.expect(quiet.afterMark.map((e) => `${e.type} ${e.path}`)).toEqual([]);
}

/** A command writing `count` files named `f-<n>.txt` into `dir` in one go. */
function burstCommand(dir: string, count: number): string {
  return `cd ${quoteShellArg(dir)} && i=0; while [ "$i" -lt ${count} ]; do printf "%s" "$i" > "f-$i.txt"; i=$((i+1)); done`;
}

function watchDir(ctx: CaseContext, name = 'watched'): Promise<string> {
  const dir = `${ctx.workdir}/${name}`;
  return ctx.sandbox.fs.mkdir(dir).then(() => dir);
}

async function unwatch(sandbox: Sandbox, recorder: WatchRecorder): Promise<void> {
  await sandbox.unwatchFiles(recorder.id);
}

/**
 * Cases of the `watch` group. The kit runs the group once per mode the backend supports
 * (`capabilities.watch.native`, `capabilities.watch.polling`), on a sandbox created with that mode.
 */
export const watchCases: readonly ConformanceCase[] = [
  {
    id: 'watch.create',
    group: 'watch',
    title: 'creating a file in a watched directory emits create with its absolute path',
    async run(ctx) {
      const dir = await watchDir(ctx);
      const rec = await WatchRecorder.start(ctx.sandbox, [dir]);
      try {
        await ctx.sandbox.fs.write(`${dir}/new.txt`, 'hello');
        await rec.waitFor(`${dir}/new.txt`, { types: ['create'], timeoutMs: ctx.tolerances.watchLatencyMs });
      } finally {
        await unwatch(ctx.sandbox, rec);
      }
    },
  },
  {
    id: 'watch.modify',
    group: 'watch',
    title: 'fs.write over an existing file emits modify in every mode (never create), and no event for any other path (a backend\'s own temporary files never reach a listener)',
    async run(ctx) {
      const dir = await watchDir(ctx);
      const file = `${dir}/existing.txt`;
      const marker = `${dir}/marker.txt`;
      await ctx.sandbox.fs.write(file, 'v1');
      const rec = await WatchRecorder.start(ctx.sandbox, [dir]);
      try {
        await ctx.sandbox.fs.write(file, 'version two, longer');
        await rec.waitFor(file, { types: ['modify'], timeoutMs: ctx.tolerances.watchLatencyMs });
        // A later change that arrives proves everything the overwrite caused has been delivered.
        await ctx.sandbox.fs.write(marker, 'm');
        await rec.waitFor(marker, { timeoutMs: ctx.tolerances.watchLatencyMs });
        const types = rec.events.filter((e) => e.path === file).map((e) => e.type);
        ctx.expect(types.filter((type) => type !== 'modify'), `event types for ${file}: ${types.join(', ')}`).toEqual([]);
        const others = rec.events.filter((e) => e.path !== file && e.path !== marker).map((e) => `${e.type} ${e.path}`);
        ctx.expect(others, 'events for paths the test never touched').toEqual([]);
      } finally {
        await unwatch(ctx.sandbox, rec);
      }
    },
  },
  {
    id: 'watch.delete',
    group: 'watch',
    title: 'removing a file emits delete',
    async run(ctx) {
      const dir = await watchDir(ctx);
      await ctx.sandbox.fs.write(`${dir}/doomed.txt`, 'x');
      const rec = await WatchRecorder.start(ctx.sandbox, [dir]);
      try {
        await ctx.sandbox.fs.rm(`${dir}/doomed.txt`);
        await rec.waitFor(`${dir}/doomed.txt`, { types: ['delete'], timeoutMs: ctx.tolerances.watchLatencyMs });
      } finally {
        await unwatch(ctx.sandbox, rec);
      }
    },
  },
  {
    id: 'watch.symlink-dangling',
    group: 'watch',
    title: 'creating and removing a dangling symbolic link in a watched directory emits create, then delete',
    requires: ['fs.symlinks'],
    async run(ctx) {
      const dir = await watchDir(ctx);
      const rec = await WatchRecorder.start(ctx.sandbox, [dir]);
      try {
        ctx.expect((await ctx.sandbox.exec('ln -s no-such-target dangling', { cwd: dir })).code).toBe(0);
        await rec.waitFor(`${dir}/dangling`, { types: ['create'], timeoutMs: ctx.tolerances.watchLatencyMs });
        await ctx.sandbox.fs.rm(`${dir}/dangling`);
        await rec.waitFor(`${dir}/dangling`, { types: ['delete'], timeoutMs: ctx.tolerances.watchLatencyMs });
      } finally {
        await unwatch(ctx.sandbox, rec);
      }
    },
  },
  {
    id: 'watch.event-shape',
    group: 'watch',
    title: 'events carry a known type, an absolute path, `via` matching the mode, and a numeric mtimeMs when present',
    async run(ctx) {
      const dir = await watchDir(ctx);
      const rec = await WatchRecorder.start(ctx.sandbox, [dir]);
      try {
        await ctx.sandbox.fs.write(`${dir}/shape.txt`, 'x');
        await rec.waitFor(`${dir}/shape.txt`, { timeoutMs: ctx.tolerances.watchLatencyMs });
      } finally {
        await unwatch(ctx.sandbox, rec);
      }
      for (const event of rec.events) {
        ctx.expect(['create', 'modify', 'delete']).toContain(event.type);
        ctx.expect(event.path.startsWith(`${dir}/`)).toBe(true);
        ctx.expect(event.via).toBe(ctx.watchMode);
        if (event.mtimeMs !== undefined) {
          ctx.expect(typeof event.mtimeMs).toBe('number');
          ctx.expect(Math.abs(event.mtimeMs - Date.now())).toBeLessThan(10 * 60_000);
        }
      }
    },
  },
  {
    id: 'watch.nested-existing',
    group: 'watch',
    title: 'changes deep inside an existing subdirectory are reported (recursive by default)',
    async run(ctx) {
      const dir = await watchDir(ctx);
      await ctx.sandbox.fs.write(`${dir}/a/b/c/deep.txt`, 'v1');
      const rec = await WatchRecorder.start(ctx.sandbox, [dir]);
      try {
        await ctx.sandbox.fs.write(`${dir}/a/b/c/deep.txt`, 'version two');
        await rec.waitFor(`${dir}/a/b/c/deep.txt`, { types: ['modify'], timeoutMs: ctx.tolerances.watchLatencyMs });
      } finally {
        await unwatch(ctx.sandbox, rec);
      }
    },
  },
  {
    id: 'watch.recursive-new-subdirectory',
    group: 'watch',
    title: 'files in subdirectories created after the watch started are reported',
    async run(ctx) {
      const dir = await watchDir(ctx);
      const rec = await WatchRecorder.start(ctx.sandbox, [dir]);
      try {
        await ctx.sandbox.fs.mkdir(`${dir}/later`);
        await ctx.sandbox.fs.write(`${dir}/later/inner/file.txt`, 'x');
        await rec.waitFor(`${dir}/later/inner/file.txt`, { types: ['create', 'modify'], timeoutMs: ctx.tolerances.watchLatencyMs });
        await ctx.sandbox.fs.write(`${dir}/later/inner/second.txt`, 'y');
        await rec.waitFor(`${dir}/later/inner/second.txt`, { types: ['create', 'modify'], timeoutMs: ctx.tolerances.watchLatencyMs });
      } finally {
        await unwatch(ctx.sandbox, rec);
      }
    },
  },
  {
    id: 'watch.not-yet-existing-file',
    group: 'watch',
    title: 'a watched file that does not exist yet reports its creation',
    async run(ctx) {
      const dir = await watchDir(ctx);
      const file = `${dir}/future.txt`;
      const rec = await WatchRecorder.start(ctx.sandbox, [file]);
      try {
        await ctx.sandbox.fs.write(file, 'arrived');
        await rec.waitFor(file, { types: ['create', 'modify'], timeoutMs: ctx.tolerances.watchLatencyMs });
      } finally {
        await unwatch(ctx.sandbox, rec);
      }
    },
  },
  {
    id: 'watch.file-path',
    group: 'watch',
    title: 'watching a single existing file reports its modification',
    async run(ctx) {
      const dir = await watchDir(ctx);
      const file = `${dir}/single.txt`;
      await ctx.sandbox.fs.write(file, 'v1');
      const rec = await WatchRecorder.start(ctx.sandbox, [file]);
      try {
        await ctx.sandbox.fs.write(file, 'version two');
        await rec.waitFor(file, { types: ['modify', 'create'], timeoutMs: ctx.tolerances.watchLatencyMs });
      } finally {
        await unwatch(ctx.sandbox, rec);
      }
    },
  },
  {
    id: 'watch.rename',
    group: 'watch',
    title: 'renaming a file reports the old path deleted and the new path created',
    async run(ctx) {
      const dir = await watchDir(ctx);
      await ctx.sandbox.fs.write(`${dir}/old-name.txt`, 'content');
      const rec = await WatchRecorder.start(ctx.sandbox, [dir]);
      try {
        await ctx.sandbox.fs.rename(`${dir}/old-name.txt`, `${dir}/new-name.txt`);
        await rec.waitFor(`${dir}/old-name.txt`, { types: ['delete'], timeoutMs: ctx.tolerances.watchLatencyMs });
        await rec.waitFor(`${dir}/new-name.txt`, { types: ['create'], timeoutMs: ctx.tolerances.watchLatencyMs });
      } finally {
        await unwatch(ctx.sandbox, rec);
      }
    },
  },
  {
    id: 'watch.multiple-paths',
    group: 'watch',
    title: 'one watch on two directories reports changes in both',
    async run(ctx) {
      const a = await watchDir(ctx, 'left');
      const b = await watchDir(ctx, 'right');
      const rec = await WatchRecorder.start(ctx.sandbox, [a, b]);
      try {
        await ctx.sandbox.fs.write(`${a}/l.txt`, 'l');
        await ctx.sandbox.fs.write(`${b}/r.txt`, 'r');
        await rec.waitFor(`${a}/l.txt`, { timeoutMs: ctx.tolerances.watchLatencyMs });
        await rec.waitFor(`${b}/r.txt`, { timeoutMs: ctx.tolerances.watchLatencyMs });
      } finally {
        await unwatch(ctx.sandbox, rec);
      }
    },
  },
  {
    id: 'watch.burst-200',
    group: 'watch',
    title: '200 files written in a burst: every path is reported at least once after coalescing',
    async run(ctx) {
      const dir = await watchDir(ctx);
      const rec = await WatchRecorder.start(ctx.sandbox, [dir]);
      try {
        const made = await ctx.sandbox.exec(burstCommand(dir, 200), { timeoutMs: 60_000 });
        ctx.expect(made.code).toBe(0);
        const expected = Array.from({ length: 200 }, (_, i) => `${dir}/f-${i}.txt`);
        const deadline = Date.now() + ctx.tolerances.watchLatencyMs * 2;
        let missing = expected;
        while (Date.now() < deadline) {
          const seen = new Set(rec.events.filter((e) => e.type !== 'delete').map((e) => e.path));
          missing = expected.filter((p) => !seen.has(p));
          if (missing.length === 0) break;
          await delay(50);
        }
        ctx.expect(missing.length, `missing events for ${missing.slice(0, 5).join(', ')}…`).toBe(0);
      } finally {
        await unwatch(ctx.sandbox, rec);
      }
    },
  },
  {
    id: 'watch.unwatch-stops-events',
    group: 'watch',
    title: 'after unwatchFiles resolves the listener gets nothing more',
    async run(ctx) {
      const dir = await watchDir(ctx);
      const rec = await WatchRecorder.start(ctx.sandbox, [dir]);
      await ctx.sandbox.fs.write(`${dir}/before.txt`, 'x');
      await rec.waitFor(`${dir}/before.txt`, { timeoutMs: ctx.tolerances.watchLatencyMs });
      await unwatch(ctx.sandbox, rec);
      rec.mark();
      await ctx.sandbox.fs.write(`${dir}/after.txt`, 'y');
      await ctx.sandbox.fs.write(`${dir}/before.txt`, 'changed after unwatch');
      await ctx.sandbox.fs.rm(`${dir}/before.txt`);
      await expectQuiet(ctx, rec);
    },
  },
  {
    id: 'watch.unwatch-during-burst',
    group: 'watch',
    title: 'unwatching while files keep changing: nothing arrives after unwatchFiles resolves',
    async run(ctx) {
      const dir = await watchDir(ctx);
      const control = `${ctx.workdir}/burst-control`;
      await ctx.sandbox.fs.mkdir(control);
      const stop = `${control}/stop`;
      const afterUnwatch = `${control}/after-unwatch`;
      const rec = await WatchRecorder.start(ctx.sandbox, [dir]);
      // Writes continuously until told to stop (bounded to 6000 writes), so unwatch lands mid-burst;
      // once it sees the after-unwatch marker it writes 100 more files before it may stop.
      const writer = [
        `cd ${quoteShellArg(dir)} && i=0; extra=0`,
        `while [ "$i" -lt 6000 ]; do printf "%s" "$i" > "f-$((i % 100)).txt"; i=$((i+1))`,
        `if [ -e ${quoteShellArg(afterUnwatch)} ]; then extra=$((extra+1)); if [ "$extra" -gt 100 ] && [ -e ${quoteShellArg(stop)} ]; then break; fi; fi`,
        'sleep 0.005; done',
      ].join('; ');
      const burst = ctx.sandbox.exec(writer, { timeoutMs: 120_000 });
      burst.catch(() => undefined);
      try {
        await waitUntil(() => rec.events.length > 0, { timeoutMs: ctx.tolerances.watchLatencyMs, what: 'the first event of the burst' });
      } finally {
        await unwatch(ctx.sandbox, rec);
      }
      rec.mark();
      await ctx.sandbox.fs.write(afterUnwatch, '');
      await ctx.sandbox.fs.write(stop, '');
      const result = await burst;
      ctx.expect(result.code).toBe(0);
      await expectQuiet(ctx, rec);
    },
  },
  {
    id: 'watch.unwatch-idempotent',
    group: 'watch',
    title: 'unwatchFiles twice resolves both times',
    async run(ctx) {
      const dir = await watchDir(ctx);
      const rec = await WatchRecorder.start(ctx.sandbox, [dir]);
      await unwatch(ctx.sandbox, rec);
      await unwatch(ctx.sandbox, rec);
    },
  },
  {
    id: 'watch.independent-watches',
    group: 'watch',
    title: 'two watches on one directory are independent: unwatching one leaves the other working',
    async run(ctx) {
      const dir = await watchDir(ctx);
      const first = await WatchRecorder.start(ctx.sandbox, [dir]);
      const second = await WatchRecorder.start(ctx.sandbox, [dir]);
      try {
        await ctx.sandbox.fs.write(`${dir}/both.txt`, 'x');
        await first.waitFor(`${dir}/both.txt`, { timeoutMs: ctx.tolerances.watchLatencyMs });
        await second.waitFor(`${dir}/both.txt`, { timeoutMs: ctx.tolerances.watchLatencyMs });
        await unwatch(ctx.sandbox, first);
        await ctx.sandbox.fs.write(`${dir}/second-only.txt`, 'y');
        await second.waitFor(`${dir}/second-only.txt`, { timeoutMs: ctx.tolerances.watchLatencyMs });
      } finally {
        await unwatch(ctx.sandbox, second);
      }
      ctx.expect(first.has(`${dir}/second-only.txt`)).toBe(false);
    },
  },
  {
    id: 'watch.listener-error-isolated',
    group: 'watch',
    title: 'a listener that throws is reported to onError and the watch keeps going',
    async run(ctx) {
      const dir = await watchDir(ctx);
      const errors: Error[] = [];
      const seen: string[] = [];
      const id = await ctx.sandbox.watchFiles(
        [dir],
        (event) => {
          seen.push(event.path);
          throw new Error('listener failure');
        },
        { onError: (error) => errors.push(error) },
      );
      try {
        await ctx.sandbox.fs.write(`${dir}/one.txt`, '1');
        await waitUntil(() => seen.includes(`${dir}/one.txt`) && errors.length > 0, { timeoutMs: ctx.tolerances.watchLatencyMs, what: 'the listener and onError to be called' });
        await ctx.sandbox.fs.write(`${dir}/two.txt`, '2');
        await waitUntil(() => seen.includes(`${dir}/two.txt`), { timeoutMs: ctx.tolerances.watchLatencyMs, what: 'the next event after a listener error' });
      } finally {
        await ctx.sandbox.unwatchFiles(id);
      }
      ctx.expect(errors[0]?.message ?? String(errors[0])).toContain('listener failure');
    },
  },
  {
    id: 'watch.dispose-closes-watches',
    group: 'watch',
    title: 'dispose closes every watch first: changes made in the same sandbox afterwards reach no listener; watchFiles then raises DisposedError',
    requires: ['lifecycle.restore'],
    skipUnless: ({ target }) => (target.supportsDisposeAction ? undefined : "the target cannot create a sandbox with disposeAction 'close'"),
    async run(ctx) {
      // The disposed instance leaves its sandbox running ('close'), so a second instance of the SAME
      // sandbox (restored from toConfig) can keep changing the watched directory.
      const own = await ctx.createSandbox({ ...ctx.sandboxOptions, disposeAction: 'close' });
      await own.init();
      const dir = `${own.workDir}/kit-dispose-${Date.now().toString(36)}`;
      await own.fs.mkdir(dir);
      const rec = await WatchRecorder.start(own, [dir]);
      const writer = restoreInstance(own, 'kill');
      try {
        await writer.init();
        await own.fs.write(`${dir}/live.txt`, 'x');
        await rec.waitFor(`${dir}/live.txt`, { timeoutMs: ctx.tolerances.watchLatencyMs });
        // The writer really changes what `own` watches: its change reaches the listener before dispose.
        await writer.fs.write(`${dir}/from-writer.txt`, 'w');
        await rec.waitFor(`${dir}/from-writer.txt`, { timeoutMs: ctx.tolerances.watchLatencyMs });
        await own.dispose();
        rec.mark();
        await expectError(() => own.watchFiles([dir], () => undefined), DisposedError, 'watchFiles after dispose');
        await writer.exec(`${burstCommand(dir, 20)} && rm -f ${quoteShellArg(`${dir}/live.txt`)}`);
        // A witness watch in the same sandbox must see two later changes while the disposed listener stays silent.
        const witnessDir = `${dir}-witness`;
        await writer.fs.mkdir(witnessDir);
        const witness = await WatchRecorder.start(writer, [witnessDir]);
        for (const name of ['w1', 'w2']) {
          await writer.fs.write(`${witnessDir}/${name}`, name);
          await witness.waitFor(`${witnessDir}/${name}`, { timeoutMs: ctx.tolerances.watchLatencyMs });
        }
        await writer.unwatchFiles(witness.id);
        ctx.expect(rec.afterMark.map((e) => `${e.type} ${e.path}`)).toEqual([]);
        await writer.fs.rm(dir, { recursive: true, force: true });
        await writer.fs.rm(witnessDir, { recursive: true, force: true });
      } finally {
        await writer.dispose();
      }
    },
  },
  {
    id: 'watch.fallback',
    group: 'watch',
    title: 'native requested with inotifywait hidden: events still arrive and onFallback is called exactly once',
    skipUnless: ({ watchMode, target }) =>
      watchMode !== 'native' ? 'runs in the native watch group only' : target.supportsHideInotifywait ? undefined : 'the target cannot hide inotifywait',
    async run(ctx) {
      const own = await ctx.createSandbox({ ...ctx.sandboxOptions, hideInotifywait: true });
      await own.init();
      const dir = `${own.workDir}/kit-fallback-${Date.now().toString(36)}`;
      await own.fs.mkdir(dir);
      const reasons: string[] = [];
      const rec = await WatchRecorder.start(own, [dir], { onFallback: (reason) => reasons.push(reason) });
      await own.fs.write(`${dir}/first.txt`, '1');
      await rec.waitFor(`${dir}/first.txt`, { types: ['create', 'modify'], timeoutMs: ctx.tolerances.watchLatencyMs });
      await own.fs.write(`${dir}/second.txt`, '2');
      await rec.waitFor(`${dir}/second.txt`, { types: ['create', 'modify'], timeoutMs: ctx.tolerances.watchLatencyMs });
      await own.unwatchFiles(rec.id);
      ctx.expect(reasons).toHaveLength(1);
      ctx.expect(typeof reasons[0]).toBe('string');
      ctx.expect(rec.events.every((e) => e.via === 'polling')).toBe(true);
    },
  },
  {
    id: 'watch.off-mode-inert',
    group: 'watch',
    title: "watch.mode 'off' registers nothing: an inert id, no events, unwatch resolves",
    skipUnless: ({ watchMode, watchModes }) => (watchMode === watchModes[0] ? undefined : 'runs once, in the first watch group'),
    async run(ctx) {
      const own = await ctx.createSandbox({ watch: { mode: 'off' } });
      await own.init();
      const dir = `${own.workDir}/kit-off-${Date.now().toString(36)}`;
      await own.fs.mkdir(dir);
      const rec = await WatchRecorder.start(own, [dir]);
      ctx.expect(typeof rec.id).toBe('string');
      await own.fs.write(`${dir}/ignored.txt`, 'x');
      await delay(ctx.tolerances.pollIntervalMs * 3 + 300);
      await own.unwatchFiles(rec.id);
      ctx.expect(rec.events).toEqual([]);
    },
  },
];
