/**
 * What each column of a parsed table holds: missing cells, distinct values, numbers, the most frequent
 * values, whether it is binary. The mapping proposal and the page's column table read it. Every pass counts codes
 * once and then works per distinct value, so a million rows × forty columns profile in well under a second.
 */
import type { RawTable, TableColumn } from './table';
import { compareValues, parseNumber, readingsMissing, type ColumnReading } from './values';

/**
 * Words that name the positive side of a binary column; without one the rarer value is the positive (the
 * later in value order on a tie).
 */
const POSITIVE_WORDS: ReadonlySet<string> = new Set(['1', 'true', 'yes', 'y']);

/** Most frequent values kept per column. */
export const TOP_VALUES = 8;

export interface ValueCount {
  value: string;
  count: number;
}

export interface ColumnProfile {
  name: string;
  /** Position in the header. */
  index: number;
  rows: number;
  /**
   * Missing cells of the column read as categories (blank cells), as numbers or as a label (blank cells and
   * missing-value markers): values.ts isMissingCell, the definition the encoder and Check data use too.
   */
  missing: Record<ColumnReading, number>;
  /** Missing-value markers (NA, null, None, …) in the column, most frequent first: values of a category only. */
  markers: ValueCount[];
  /**
   * The rest describes the values: the cells that are not missing under any reading (cells compared trimmed).
   * Distinct values.
   */
  distinct: number;
  /** Cells that read as decimal numbers. */
  numeric: number;
  /** Some cell is a number and every number is whole. */
  integer: boolean;
  /** Smallest and largest number; null without numbers. */
  min: number | null;
  max: number | null;
  /** Up to TOP_VALUES values, most frequent first (ties in order of first appearance). */
  top: ValueCount[];
  /**
   * How evenly the rows spread over the values: entropy / log(distinct), 1 when every value has as many rows,
   * towards 0 when one value holds nearly all; 0 for fewer than two values.
   */
  evenness: number;
  /** Exactly two values: which one a task would count as positive. */
  binary: { positive: string; negative: string } | null;
}

export interface TableProfile {
  rows: number;
  columns: ColumnProfile[];
}

/** Row counts per distinct trimmed text. Cells differing only in surrounding blanks are one value. */
function countValues(column: TableColumn): { texts: string[]; counts: ArrayLike<number> } {
  const perCode = new Int32Array(column.values.length);
  const codes = column.codes;
  for (let r = 0; r < codes.length; r++) perCode[codes[r]]++;
  const trimmed = column.values.map((v) => v.trim());
  if (trimmed.every((t, i) => t === column.values[i])) return { texts: trimmed, counts: perCode };
  const at = new Map<string, number>();
  const texts: string[] = [];
  const counts: number[] = [];
  trimmed.forEach((t, code) => {
    const k = at.get(t);
    if (k === undefined) {
      at.set(t, texts.length);
      texts.push(t);
      counts.push(perCode[code]);
    } else {
      counts[k] += perCode[code];
    }
  });
  return { texts, counts };
}

function binarySides(top: ValueCount[]): { positive: string; negative: string } {
  const [a, b] = top;
  const word = (v: string) => POSITIVE_WORDS.has(v.toLowerCase()) || parseNumber(v) === 1;
  let positive: ValueCount;
  if (word(a.value) !== word(b.value)) positive = word(a.value) ? a : b;
  else if (a.count !== b.count) positive = a.count < b.count ? a : b;
  else positive = compareValues(a.value, b.value) > 0 ? a : b;
  return { positive: positive.value, negative: (positive === a ? b : a).value };
}

export function profileColumn(column: TableColumn, name: string, index: number): ColumnProfile {
  const { texts, counts } = countValues(column);
  const rows = column.codes.length;
  const missing: Record<ColumnReading, number> = { category: 0, number: 0, label: 0 };
  const markers: ValueCount[] = [];
  let distinct = 0;
  let numeric = 0;
  let integer = true;
  let min = Infinity;
  let max = -Infinity;
  let entropySum = 0;
  const top: ValueCount[] = [];
  for (let i = 0; i < texts.length; i++) {
    const count = counts[i];
    // A value no row uses any more (rows dropped after parsing) is not in the column.
    if (count === 0) continue;
    const value = texts[i];
    // Once per distinct value: a million-id column makes this the hot loop.
    const missingIn = readingsMissing(value);
    if (missingIn.length > 0) {
      for (const reading of missingIn) missing[reading] += count;
      if (!missingIn.includes('category')) markers.push({ value, count });
      continue;
    }
    const x = parseNumber(value);
    distinct++;
    entropySum += count * Math.log(count);
    if (!Number.isNaN(x)) {
      numeric += count;
      if (!Number.isInteger(x)) integer = false;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    // Values come in order of first appearance, and a tie never moves ahead: ties keep that order.
    if (top.length === TOP_VALUES && count <= top[TOP_VALUES - 1].count) continue;
    let at = Math.min(top.length, TOP_VALUES - 1);
    for (; at > 0 && count > top[at - 1].count; at--) top[at] = top[at - 1];
    top[at] = { value, count };
  }
  const present = rows - missing.label;
  // H = log N − Σ c·log c / N for N present cells.
  const entropy = present > 0 ? Math.log(present) - entropySum / present : 0;
  return {
    name,
    index,
    rows,
    missing,
    markers: markers.sort((a, b) => b.count - a.count),
    distinct,
    numeric,
    integer: numeric > 0 && integer,
    min: numeric > 0 ? min : null,
    max: numeric > 0 ? max : null,
    top,
    evenness: distinct > 1 ? Math.min(1, Math.max(0, entropy / Math.log(distinct))) : 0,
    binary: distinct === 2 ? binarySides(top) : null,
  };
}

/** Distinct values of the column read as categories (its markers are values then) or as numbers or a label. */
export function distinctAs(p: ColumnProfile, reading: ColumnReading): number {
  return p.distinct + (reading === 'category' ? p.markers.length : 0);
}

export function profileTable(table: RawTable): TableProfile {
  return {
    rows: table.numRows,
    columns: table.columns.map((column, i) => profileColumn(column, table.header[i], i)),
  };
}
