/** Train / valid / test assignment: read from a column, or a seeded shuffle with exact counts. */
import { Rng } from '../util/rng';
import { cellAt, type TableColumn } from './table';
import { DataError, SPLITS, type SplitName } from './types';

export const DEFAULT_SPLIT_RATIOS: [number, number, number] = [0.8, 0.1, 0.1];
export const DEFAULT_SPLIT_SEED = 1;

/** Index into SPLITS: 0 train, 1 valid, 2 test. */
export type SplitCode = 0 | 1 | 2;

const SPLIT_WORDS = new Map<string, SplitCode>([
  ['train', 0],
  ['valid', 1],
  ['val', 1],
  ['validation', 1],
  ['test', 2],
]);

/** Split sizes of n rows: floor(ratio × n) for train and valid, the rest test. */
export function splitCounts(
  n: number,
  ratios: readonly number[] = DEFAULT_SPLIT_RATIOS,
): [number, number, number] {
  const sum = ratios.length === 3 ? ratios[0] + ratios[1] + ratios[2] : NaN;
  if (ratios.some((r) => !(r >= 0)) || !(sum > 0)) {
    throw new DataError(
      `split ratios must be three non-negative numbers with a positive sum, not [${ratios.join(', ')}]`,
    );
  }
  // The epsilon keeps 0.29 × 100 = 28.999999999999996 from flooring to 28.
  const train = Math.min(n, Math.floor((ratios[0] / sum) * n + 1e-9));
  const valid = Math.min(n - train, Math.floor((ratios[1] / sum) * n + 1e-9));
  return [train, valid, n - train - valid];
}

/**
 * Seeded random split of rows 0..n-1. The assignment depends on n, the ratios and the seed only, so the same
 * seed gives the same split whatever the mapping, model or run.
 */
export function randomSplit(
  n: number,
  ratios: readonly number[] = DEFAULT_SPLIT_RATIOS,
  seed: number = DEFAULT_SPLIT_SEED,
): Uint8Array {
  const [train, valid] = splitCounts(n, ratios);
  const order = new Rng(seed).shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const codes = new Uint8Array(n).fill(2);
  for (let i = 0; i < train; i++) codes[order[i]] = 0;
  for (let i = train; i < train + valid; i++) codes[order[i]] = 1;
  return codes;
}

/**
 * Reads a split column: train, valid (or val, validation) and test in any case, read once per distinct value.
 * codes[k] is the split of table row rows[k]; fileRow(r) names table row r in messages.
 */
export function splitFromColumn(
  cells: TableColumn,
  column: string,
  rows: ArrayLike<number>,
  fileRow: (tableRow: number) => number,
): Uint8Array {
  const splitOf = cells.values.map((v) => SPLIT_WORDS.get(v.trim().toLowerCase()) ?? -1);
  const codes = new Uint8Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const code = splitOf[cells.codes[rows[k]]];
    if (code < 0) {
      const row = fileRow(rows[k]);
      throw new DataError(
        `row ${row}: the split column "${column}" holds "${cellAt(cells, rows[k])}"; it may hold train, valid ` +
          `(val, validation) or test`,
        column,
        row,
      );
    }
    codes[k] = code;
  }
  return codes;
}

/** The positions holding each split code, in order. */
export function splitRows(codes: Uint8Array): Record<SplitName, Int32Array> {
  const counts = [0, 0, 0];
  for (let k = 0; k < codes.length; k++) counts[codes[k]]++;
  const out = SPLITS.map((_, s) => new Int32Array(counts[s]));
  const at = [0, 0, 0];
  for (let k = 0; k < codes.length; k++) out[codes[k]][at[codes[k]]++] = k;
  return { train: out[0], valid: out[1], test: out[2] };
}
