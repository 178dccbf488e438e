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
    // Code points from each UTF-8 length class, lone surrogates (and pairs made of two) among them.
    // Not fast-check's `unit: 'binary'`: its first use costs ~11 s of set-up, past the test timeout
    // on a loaded machine and on every mutant of this file under Stryker.
    const codePoint = (min: number, max: number) => fc.integer({ min, max }).map((c) => String.fromCodePoint(c));
    const unit = fc.oneof(
      codePoint(0, 0x7f),
      codePoint(0x80, 0x7ff),
      codePoint(0x800, 0xffff),
      codePoint(0xd800, 0xdfff),
      codePoint(0x10000, 0x10ffff),
    );
    fc.assert(fc.property(fc.string({ unit }), (s) => byteLength(s) === new TextEncoder().encode(s).length));
  });

  it('counts binary data by byteLength and Blobs by size', () => {
    expect(byteLength(new ArrayBuffer(7))).toBe(7);
    expect(byteLength(new Uint16Array(4))).toBe(8);
    expect(byteLength(new DataView(new ArrayBuffer(5)))).toBe(5);
    expect(byteLength(new Blob(['hello']))).toBe(5);
  });
});
