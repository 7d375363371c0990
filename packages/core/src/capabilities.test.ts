import { describe, expect, it } from 'vitest';
import { assertCapability, defineCapabilities, hasCapability, type SandboxCapabilities } from './capabilities';
import { UnsupportedCapabilityError } from './errors/error-classes';

const input: SandboxCapabilities = {
  exec: { exactOutput: true, streaming: true, sessions: false },
  fs: { binary: true, confined: false, symlinks: true, streaming: true },
  processes: { background: true, reconnect: false },
  watch: { native: false, polling: true },
  lifecycle: { restore: true, renew: false, pause: false },
  endpoints: false,
};

describe('capabilities', () => {
  it('are deep-frozen copies and JSON-serialisable', () => {
    const caps = defineCapabilities(input);
    expect(Object.isFrozen(caps)).toBe(true);
    expect(Object.isFrozen(caps.exec)).toBe(true);
    expect(caps).not.toBe(input);
    expect(JSON.parse(JSON.stringify(caps))).toEqual(input);
  });

  it('answers dotted paths and throws UnsupportedCapabilityError for absent ones', () => {
    const caps = defineCapabilities(input);
    expect(hasCapability(caps, 'watch.polling')).toBe(true);
    expect(hasCapability(caps, 'watch.native')).toBe(false);
    expect(() => assertCapability(caps, 'watch.polling', 'x')).not.toThrow();
    try {
      assertCapability(caps, 'processes.reconnect', 'demo');
      expect.unreachable();
    } catch (error) {
      expect(UnsupportedCapabilityError.isInstance(error)).toBe(true);
      expect((error as UnsupportedCapabilityError).capability).toBe('processes.reconnect');
      expect((error as UnsupportedCapabilityError).backend).toBe('demo');
    }
  });

  it('answers standalone names (`endpoints`) as plain booleans', () => {
    expect(hasCapability(defineCapabilities(input), 'endpoints')).toBe(false);
    const caps = defineCapabilities({ ...input, endpoints: true });
    expect(caps.endpoints).toBe(true);
    expect(hasCapability(caps, 'endpoints')).toBe(true);
    expect(() => assertCapability(defineCapabilities(input), 'endpoints', 'demo')).toThrow(UnsupportedCapabilityError);
  });
});
