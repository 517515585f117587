import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng';
import {
  COLUMN_READINGS,
  compareParsed,
  compareValues,
  fnv1a32,
  hashBucket,
  isMissingCell,
  parseNumber,
} from './values';

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

describe('parseNumber', () => {
  it('reads decimal numbers: sign, fraction, exponent, blanks around', () => {
    const cases: [string, number][] = [
      ['0', 0],
      ['-3', -3],
      ['+2.5', 2.5],
      [' 7 ', 7],
      ['.5', 0.5],
      ['1.', 1],
      ['1e3', 1000],
      ['-2.5E-2', -0.025],
      ['007', 7],
      ['1.7976931348623157e308', Number.MAX_VALUE],
    ];
    for (const [cell, x] of cases) expect(parseNumber(cell), cell).toBe(x);
  });

  it('reads nothing else: hex, binary, octal, infinities, overflow, decimal commas, separators, markers', () => {
    const notNumbers = [
      '',
      '  ',
      '0x1A',
      '0b1',
      '0o7',
      'Infinity',
      '-Infinity',
      'inf',
      'NaN',
      '1e400',
      '-1e400',
      '2,75',
      '1_000',
      '1 000',
      '1e',
      'e3',
      '.',
      '-',
      '+.e1',
      '1.2.3',
      '12abc',
      'NA',
    ];
    for (const cell of notNumbers) expect(parseNumber(cell), cell).toBeNaN();
  });
});

describe('isMissingCell', () => {
  const markers = ['NaN', 'nan', 'NA', 'n/a', 'N/A', 'NULL', 'null', 'None', 'none', '?', ' ? '];

  it('takes a blank cell as missing under every reading', () => {
    for (const reading of COLUMN_READINGS) {
      expect(isMissingCell('', reading)).toBe(true);
      expect(isMissingCell('  ', reading)).toBe(true);
    }
  });

  it('takes NA, N/A, null, NaN, None and ? in any case as missing in a number or a label, and a value in a category', () => {
    for (const m of markers) {
      expect(isMissingCell(m, 'number'), m).toBe(true);
      expect(isMissingCell(m, 'label'), m).toBe(true);
      expect(isMissingCell(m, 'category'), m).toBe(false);
    }
  });

  it('takes nothing else as missing', () => {
    for (const reading of COLUMN_READINGS)
      for (const v of ['0', 'none of them', 'N', '-', 'null0', 'x'])
        expect(isMissingCell(v, reading), `${v} as ${reading}`).toBe(false);
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
