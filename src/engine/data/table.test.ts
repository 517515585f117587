import { describe, expect, it } from 'vitest';
import { cellAt, ColumnBuilder, columnOf, tableOf } from './table';

describe('ColumnBuilder', () => {
  it('keeps each distinct cell once, in order of first appearance, and one code per row', () => {
    const cells = ['b', 'a', 'b', 'b', '', 'a', 'c'];
    const col = columnOf(cells);
    expect(col.values).toEqual(['b', 'a', '', 'c']);
    expect(Array.from(col.codes)).toEqual([0, 1, 0, 0, 2, 1, 3]);
    expect(cells.map((_, r) => cellAt(col, r))).toEqual(cells);
  });

  it('grows past its initial capacity and returns exactly the rows pushed', () => {
    const b = new ColumnBuilder();
    for (let r = 0; r < 5000; r++) b.push(`value number ${r % 37} of a long column`);
    const col = b.finish();
    expect(col.codes.length).toBe(5000);
    expect(col.values.length).toBe(37);
    expect(cellAt(col, 4999)).toBe(`value number ${4999 % 37} of a long column`);
  });
});

describe('tableOf', () => {
  it('builds dictionary-coded columns from rows', () => {
    const t = tableOf(
      ['x', 'y'],
      [
        ['1', 'a'],
        ['2', 'a'],
      ],
    );
    expect(t.numRows).toBe(2);
    expect(t.columns[1]).toEqual({ values: ['a'], codes: Int32Array.from([0, 0]) });
    expect(t.notes).toEqual([]);
  });
});
