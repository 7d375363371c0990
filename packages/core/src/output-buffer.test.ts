import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_OUTPUT_BYTES } from './exec';
import { OutputBuffer } from './output-buffer';

describe('OutputBuffer', () => {
  it('keeps everything under the cap', () => {
    const buffer = new OutputBuffer(10);
    buffer.append('hello');
    buffer.append(new TextEncoder().encode(' you'));
    expect(buffer.text()).toBe('hello you');
    expect(buffer.truncated).toBe(false);
    expect(buffer.byteLength).toBe(9);
  });

  it('cuts at the cap and sets truncated', () => {
    const buffer = new OutputBuffer(4);
    buffer.append('abcdef');
    buffer.append('more');
    expect(buffer.text()).toBe('abcd');
    expect(buffer.truncated).toBe(true);
  });

  it('never splits a multi-byte character', () => {
    const buffer = new OutputBuffer(4);
    buffer.append('aé€'); // 1 + 2 + 3 bytes
    expect(buffer.text()).toBe('aé');
    expect(buffer.byteLength).toBe(3);
  });

  it('defaults to 10 MiB', () => {
    expect(new OutputBuffer().maxBytes).toBe(DEFAULT_MAX_OUTPUT_BYTES);
  });

  it('keeps O(cap) of one huge string and cuts it at a character boundary', () => {
    const buffer = new OutputBuffer(5);
    buffer.append(`ab€${'x'.repeat(1_000_000)}`);
    expect(buffer.text()).toBe('ab€');
    expect(buffer.byteLength).toBe(5);
    expect(buffer.truncated).toBe(true);
  });

  it('mixes text and bytes in order', () => {
    const buffer = new OutputBuffer(100);
    buffer.append('a');
    buffer.append(new Uint8Array([0x62]));
    buffer.append('c');
    expect(buffer.text()).toBe('abc');
  });
});
