import { describe, expectTypeOf, it } from 'vitest';
import type {
  BaseSandboxConfig,
  CapabilityPath,
  ExecOptions,
  ExecResult,
  FileStat,
  ProcessOutput,
  Sandbox,
  SandboxErrorCode,
  WatchEvent,
} from './index';
import { SandboxFactory } from './index';

describe('public contract shapes', () => {
  it('exec', () => {
    expectTypeOf<Sandbox['exec']>().parameters.toEqualTypeOf<[string, ExecOptions?]>();
    expectTypeOf<ExecResult>().toEqualTypeOf<{
      code: number;
      stdout: string;
      stderr: string;
      timedOut: boolean;
      truncated: boolean;
      durationMs: number;
    }>();
    expectTypeOf<ExecOptions['signal']>().toEqualTypeOf<AbortSignal | undefined>();
  });

  it('fs', () => {
    expectTypeOf<FileStat['type']>().toEqualTypeOf<'file' | 'directory' | 'symlink' | 'other'>();
    expectTypeOf<Sandbox['fs']['write']>().parameters.toEqualTypeOf<[string, string | Uint8Array]>();
    expectTypeOf<Sandbox['fs']['readBytes']>().returns.resolves.toEqualTypeOf<Uint8Array>();
    expectTypeOf<Sandbox['fs']['glob']>().returns.resolves.toEqualTypeOf<string[]>();
  });

  it('processes and watch', () => {
    expectTypeOf<ProcessOutput>().toEqualTypeOf<{ data: string; cursor: number; running: boolean; code?: number }>();
    expectTypeOf<Sandbox['processes']['start']>().returns.resolves.toEqualTypeOf<{ id: string }>();
    expectTypeOf<WatchEvent['type']>().toEqualTypeOf<'create' | 'modify' | 'delete'>();
    expectTypeOf<WatchEvent['via']>().toEqualTypeOf<'native' | 'polling'>();
    expectTypeOf<Sandbox['watchFiles']>().returns.resolves.toEqualTypeOf<string>();
  });

  it('lifecycle, config and factory', () => {
    expectTypeOf<Sandbox['init']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<Sandbox['getSandboxId']>().returns.toEqualTypeOf<string>();
    expectTypeOf<Sandbox>().toHaveProperty(Symbol.asyncDispose);
    expectTypeOf<ReturnType<Sandbox['toConfig']>>().toMatchTypeOf<BaseSandboxConfig>();
    expectTypeOf(SandboxFactory.createAsync).returns.resolves.toMatchTypeOf<Sandbox>();
    expectTypeOf<'watch.native'>().toMatchTypeOf<CapabilityPath>();
    // A backend's own fields pass through object literals without a cast (the seed's Agent config).
    expectTypeOf(SandboxFactory.createAsync).toBeCallableWith({
      kind: 'opensandbox',
      endpoint: 'http://127.0.0.1:8080',
      image: 'debian:latest',
      lifecycle: { disposeAction: 'kill' },
    });
    expectTypeOf<'FILE_NOT_FOUND'>().toMatchTypeOf<SandboxErrorCode>();
  });
});
