import { describe, expect, it } from 'vitest';
import { distinctAs, profileColumn, profileTable, TOP_VALUES } from './profile';
import { columnOf, tableOf } from './table';

/** The profile of one column given as its cells. */
const profileOf = (cells: string[]) => profileColumn(columnOf(cells), 'c', 0);

describe('profileTable', () => {
  it('profiles every column with its name, position and row count', () => {
    const p = profileTable(
      tableOf(
        ['a', 'b'],
        [
          ['1', 'x'],
          ['2', 'y'],
        ],
      ),
    );
    expect(p.rows).toBe(2);
    expect(p.columns.map((c) => [c.name, c.index, c.rows])).toEqual([
      ['a', 0, 2],
      ['b', 1, 2],
    ]);
  });

  it('counts missing cells by how the column is read: markers are missing in numbers and labels only', () => {
    const c = profileOf(['', ' NA ', 'nan', 'NULL', 'None', '?', 'n/a', 'x', 'x']);
    expect(c.missing).toEqual({ category: 1, number: 7, label: 7 });
    expect(c.markers.map((m) => m.value)).toEqual(['NA', 'nan', 'NULL', 'None', '?', 'n/a']);
    expect(c.distinct).toBe(1);
    expect(distinctAs(c, 'category')).toBe(7);
    expect(distinctAs(c, 'number')).toBe(1);
    expect(c.top).toEqual([{ value: 'x', count: 2 }]);
  });

  it('takes cells that differ only in surrounding blanks as one value', () => {
    const c = profileOf(['a', ' a', 'a ', 'b']);
    expect(c.distinct).toBe(2);
    expect(c.top).toEqual([
      { value: 'a', count: 3 },
      { value: 'b', count: 1 },
    ]);
  });

  it('counts numbers, their range and whether all are whole', () => {
    const whole = profileOf(['3', '-2', '10', 'x', '']);
    expect([whole.numeric, whole.integer, whole.min, whole.max]).toEqual([3, true, -2, 10]);
    const fractional = profileOf(['1.5', '2', '2']);
    expect([fractional.numeric, fractional.integer, fractional.min, fractional.max]).toEqual([
      3,
      false,
      1.5,
      2,
    ]);
    const text = profileOf(['a', 'b']);
    expect([text.numeric, text.integer, text.min, text.max]).toEqual([0, false, null, null]);
  });

  it(`keeps the ${TOP_VALUES} most frequent values, ties in order of first appearance`, () => {
    const cells: string[] = [];
    // Value v appears v times for v = 1..10, and "b", "a", "10b" appear 10 times each.
    for (let v = 1; v <= 10; v++) for (let k = 0; k < v; k++) cells.push(String(v));
    for (const v of ['b', 'a', '10b']) for (let k = 0; k < 10; k++) cells.push(v);
    const c = profileOf(cells);
    expect(c.distinct).toBe(13);
    expect(c.top.map((t) => `${t.value}:${t.count}`)).toEqual([
      '10:10',
      'b:10',
      'a:10',
      '10b:10',
      '9:9',
      '8:8',
      '7:7',
      '6:6',
    ]);
  });

  it('ignores a value no row uses', () => {
    const column = { values: ['gone', 'x', 'y'], codes: Int32Array.from([1, 2, 2]) };
    const c = profileColumn(column, 'c', 0);
    expect(c.distinct).toBe(2);
    expect(c.top.map((t) => t.value)).toEqual(['y', 'x']);
  });

  it('measures how evenly rows spread over the values', () => {
    expect(profileOf(['a', 'b', 'c', 'a', 'b', 'c']).evenness).toBeCloseTo(1, 12);
    const skewed = profileOf([...Array<string>(98).fill('a'), 'b', 'c']).evenness;
    expect(skewed).toBeGreaterThan(0);
    expect(skewed).toBeLessThan(0.15);
    expect(profileOf(['a', 'a']).evenness).toBe(0);
  });

  describe('binary columns', () => {
    it('takes 1, true, yes or y as the positive value', () => {
      expect(profileOf(['0', '1', '0']).binary).toEqual({ positive: '1', negative: '0' });
      expect(profileOf(['1.0', '0.0', '1.0']).binary).toEqual({ positive: '1.0', negative: '0.0' });
      expect(profileOf(['True', 'False', 'True']).binary).toEqual({ positive: 'True', negative: 'False' });
      expect(profileOf(['no', 'yes', 'yes']).binary).toEqual({ positive: 'yes', negative: 'no' });
      expect(profileOf(['N', 'Y']).binary).toEqual({ positive: 'Y', negative: 'N' });
    });

    it('takes the rarer value otherwise, the later one on a tie', () => {
      expect(profileOf(['a', 'b', 'b']).binary).toEqual({ positive: 'a', negative: 'b' });
      expect(profileOf(['b', 'a']).binary).toEqual({ positive: 'b', negative: 'a' });
      expect(profileOf(['2', '0', '0']).binary).toEqual({ positive: '2', negative: '0' });
    });

    it('needs exactly two non-missing values', () => {
      expect(profileOf(['0', '1', '', 'NA']).binary).toEqual({ positive: '1', negative: '0' });
      expect(profileOf(['0', '1', '2']).binary).toBeNull();
      expect(profileOf(['1', '1']).binary).toBeNull();
    });
  });

  it('profiles a column with no values', () => {
    const c = profileOf(['', 'NA', 'NA']);
    expect([c.missing, c.distinct, c.top, c.binary, c.evenness]).toEqual([
      { category: 1, number: 3, label: 3 },
      0,
      [],
      null,
      0,
    ]);
    expect(c.markers).toEqual([{ value: 'NA', count: 2 }]);
  });
});
