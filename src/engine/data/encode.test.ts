import { describe, expect, it } from 'vitest';
import { dataError } from '../testing/errors';
import { parseCsv } from './csv';
import { cellStats, encodeDataset, inferColumns } from './encode';
import type { DataMapping } from './types';

/** Rows as objects → CSV text with the header taken from the first row. */
function csv(rows: Record<string, string | number>[]): string {
  const header = Object.keys(rows[0]);
  return [header.join(','), ...rows.map((r) => header.map((h) => String(r[h])).join(','))].join('\n') + '\n';
}

const base: DataMapping = {
  domain: 'dom',
  tasks: [{ name: 'click', column: 'y', rule: '== 1' }],
  numeric: ['x'],
  split: 'split',
};

/** Train rows with both labels in both domains, then whatever the test adds. */
function table(extra: Record<string, string | number>[] = [], train: Record<string, string | number>[] = []) {
  const rows = [
    { dom: 'a', color: 'red', size: 'S', x: 1, y: 1, split: 'train' },
    { dom: 'a', color: 'red', size: 'M', x: 2, y: 0, split: 'train' },
    { dom: 'b', color: 'blue', size: 'S', x: 3, y: 1, split: 'train' },
    { dom: 'b', color: 'red', size: '', x: 6, y: 0, split: 'train' },
    ...train,
    ...extra,
  ];
  return parseCsv(csv(rows));
}

describe('inferColumns', () => {
  it('takes every column without another role as categorical when none are listed', () => {
    const t = parseCsv('id,dom,a,y,b,x,split,w\n1,a,2,1,3,4,train,5\n');
    const roles = inferColumns(t, { ...base, ignore: ['id', 'w'] });
    expect(roles).toEqual({
      domain: 'dom',
      tasks: ['y'],
      numeric: ['x'],
      categorical: ['a', 'b'],
      ignore: ['id', 'w'],
      split: 'split',
    });
    expect(inferColumns(t, { ...base, categorical: ['b'], ignore: ['id'] }).categorical).toEqual(['b']);
  });

  it('names a missing column, where the mapping names it, and close matches', () => {
    const t = parseCsv('domain_sex,age,agent,y\nF,1,2,1\n');
    const e = dataError(() =>
      inferColumns(t, {
        domain: 'domain_sex',
        tasks: [{ name: 'y', column: 'y', rule: '== 1' }],
        numeric: ['Age_'],
      }),
    );
    expect(e.column).toBe('Age_');
    expect(e.message).toMatch(/^data\.numeric: column "Age_" is not in the file; did you mean "age"\?/);
    expect(e.message).toMatch(/columns: domain_sex, age, agent, y/);
    const far = dataError(() =>
      inferColumns(t, { domain: 'country', tasks: [{ name: 'y', column: 'y', rule: '== 1' }] }),
    );
    expect(far.message).toBe(
      'data.domain: column "country" is not in the file (columns: domain_sex, age, agent, y)',
    );
  });

  it('refuses a column with two roles, but lets two tasks read one column', () => {
    const t = parseCsv('dom,y,x,split\na,1,2,train\n');
    expect(dataError(() => inferColumns(t, { ...base, categorical: ['x'] })).message).toMatch(
      /column "x" cannot be both numeric and categorical/,
    );
    expect(dataError(() => inferColumns(t, { ...base, numeric: ['y'] })).message).toMatch(
      /"y" cannot be both task and numeric/,
    );
    expect(dataError(() => inferColumns(t, { ...base, numeric: ['x', 'x'] })).message).toMatch(
      /"x" is listed twice as numeric/,
    );
    const two = { ...base, tasks: [...base.tasks, { name: 'y0', column: 'y', rule: '== 0' }] };
    expect(inferColumns(t, two).tasks).toEqual(['y', 'y']);
    // The domain may also feed the model as a categorical feature, but not as a numeric one.
    expect(inferColumns(t, { ...base, categorical: ['dom'] }).categorical).toEqual(['dom']);
    expect(dataError(() => inferColumns(t, { ...base, numeric: ['x', 'dom'] })).message).toMatch(
      /"dom" cannot be both domain and numeric/,
    );
  });
});

describe('encodeDataset', () => {
  it('fits vocabularies on the train split only: a value seen only in valid or test is out of vocabulary', () => {
    const ds = encodeDataset(
      table([
        { dom: 'a', color: 'green', size: 'L', x: 0, y: 0, split: 'valid' },
        { dom: 'b', color: 'red', size: 'XL', x: 0, y: 1, split: 'test' },
      ]),
      base,
    );
    const [color, size] = ds.schema.categorical;
    expect(color).toEqual({ column: 'color', vocab: ['red', 'blue'], offset: 0, size: 3 });
    // S twice, M once; the blank cell is missing, not a value.
    expect(size).toEqual({ column: 'size', vocab: ['S', 'M'], offset: 3, size: 3 });
    expect(ds.schema.vocabSize).toBe(6);
    const ids = (row: number) => Array.from(ds.cat.subarray(row * 2, row * 2 + 2));
    expect(ids(0)).toEqual([1, 4]); // red, S
    expect(ids(2)).toEqual([2, 4]); // blue, S
    expect(ids(3)).toEqual([1, 3]); // red, blank → OOV
    expect(ids(4)).toEqual([0, 3]); // green and L: valid only → OOV
    expect(ids(5)).toEqual([1, 3]); // XL: test only → OOV
  });

  it('orders a vocabulary by train frequency, then by value, and caps it', () => {
    const train = ['q', 'p', 'p', 'z', 'z', 'z', '10', '9'].map((v) => ({
      dom: 'a',
      color: v,
      size: 's',
      x: 0,
      y: 0,
      split: 'train',
    }));
    const ds = encodeDataset(table([], train), base);
    expect(ds.schema.categorical[0].vocab).toEqual(['red', 'z', 'p', '9', '10', 'blue', 'q']);
    const capped = encodeDataset(table([], train), base, { maxVocabPerField: 2 });
    expect(capped.schema.categorical[0].vocab).toEqual(['red', 'z']);
    // p is capped off: it shares the field's out-of-vocabulary id.
    expect(capped.cat[5 * 2]).toBe(0);
    expect(() => encodeDataset(table(), base, { maxVocabPerField: 0 })).toThrow(RangeError);
  });

  it('standardises numerics with the train mean and std, and reads missing or bad cells as the mean', () => {
    const ds = encodeDataset(
      table(
        [
          { dom: 'a', color: 'red', size: 'S', x: 1000, y: 0, split: 'valid' },
          { dom: 'b', color: 'red', size: 'S', x: '', y: 1, split: 'test' },
        ],
        [{ dom: 'a', color: 'red', size: 'S', x: 'n/a', y: 0, split: 'train' }],
      ),
      base,
    );
    // Train x: 1, 2, 3, 6 (n/a is missing): mean 3, population std sqrt(3.5).
    const std = Math.sqrt(3.5);
    expect(ds.schema.numeric).toEqual([{ column: 'x', mean: 3, std }]);
    const expected = [(1 - 3) / std, (2 - 3) / std, 0, (6 - 3) / std, 0, (1000 - 3) / std, 0];
    expect(Array.from(ds.num)).toEqual(expected.map(Math.fround));
  });

  it('scales a constant numeric column by 1', () => {
    const t = parseCsv('dom,x,y,split\na,5,1,train\nb,5,0,train\n');
    const ds = encodeDataset(t, base);
    expect(ds.schema.numeric[0]).toEqual({ column: 'x', mean: 5, std: 1 });
    expect(Array.from(ds.num)).toEqual([0, 0]);
  });

  it('rejects a numeric column that mostly holds text, naming the first bad row', () => {
    const t = parseCsv('dom,x,y,split\na,1,1,train\nb,high,0,train\na,low,1,train\nb,,0,train\n');
    const e = dataError(() => encodeDataset(t, base));
    expect(e.column).toBe('x');
    expect(e.row).toBe(3);
    expect(e.message).toMatch(
      /numeric column "x" mostly does not hold numbers: 2 of 3 filled cells .* row 3 \("high"\)/,
    );
  });

  it('labels by the rule, masks blank cells, and names a cell a number rule cannot read', () => {
    const t = parseCsv('dom,x,r,split\na,1,5,train\na,1,,train\nb,1,2,train\nb,1,4.5,test\n');
    const ds = encodeDataset(t, { ...base, tasks: [{ name: 'high', column: 'r', rule: '>= 4' }] });
    expect(Array.from(ds.labels)).toEqual([1, 0, 0, 1]);
    expect(Array.from(ds.labelMask)).toEqual([1, 0, 1, 1]);
    const bad = parseCsv('dom,x,r,split\na,1,5,train\nb,1,2,train\nb,1,four,test\n');
    const e = dataError(() =>
      encodeDataset(bad, { ...base, tasks: [{ name: 'high', column: 'r', rule: '>= 4' }] }),
    );
    expect(e.message).toBe(
      'task "high": row 4 of column "r" holds "four", which is not a number for the rule ">= 4"',
    );
    expect([e.column, e.row]).toEqual(['r', 4]);
  });

  it('rejects a task whose label is constant on the train split', () => {
    const t = parseCsv('dom,x,y,split\na,1,0,train\nb,2,0,train\na,3,1,test\n');
    const e = dataError(() => encodeDataset(t, base));
    expect(e.message).toBe(
      'task "click": column "y" is always 0 under rule "== 1" in the train split, so there is nothing to learn',
    );
    expect(e.column).toBe('y');
    const ones = parseCsv('dom,x,y,split\na,1,1,train\nb,2,1.0,train\n');
    expect(dataError(() => encodeDataset(ones, base)).message).toMatch(/always 1 under rule "== 1"/);
  });

  it('names the task of a rule it cannot read', () => {
    const e = dataError(() =>
      encodeDataset(table(), { ...base, tasks: [{ name: 'click', column: 'y', rule: '~ 1' }] }),
    );
    expect(e.message).toMatch(/^task "click": cannot read the rule "~ 1"/);
  });

  it('rejects a domain column with a single value, naming it', () => {
    const t = parseCsv('dom,x,y,split\nweb,1,0,train\nweb,2,1,train\n');
    const e = dataError(() => encodeDataset(t, base));
    expect(e.message).toMatch(/the domain column "dom" holds the single value "web"/);
    expect(e.column).toBe('dom');
  });

  it('sorts domains (numbers numerically) over all rows, and skips rows without a domain', () => {
    const t = parseCsv('dom,x,y,split\n10,1,0,train\n9,1,1,train\n,1,1,train\n10,1,1,train\n2,1,0,test\n');
    const ds = encodeDataset(t, base);
    expect(ds.schema.domains).toEqual(['2', '9', '10']);
    expect(Array.from(ds.domain)).toEqual([2, 1, 2, 0]);
    expect(ds.numRows).toBe(4);
    expect(ds.skipped).toEqual({
      count: 1,
      examples: [{ row: 4, reason: 'no value in the domain column "dom"' }],
    });
    expect(Array.from(ds.splits.train)).toEqual([0, 1, 2]);
    expect(Array.from(ds.splits.test)).toEqual([3]);
  });

  it('merges rows the parser skipped with rows the encoder skipped, in file order', () => {
    const t = parseCsv('dom,x,y,split\na,1,0,train\n,1,1,train\nb,1\nb,1,1,train\n');
    const ds = encodeDataset(t, base);
    expect(ds.skipped.count).toBe(2);
    expect(ds.skipped.examples.map((e) => e.row)).toEqual([3, 4]);
  });

  it('draws a seeded split over the rows when there is no split column', () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({
      dom: i % 2 ? 'a' : 'b',
      c: i % 5,
      x: i,
      y: i % 3 === 0 ? 1 : 0,
    }));
    const t = parseCsv(csv(rows));
    const mapping: DataMapping = {
      domain: 'dom',
      tasks: [{ name: 'y', column: 'y', rule: '== 1' }],
      numeric: ['x'],
    };
    const ds = encodeDataset(t, mapping);
    expect([ds.splits.train.length, ds.splits.valid.length, ds.splits.test.length]).toEqual([160, 20, 20]);
    const again = encodeDataset(t, { ...mapping, numeric: [], categorical: ['x'] });
    expect(again.splits).toEqual(ds.splits);
    expect(encodeDataset(t, { ...mapping, splitSeed: 2 }).splits.train).not.toEqual(ds.splits.train);
    const halves = encodeDataset(t, { ...mapping, splitRatios: [0.5, 0.25, 0.25] });
    expect([halves.splits.train.length, halves.splits.valid.length, halves.splits.test.length]).toEqual([
      100, 50, 50,
    ]);
  });

  it('rejects an empty train split and a bad split value', () => {
    const t = parseCsv('dom,x,y,split\na,1,0,test\nb,2,1,test\n');
    expect(dataError(() => encodeDataset(t, base)).message).toMatch(/the train split is empty/);
    const bad = parseCsv('dom,x,y,split\na,1,0,train\nb,2,1,holdout\n');
    const e = dataError(() => encodeDataset(bad, base));
    expect([e.column, e.row]).toEqual(['split', 3]);
  });

  it('writes row-major arrays of the documented shapes, ids within the table', () => {
    const ds = encodeDataset(table([{ dom: 'b', color: 'blue', size: 'M', x: 1, y: 1, split: 'valid' }]), {
      ...base,
      tasks: [...base.tasks, { name: 'big', column: 'x', rule: '> 2' }],
      numeric: [],
      categorical: ['size', 'color'],
    });
    expect(ds.numRows).toBe(5);
    expect(ds.cat).toBeInstanceOf(Int32Array);
    expect(ds.cat.length).toBe(5 * 2);
    expect(ds.num.length).toBe(0);
    expect(ds.labels.length).toBe(5 * 2);
    expect(Array.from(ds.labels.subarray(4, 6))).toEqual([1, 1]); // row 2: y = 1, x = 3 > 2
    expect(ds.schema.categorical.map((f) => f.column)).toEqual(['size', 'color']);
    expect(Math.max(...ds.cat)).toBeLessThan(ds.schema.vocabSize);
    expect(ds.schema.tasks).toEqual([base.tasks[0], { name: 'big', column: 'x', rule: '> 2' }]);
  });
});

describe('cellStats', () => {
  it('counts labelled rows and positives per domain × task of one split', () => {
    const t = parseCsv(
      'dom,x,y,z,split\na,1,1,1,train\na,1,0,,train\nb,1,1,0,train\nb,1,1,1,valid\na,1,0,1,train\n',
    );
    const ds = encodeDataset(t, {
      ...base,
      tasks: [base.tasks[0], { name: 'z', column: 'z', rule: '== 1' }],
    });
    expect(cellStats(ds, 'train')).toEqual([
      [
        { rows: 3, positives: 1 },
        { rows: 2, positives: 2 },
      ],
      [
        { rows: 1, positives: 1 },
        { rows: 1, positives: 0 },
      ],
    ]);
    expect(cellStats(ds, 'valid')).toEqual([
      [
        { rows: 0, positives: 0 },
        { rows: 0, positives: 0 },
      ],
      [
        { rows: 1, positives: 1 },
        { rows: 1, positives: 1 },
      ],
    ]);
  });
});
