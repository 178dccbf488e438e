import { describe, expect, it } from 'vitest';
import { byteLength } from '../src/data';

describe('byteLength', () => {
  it('counts strings as UTF-8 bytes', () => {
    expect(byteLength('abc')).toBe(3);
    expect(byteLength('é')).toBe(2);
    expect(byteLength('€')).toBe(3);
    expect(byteLength('😀')).toBe(4);
    expect(byteLength('a😀é€')).toBe(10);
    expect(byteLength('\ud800')).toBe(3);
    expect(byteLength('x\udc00y')).toBe(5);
  });

  it('agrees with TextEncoder on arbitrary strings', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => byteLength(s) === new TextEncoder().encode(s).length));
  });

  it('counts binary data by byteLength and Blobs by size', () => {
    expect(byteLength(new ArrayBuffer(7))).toBe(7);
    expect(byteLength(new Uint16Array(4))).toBe(8);
    expect(byteLength(new DataView(new ArrayBuffer(5)))).toBe(5);
    expect(byteLength(new Blob(['hello']))).toBe(5);
  });
});
