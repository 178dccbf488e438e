import * as vm from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { byteLength, isData, toData } from '../src/data';

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

  it('counts each UTF-8 length class up to its last code point', () => {
    expect(['\x7f', '\x80', '\u07ff', '\u0800', '\uffff', '\u{10000}', '\u{10ffff}'].map(byteLength)).toEqual([
      1, 2, 2, 3, 3, 4, 4,
    ]);
    // Surrogates: a pair is 4 bytes; a high one not followed by a low one, or a low one alone, 3.
    expect(['\udbff\udfff', '\ud800a', '\udc00\ud800', '\ud7ff\udc00', '\ud800\ue000'].map(byteLength)).toEqual([
      4, 4, 6, 6, 6,
    ]);
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

describe('isData and toData', () => {
  it('pass what WebSocket.send takes through untouched, and send anything else as String(value)', () => {
    const buffer = new ArrayBuffer(2);
    const view = new Uint8Array(2);
    const blob = new Blob(['x']);
    for (const data of ['', 'text', buffer, view, new DataView(buffer), blob]) {
      expect(isData(data)).toBe(true);
      expect(toData(data)).toBe(data);
    }
    for (const value of [42, null, undefined, true, { a: 1 }, [1, 2]]) expect(isData(value)).toBe(false);
    expect([42, null, undefined, { a: 1 }, [1, 2]].map(toData)).toEqual([
      '42',
      'null',
      'undefined',
      '[object Object]',
      '1,2',
    ]);
  });

  it('take binary data of another realm (a same-origin iframe, a vm context) as binary, not as its String()', () => {
    const other = vm.runInNewContext('({ buffer: new Uint8Array([1, 2, 3]).buffer, view: new Uint16Array(2) })') as {
      buffer: ArrayBuffer;
      view: Uint16Array;
    };
    expect(other.buffer instanceof ArrayBuffer).toBe(false);
    for (const data of [other.buffer, other.view, new File(['x'], 'x.txt')]) {
      expect(isData(data)).toBe(true);
      expect(toData(data)).toBe(data);
    }
    expect(byteLength(other.buffer)).toBe(3);
    // A Map or a Date is no data, whatever realm: sent as its String().
    expect(isData(vm.runInNewContext('new Map()'))).toBe(false);
  });

  it('work where there is no Blob (React Native, old runtimes)', () => {
    vi.stubGlobal('Blob', undefined);
    try {
      expect(isData({ size: 1 })).toBe(false);
      expect(isData('x')).toBe(true);
      expect(toData({ size: 1 })).toBe('[object Object]');
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
