import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng';
import { compareParsed, compareValues, fnv1a32, hashBucket, isMissingMarker, parseNumber } from './values';

/** FNV-1a 32 over the bytes TextEncoder writes: the definition fnv1a32 must match without encoding. */
function reference(text: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(text)) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

describe('fnv1a32', () => {
  it('gives the published test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes of any text, lone surrogates as U+FFFD', () => {
    const rng = new Rng(7);
    // ASCII, 2- and 3-byte characters, surrogate pairs and lone surrogates.
    const pool = ['a', 'Z', '0', ' ', 'é', 'ß', 'Ω', '日', '€', '😀', '\ud800', '\udfff', '\uffff'];
    for (let i = 0; i < 300; i++) {
      const text = Array.from({ length: rng.int(12) }, () => pool[rng.int(pool.length)]).join('');
      expect(fnv1a32(text)).toBe(reference(text));
    }
  });

  it('puts a value into one of buckets ids, from 1', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(hashBucket(`user${i}`, 5));
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(hashBucket('x', 1)).toBe(1);
  });
});

describe('isMissingMarker', () => {
  it('reads blank, NaN, NA, N/A, null, None and ? in any case as no value, and nothing else', () => {
    for (const m of ['', '  ', 'NaN', 'nan', 'NA', 'n/a', 'NULL', 'None', '?', ' ? '])
      expect(isMissingMarker(m)).toBe(true);
    for (const v of ['0', 'none of them', 'N', '-', 'null0']) expect(isMissingMarker(v)).toBe(false);
  });
});

describe('compareParsed', () => {
  it('orders as compareValues does', () => {
    const values = ['10', '2', '1a', '', 'b', '2.0', '-1', 'a', '1e3'];
    for (const a of values) {
      for (const b of values) {
        expect(Math.sign(compareParsed(a, parseNumber(a), b, parseNumber(b)))).toBe(
          Math.sign(compareValues(a, b)),
        );
      }
    }
    expect([...values].sort(compareValues)).toEqual(['-1', '2', '2.0', '10', '1e3', '', '1a', 'a', 'b']);
  });
});
