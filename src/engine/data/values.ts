/** How the data layer reads one raw cell: shared by the label rules, the encoder, the profile and the split. */

/**
 * A decimal number as CSV exporters write one: optional sign, digits with an optional fraction (or a bare
 * fraction), optional exponent. Number() alone would also take "0x1A" (26), "0b1", "0o7", "Infinity" and "" (0).
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The number a cell holds, or NaN when it does not hold a finite decimal number: blank, a missing-value marker,
 * text, hex or binary literals, "inf", a decimal comma ("2,75"), digit separators ("1_000"), or an overflow
 * ("1e400").
 */
export function parseNumber(cell: string): number {
  const t = cell.trim();
  if (!DECIMAL.test(t)) return NaN;
  const x = Number(t);
  return Number.isFinite(x) ? x : NaN;
}

/**
 * A total order on values: numbers first, in numeric order ("2" before "10"), then the rest by code units.
 * Mixing the two orders pair by pair would not be transitive ("2" < "10" < "1a" < "2").
 */
export function compareValues(a: string, b: string): number {
  return compareParsed(a, parseNumber(a), b, parseNumber(b));
}

/** compareValues of a and b whose parseNumber is x and y: a sort of many values parses each once. */
export function compareParsed(a: string, x: number, b: string, y: number): number {
  const xNum = !Number.isNaN(x);
  const yNum = !Number.isNaN(y);
  if (xNum !== yNum) return xNum ? -1 : 1;
  if (xNum && x !== y) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** How exporters write "no value" (pandas NaN, R NA, SQL NULL, Python None, UCI "?"), besides a blank. */
const MISSING_MARKERS = new Set(['nan', 'na', 'n/a', 'null', 'none', '?']);

/** How a column's cells are read: as category names, as numbers (a numeric feature) or as a task's label. */
export type ColumnReading = 'category' | 'number' | 'label';
export const COLUMN_READINGS: readonly ColumnReading[] = ['category', 'number', 'label'];
const MARKER_READINGS: readonly ColumnReading[] = ['number', 'label'];
const NO_READINGS: readonly ColumnReading[] = [];

/**
 * The one definition of a missing cell, which the mapping table (profile), the encoder and Check data all use:
 * the readings under which the cell holds no value. A blank cell is missing under every reading. A marker (NA,
 * N/A, null, NaN, None, ?, in any case) is missing in a number or a label, but a value of a category: "none" is a
 * MovieLens occupation, "NA" may be North America, and a category of its own loses nothing.
 */
export function readingsMissing(cell: string): readonly ColumnReading[] {
  const t = cell.trim();
  if (t === '') return COLUMN_READINGS;
  return MISSING_MARKERS.has(t.toLowerCase()) ? MARKER_READINGS : NO_READINGS;
}

export function isMissingCell(cell: string, reading: ColumnReading): boolean {
  return readingsMissing(cell).includes(reading);
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a 32-bit of the text's UTF-8 bytes (a lone surrogate counts as U+FFFD, as TextEncoder writes it), computed
 * without encoding the text: the hashed ids of an exported model can be reproduced in any language.
 */
export function fnv1a32(text: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c < 0xe000) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else c = 0xfffd;
    }
    if (c < 0x80) {
      h = Math.imul(h ^ c, FNV_PRIME);
    } else if (c < 0x800) {
      h = Math.imul(h ^ (0xc0 | (c >> 6)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (c & 63)), FNV_PRIME);
    } else if (c < 0x10000) {
      h = Math.imul(h ^ (0xe0 | (c >> 12)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 63)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (c & 63)), FNV_PRIME);
    } else {
      h = Math.imul(h ^ (0xf0 | (c >> 18)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 12) & 63)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 63)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (c & 63)), FNV_PRIME);
    }
  }
  return h >>> 0;
}

/** The hashed id of a non-blank value: 1..buckets (0 is the missing value's). */
export function hashBucket(value: string, buckets: number): number {
  return 1 + (fnv1a32(value) % buckets);
}
