import { describe, expect, it } from 'vitest';
import { randomSplit, splitCounts, splitFromColumn, splitRows } from './split';
import { columnOf } from './table';
import { DataError } from './types';

const tally = (codes: Uint8Array) => [0, 1, 2].map((s) => codes.filter((c) => c === s).length);

describe('randomSplit', () => {
  it('gives the same assignment for the same seed and a different one for another seed', () => {
    const a = randomSplit(1000, [0.8, 0.1, 0.1], 5);
    expect(randomSplit(1000, [0.8, 0.1, 0.1], 5)).toEqual(a);
    expect(randomSplit(1000, [0.8, 0.1, 0.1], 6)).not.toEqual(a);
  });

  it('defaults to 80/10/10 with seed 1', () => {
    expect(randomSplit(1000)).toEqual(randomSplit(1000, [0.8, 0.1, 0.1], 1));
  });

  it('assigns exact counts: floor(ratio × n) for train and valid, the rest to test', () => {
    expect(tally(randomSplit(1000))).toEqual([800, 100, 100]);
    expect(tally(randomSplit(99, [0.8, 0.1, 0.1], 3))).toEqual([79, 9, 11]);
    expect(tally(randomSplit(10, [1, 0, 0]))).toEqual([10, 0, 0]);
    // Ratios need not sum to 1.
    expect(tally(randomSplit(100, [2, 1, 1]))).toEqual([50, 25, 25]);
  });

  it('does not lose a row to floating point (0.29 × 100 is 28.999…)', () => {
    expect(splitCounts(100, [0.29, 0.71, 0])).toEqual([29, 71, 0]);
  });

  it('shuffles rather than cutting the file in blocks', () => {
    const codes = randomSplit(1000);
    expect(tally(codes.subarray(900))).not.toEqual([0, 0, 100]);
    expect(tally(codes.subarray(0, 800))[0]).toBeLessThan(800);
  });

  it('rejects ratios that are negative or sum to zero', () => {
    expect(() => splitCounts(10, [0, 0, 0])).toThrow(DataError);
    expect(() => splitCounts(10, [1, -1, 1])).toThrow(/non-negative/);
  });
});

describe('splitFromColumn', () => {
  const fileRow = (r: number) => r + 2;

  it('reads train, valid and test in any case, with val and validation for valid', () => {
    const values = ['train', 'TRAIN', ' Valid ', 'val', 'validation', 'Test'];
    const codes = splitFromColumn(columnOf(values), 'split', [0, 1, 2, 3, 4, 5], fileRow);
    expect(Array.from(codes)).toEqual([0, 0, 1, 1, 1, 2]);
  });

  it('reads only the given rows, in their order', () => {
    expect(Array.from(splitFromColumn(columnOf(['test', 'oops', 'train']), 's', [2, 0], fileRow))).toEqual([
      0, 2,
    ]);
  });

  it('names the row and the column of any other value', () => {
    let err: DataError | undefined;
    try {
      splitFromColumn(columnOf(['train', 'testing']), 'fold', [0, 1], fileRow);
    } catch (e) {
      err = e as DataError;
    }
    expect(err).toBeInstanceOf(DataError);
    expect(err!.message).toMatch(/row 3: the split column "fold" holds "testing"/);
    expect(err!.column).toBe('fold');
    expect(err!.row).toBe(3);
    expect(() => splitFromColumn(columnOf(['']), 'fold', [0], fileRow)).toThrow(/holds ""/);
  });
});

describe('splitRows', () => {
  it('lists the positions of each split in order', () => {
    const s = splitRows(Uint8Array.from([2, 0, 0, 1, 2, 0]));
    expect(Array.from(s.train)).toEqual([1, 2, 5]);
    expect(Array.from(s.valid)).toEqual([3]);
    expect(Array.from(s.test)).toEqual([0, 4]);
  });
});
