import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng';
import { BatchAssembler, shuffledEpoch } from './batches';
import { parseCsv } from './csv';
import { encodeDataset } from './encode';

// Row i has c = "c<i>", x = i and labels y = i % 2, z blank on row 3: every slot can be traced to its row.
const ds = encodeDataset(
  parseCsv(
    'dom,c,x,y,z,split\n' +
      Array.from(
        { length: 7 },
        (_, i) => `${i % 2 ? 'a' : 'b'},c${i},${i},${i % 2},${i === 3 ? '' : (i + 1) % 2},train`,
      ).join('\n'),
  ),
  {
    domain: 'dom',
    tasks: [
      { name: 'y', column: 'y', rule: '== 1' },
      { name: 'z', column: 'z', rule: '== 1' },
    ],
    numeric: ['x'],
    split: 'split',
  },
);

/** The dataset row a batch slot holds, read back from its x value. */
function rowOf(a: BatchAssembler, slot: number): number {
  const { mean, std } = ds.schema.numeric[0];
  return Math.round(a.num[slot] * std + mean);
}

describe('BatchAssembler', () => {
  it('copies every array of the chosen rows into its slots', () => {
    const a = new BatchAssembler(ds, 3);
    expect(a.fill([4, 0, 3], 0)).toBe(3);
    expect([0, 1, 2].map((s) => rowOf(a, s))).toEqual([4, 0, 3]);
    expect(Array.from(a.cat)).toEqual([4, 0, 3].map((r) => ds.cat[r]));
    expect(Array.from(a.domain)).toEqual([4, 0, 3].map((r) => ds.domain[r]));
    expect(Array.from(a.labels)).toEqual([0, 1, 0, 1, 1, 0]);
    expect(Array.from(a.labelMask)).toEqual([1, 1, 1, 1, 1, 0]);
    expect([a.numCat, a.numNum, a.numTasks]).toEqual([1, 1, 2]);
  });

  it('starts at the given position and pads a short last batch by repeating its own rows', () => {
    const a = new BatchAssembler(ds, 4);
    const rows = Int32Array.from([6, 5, 4, 3, 2, 1]);
    expect(a.fill(rows, 0)).toBe(4);
    expect([0, 1, 2, 3].map((s) => rowOf(a, s))).toEqual([6, 5, 4, 3]);
    expect(a.fill(rows, 4)).toBe(2);
    expect([0, 1, 2, 3].map((s) => rowOf(a, s))).toEqual([2, 1, 2, 1]);
    expect(a.fill(rows, 5)).toBe(1);
    expect([0, 1, 2, 3].map((s) => rowOf(a, s))).toEqual([1, 1, 1, 1]);
  });

  it('keeps its arrays: a batch reuses the memory of the one before', () => {
    const a = new BatchAssembler(ds, 2);
    const cat = a.cat;
    a.fill([0, 1], 0);
    a.fill([2, 3], 0);
    expect(a.cat).toBe(cat);
    expect(a.cat.length).toBe(2);
  });

  it('refuses a start with no rows left and a batch size that is not a positive integer', () => {
    const a = new BatchAssembler(ds, 2);
    expect(() => a.fill([0, 1], 2)).toThrow(RangeError);
    expect(() => a.fill([], 0)).toThrow(RangeError);
    expect(() => new BatchAssembler(ds, 0)).toThrow(RangeError);
    expect(() => new BatchAssembler(ds, 1.5)).toThrow(RangeError);
  });
});

describe('shuffledEpoch', () => {
  it('returns a seeded permutation and leaves the split untouched', () => {
    const train = Int32Array.from({ length: 50 }, (_, i) => i * 2);
    const a = shuffledEpoch(train, new Rng(3));
    expect(Array.from(train)).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from(train));
    expect(a).not.toEqual(train);
    expect(shuffledEpoch(train, new Rng(3))).toEqual(a);
    expect(shuffledEpoch(train, new Rng(4))).not.toEqual(a);
  });
});
