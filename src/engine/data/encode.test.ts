import { describe, expect, it } from 'vitest';
import { dataError } from '../testing/errors';
import { parseCsv } from './csv';
import { binName, cellStats, encodeDataset, inferColumns, MAX_DOMAINS } from './encode';
import { Rng } from '../util/rng';
import { columnOf, tableOf } from './table';
import { DataError, type DataMapping } from './types';
import { fnv1a32, hashBucket } from './values';

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
      hashed: [],
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

  it('labels by the rule, masks missing cells, and names a cell a number rule cannot read', () => {
    const t = parseCsv('dom,x,r,split\na,1,5,train\na,1,,train\nb,1,2,train\nb,1,4.5,test\na,1,NA,train\n');
    const ds = encodeDataset(t, { ...base, tasks: [{ name: 'high', column: 'r', rule: '>= 4' }] });
    expect(Array.from(ds.labels)).toEqual([1, 0, 0, 1, 0]);
    expect(Array.from(ds.labelMask)).toEqual([1, 0, 1, 1, 0]);
    expect(ds.missing.r).toBe(2);
    const bad = parseCsv('dom,x,r,split\na,1,5,train\nb,1,2,train\nb,1,four,test\n');
    const e = dataError(() =>
      encodeDataset(bad, { ...base, tasks: [{ name: 'high', column: 'r', rule: '>= 4' }] }),
    );
    expect(e.message).toBe(
      'task "high": row 4 of column "r" holds "four", which is not a decimal number for the rule ">= 4"',
    );
    expect([e.column, e.row]).toEqual(['r', 4]);
  });

  it('refuses a rule whose value the column holds only in another case, naming task, column and values', () => {
    const t = parseCsv('dom,x,liked,split\na,1,Yes,train\nb,2,No,train\na,3,Yes,train\nb,4,yes,test\n');
    const e = dataError(() =>
      encodeDataset(t, { ...base, tasks: [{ name: 'like', column: 'liked', rule: '== yes' }] }),
    );
    expect(e.message).toBe(
      'task "like": rule "== yes" matches no train value of column "liked", but "Yes" (2 rows) differ from "yes" ' +
        'only by case: rules compare text exactly, so write the value as the column spells it',
    );
    expect(e.column).toBe('liked');
    // Exact matches beside the case variants: encoded as written, and recorded for Check data.
    const mixed = parseCsv('dom,x,liked,split\na,1,yes,train\nb,2,No,train\na,3,Yes,train\nb,4,no,train\n');
    const ds = encodeDataset(mixed, {
      ...base,
      tasks: [{ name: 'like', column: 'liked', rule: 'in {yes, no}' }],
    });
    expect(Array.from(ds.labels)).toEqual([1, 0, 0, 1]);
    expect(ds.caseMismatches).toEqual([
      {
        task: 'like',
        column: 'liked',
        rule: 'in {yes, no}',
        value: 'yes',
        exactRows: 1,
        variants: [{ value: 'Yes', count: 1 }],
        label: 0,
      },
      {
        task: 'like',
        column: 'liked',
        rule: 'in {yes, no}',
        value: 'no',
        exactRows: 1,
        variants: [{ value: 'No', count: 1 }],
        label: 0,
      },
    ]);
  });

  it('rejects a task whose label is constant on the train split', () => {
    const t = parseCsv('dom,x,y,split\na,1,0,train\nb,2,0,train\na,3,1,test\n');
    const e = dataError(() => encodeDataset(t, base));
    expect(e.message).toBe(
      'task "click": column "y" is always 0 under rule "== 1" in the train split (it holds "0"), so there is ' +
        'nothing to learn',
    );
    expect(e.column).toBe('y');
    const ones = parseCsv('dom,x,y,split\na,1,1,train\nb,2,1.0,train\n');
    expect(dataError(() => encodeDataset(ones, base)).message).toMatch(
      /always 1 under rule "== 1" in the train split \(it holds "1", "1.0"\)/,
    );
    // Text under an equality rule is read, not rejected: the values shown say why nothing matched.
    const words = parseCsv('dom,x,y,split\na,1,yes,train\nb,2,no,train\n');
    expect(dataError(() => encodeDataset(words, base)).message).toMatch(
      /always 0 .* \(it holds "yes", "no"\)/,
    );
  });

  it('names the task of a rule it cannot read', () => {
    const e = dataError(() =>
      encodeDataset(table(), { ...base, tasks: [{ name: 'click', column: 'y', rule: '~ 1' }] }),
    );
    expect(e.message).toMatch(/^task "click": cannot read the rule "~ 1"/);
  });

  it('encodes a domain column with a single value as one domain (the data report warns about it)', () => {
    const t = parseCsv('dom,x,y,split\nweb,1,0,train\nweb,2,1,train\n');
    const ds = encodeDataset(t, base);
    expect(ds.schema.domains).toEqual(['web']);
    expect(Array.from(ds.domain)).toEqual([0, 0]);
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

describe('domain groups', () => {
  const ages = (values: (string | number)[]) =>
    tableOf(
      ['age', 'x', 'y'],
      values.map((a, i) => [String(a), String(i), String(i % 2)]),
    );
  const byAge: DataMapping = {
    domain: 'age',
    tasks: [{ name: 'y', column: 'y', rule: '== 1' }],
    numeric: ['x'],
  };

  it('names ranges of whole cut points by the whole numbers they hold, others by their cut points', () => {
    const bins = [18, 25, 35, 45, 56];
    expect(bins.map((_, i) => binName(bins, i)).concat(binName(bins, 5))).toEqual([
      '<18',
      '18–24',
      '25–34',
      '35–44',
      '45–55',
      '≥56',
    ]);
    expect(binName([3, 4], 1)).toBe('3');
    expect(binName([0.5, 1.5], 1)).toBe('0.5–1.5');
  });

  it('cuts a numeric domain column into ranges, in range order, skipping rows that hold no number', () => {
    const t = ages([70, 17, 18, 24.5, 25, 'unknown', 56, 30, '', 17.9]);
    const ds = encodeDataset(t, { ...byAge, domainGroups: { bins: [18, 25, 56] } });
    // The empty range 25–55 holds 25 and 30; every range present is a domain, ordered by its cut points.
    expect(ds.schema.domains).toEqual(['<18', '18–24', '25–55', '≥56']);
    expect(Array.from(ds.domain)).toEqual([3, 0, 1, 1, 2, 3, 2, 0]);
    expect(ds.skipped.count).toBe(2);
    expect(ds.skipped.examples).toEqual([
      {
        row: 7,
        reason: 'the domain column "age" holds "unknown", not a number to place in domainGroups.bins',
      },
      { row: 10, reason: 'no value in the domain column "age"' },
    ]);
    const none = ages(['a', 'b']);
    expect(dataError(() => encodeDataset(none, { ...byAge, domainGroups: { bins: [1] } })).message).toBe(
      'no row of the domain column "age" holds a number to place in domainGroups.bins',
    );
    expect(dataError(() => encodeDataset(t, { ...byAge, domainGroups: { bins: [5, 5] } })).message).toMatch(
      /bins must be ascending numbers, not \[5, 5\]/,
    );
  });

  it('merges values with fewer than minRows rows in the whole file into "other", after binning', () => {
    // c has 1 row in train and 2 elsewhere: 3 rows in the file keep it; d (2 rows) and e (1) merge.
    const t = parseCsv(
      'dom,x,y,split\n' +
        ['a,1,0,train', 'a,1,1,train', 'a,1,0,test', 'b,1,1,train', 'b,1,0,train', 'b,1,1,valid'].join('\n') +
        '\n' +
        ['c,1,0,train', 'c,1,1,test', 'c,1,0,valid', 'd,1,1,train', 'd,1,0,test', 'e,1,1,train'].join('\n') +
        '\n',
    );
    const ds = encodeDataset(t, { ...base, domainGroups: { minRows: 3 } });
    expect(ds.schema.domains).toEqual(['a', 'b', 'c', 'other']);
    expect(Array.from(ds.domain)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
    const named = encodeDataset(t, { ...base, domainGroups: { minRows: 3, other: 'rare' } });
    expect(named.schema.domains[3]).toBe('rare');
    // A merged name that is already a domain joins it.
    const intoA = encodeDataset(t, { ...base, domainGroups: { minRows: 3, other: 'a' } });
    expect(intoA.schema.domains).toEqual(['a', 'b', 'c']);
    expect(Array.from(intoA.domain.subarray(9))).toEqual([0, 0, 0]);
    // Binning comes first: 17 and 16 alone are rare, together they make a range of 2 rows.
    const binned = encodeDataset(ages([16, 17, 30, 31, 32]), {
      ...byAge,
      domainGroups: { bins: [18], minRows: 2 },
    });
    expect(binned.schema.domains).toEqual(['<18', '≥18']);
  });

  it('rejects more than MAX_DOMAINS domains, suggesting minRows or bins', () => {
    const many = Array.from({ length: MAX_DOMAINS + 1 }, (_, i) => `u${i}`);
    const t = ages([...many, ...many.slice(0, 10)]);
    const e = dataError(() => encodeDataset(t, byAge));
    expect(e.message).toBe(
      `the domain column "age" has ${MAX_DOMAINS + 1} distinct values; a model takes ${MAX_DOMAINS} domains at ` +
        'most: merge rare values with domainGroups.minRows, or cut numbers into ranges with domainGroups.bins',
    );
    expect(e.column).toBe('age');
    const grouped = encodeDataset(t, { ...byAge, domainGroups: { minRows: 2 } });
    expect(grouped.schema.domains.length).toBe(11);
  });
});

describe('hashed columns', () => {
  const t = parseCsv(
    'dom,user,color,x,y,split\na,u1,red,1,1,train\nb, u1 ,red,2,0,train\na,u2,blue,3,1,train\nb,,red,4,0,valid\na,u9,red,5,1,test\n',
  );
  const hashedUser: DataMapping = {
    ...base,
    categorical: ['color'],
    hashed: [{ column: 'user', buckets: 7 }],
  };

  it('hashes each value into 1..buckets after the categorical fields, 0 for a blank', () => {
    const ds = encodeDataset(t, hashedUser);
    const [color, user] = ds.schema.categorical;
    expect(color.column).toBe('color');
    expect(user).toEqual({ column: 'user', vocab: [], offset: color.size, size: 8, hashBuckets: 7 });
    expect(ds.schema.vocabSize).toBe(color.size + 8);
    const ids = Array.from({ length: ds.numRows }, (_, r) => ds.cat[r * 2 + 1]);
    const expected = ['u1', 'u1', 'u2', '', 'u9'].map((v) => user.offset + (v === '' ? 0 : hashBucket(v, 7)));
    expect(ids).toEqual(expected);
    // Values unseen in train still get their own bucket: a hash needs no vocabulary.
    expect(ids[4]).toBe(user.offset + 1 + (fnv1a32('u9') % 7));
    expect(ds.missing.user).toBe(1);
    expect(ds.fieldCounts.user).toEqual({ distinct: 3, cappedValues: 0, oovRows: 0 });
  });

  it('refuses a hashed column with another role and a bad bucket count', () => {
    expect(dataError(() => encodeDataset(t, { ...hashedUser, numeric: ['x', 'user'] })).message).toMatch(
      /data\.hashed\[0\]: column "user" cannot be both numeric and hashed/,
    );
    expect(
      dataError(() => encodeDataset(t, { ...hashedUser, hashed: [{ column: 'y', buckets: 4 }] })).message,
    ).toMatch(/column "y" cannot be both task and hashed/);
    expect(
      dataError(() => encodeDataset(t, { ...hashedUser, hashed: [{ column: 'dom', buckets: 4 }] })).message,
    ).toMatch(/column "dom" cannot be both domain and hashed/);
    expect(
      dataError(() => encodeDataset(t, { ...hashedUser, hashed: [{ column: 'user', buckets: 2.5 }] }))
        .message,
    ).toMatch(/column "user" needs a whole number of buckets from 1 to \d+, not 2.5/);
  });

  it('leaves a hashed column out of the categorical columns taken by default', () => {
    const ds = encodeDataset(t, { ...base, hashed: [{ column: 'user', buckets: 3 }] });
    expect(ds.schema.categorical.map((f) => f.column)).toEqual(['color', 'user']);
  });
});

describe('what encoding records for the data report', () => {
  it('reads several tasks from one column through different rules', () => {
    const t = parseCsv(
      'dom,x,rating,split\na,1,5,train\na,2,4,train\nb,3,2,train\nb,4,,train\na,5,3.5,test\n',
    );
    const ds = encodeDataset(t, {
      ...base,
      tasks: [
        { name: 'click', column: 'rating', rule: '> 3' },
        { name: 'like', column: 'rating', rule: '> 4' },
      ],
    });
    expect(Array.from(ds.labels)).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 1, 0]);
    expect(Array.from(ds.labelMask)).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 1, 1]);
    expect(ds.missing.rating).toBe(1);
  });

  it('counts missing cells per column by its reading, and numeric cells that are not decimal numbers apart', () => {
    const t = parseCsv(
      'dom,c,x,y,split\na,p,1,1,train\na,,NaN,0,train\nb,q,NA,,train\nb, ,oops,1,train\na,NA,null,0,train\n' +
        'b,p,2,1,train\na,none,0x1A,null,train\nb,p,3,1,train\na,p,1e400,0,train\na,p,2,1,train\n',
    );
    const ds = encodeDataset(t, { ...base, categorical: ['c'] });
    // A category's NA and none are values; a number's and a label's are missing.
    expect(ds.missing).toEqual({ c: 2, x: 3, y: 2 });
    expect(ds.unparseable).toEqual({ x: { cells: 3, firstRow: 5, examples: ['oops', '0x1A', '1e400'] } });
    expect(ds.schema.categorical[0].vocab).toEqual(['p', 'NA', 'none', 'q']);
    // Unparseable cells take the train mean, like missing ones: 0 once standardised, never 26 for 0x1A.
    const x = Array.from(ds.num);
    expect([x[1], x[3], x[6], x[8]]).toEqual([0, 0, 0, 0]);
    expect(ds.schema.numeric[0].mean).toBe(2);
    // Markers of "no value" are not text: a column of mostly NaN is numeric with missing cells, not an error.
    const nan = parseCsv('dom,x,y,split\na,NaN,1,train\nb,nan,0,train\na,3,1,train\n');
    expect(encodeDataset(nan, base).missing.x).toBe(2);
    expect(encodeDataset(nan, base).unparseable).toEqual({});
  });

  it('counts distinct values, values capped off and rows left out of the vocabulary', () => {
    // Train: p ×3, q ×2, r ×1; valid: s (unseen) and r.
    const t = parseCsv(
      'dom,c,x,y,split\n' +
        [
          'a,p,1,1,train',
          'b,p,1,0,train',
          'a,p,1,1,train',
          'b,q,1,0,train',
          'a,q,1,1,train',
          'b,r,1,0,train',
        ].join('\n') +
        '\na,s,1,1,valid\nb,r,1,0,valid\na,,1,0,valid\n',
    );
    const mapping = { ...base, categorical: ['c'] };
    expect(encodeDataset(t, mapping).fieldCounts.c).toEqual({ distinct: 4, cappedValues: 0, oovRows: 1 });
    // Capped at 2: r is cut (1 value, 2 rows), s unseen (1 row); the blank is missing, not out of vocabulary.
    expect(encodeDataset(t, mapping, { maxVocabPerField: 2 }).fieldCounts.c).toEqual({
      distinct: 4,
      cappedValues: 1,
      oovRows: 3,
    });
  });

  it("carries the reader's notes and names file rows of a table built without them", () => {
    const t = {
      ...tableOf(
        ['dom', 'x', 'y'],
        [
          ['a', '1', '1'],
          ['b', 'z', '0'],
          ['a', 'w', '0'],
        ],
      ),
      notes: ['n1'],
    };
    const mapping: DataMapping = {
      domain: 'dom',
      tasks: [{ name: 'y', column: 'y', rule: '== 1' }],
      numeric: ['x'],
      splitRatios: [1, 0, 0],
    };
    expect(dataError(() => encodeDataset(t, mapping)).row).toBe(3);
    const ok = { ...t, columns: [t.columns[0], columnOf(['1', '2', '3']), t.columns[2]] };
    expect(encodeDataset(ok, mapping).notes).toEqual(['n1']);
  });
});

describe('encodeDataset on random tables and mappings', () => {
  const CELLS = [
    '',
    ' ',
    'a',
    'b',
    ' a',
    '1',
    '0',
    '2.5',
    '-3',
    '1e400',
    'NaN',
    'NA',
    '?',
    'train',
    'valid',
    'Test',
    'é',
    '"',
    'x,y',
  ];
  const RULES = ['== 1', '> 0', '>= 2.5', '!= a', 'in {a, 1}', '< x', '~ 1', 'in {}', '== ""'];

  it('gives a DataError or a dataset the models can use, never another failure', () => {
    const rng = new Rng(99);
    const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)];
    const outcomes = new Set<string>();
    let encoded = 0;
    // Now and then (odds `p`) a draw breaks a rule a person's mapping could break.
    const odd = <T>(p: number, bad: () => T, good: () => T): T => (rng.next() < p ? bad() : good());
    for (let trial = 0; trial < 300; trial++) {
      const numCols = 3 + rng.int(5);
      const header = Array.from(
        rng.shuffle(Int32Array.from({ length: numCols }, (_, c) => c)),
        (c) => `c${c}`,
      );
      const name = (c: number) =>
        odd(
          0.03,
          () => pick(['missing', ...header]),
          () => header[c],
        );
      const pools = header.map((_, c) =>
        c === 1
          ? odd(
              0.2,
              () => CELLS.slice(0, 3 + rng.int(CELLS.length - 3)),
              () => ['0', '1', '', '2.5', '1'],
            )
          : CELLS.filter(() => rng.next() < 0.4).concat(pick(CELLS), pick(CELLS)),
      );
      const splitCol = rng.next() < 0.2 ? header[2] : undefined;
      if (splitCol)
        pools[2] = odd(
          0.2,
          () => pools[2],
          () => ['train', 'train', 'valid', 'Test'],
        );
      const rest = header.slice(splitCol ? 3 : 2);
      const numeric = rest.filter(() => rng.next() < 0.3);
      const others = rest.filter((c) => !numeric.includes(c));
      const hashed = others.length > 0 && rng.next() < 0.3 ? others[0] : undefined;
      const rows = Array.from({ length: 1 + rng.int(60) }, () => pools.map((p) => pick(p)));
      const mapping: DataMapping = {
        domain: name(0),
        tasks: Array.from({ length: 1 + rng.int(2) }, (_, t) => ({
          name: `t${t}`,
          column: name(1),
          rule: odd(
            0.3,
            () => pick(RULES),
            () => pick(['== 1', '> 0.5', '!= 0']),
          ),
        })),
        numeric: odd(
          0.05,
          () => [...numeric, name(0)],
          () => numeric,
        ),
        categorical: others.filter((c) => c !== hashed && rng.next() < 0.7),
        hashed:
          hashed === undefined
            ? undefined
            : [
                {
                  column: hashed,
                  buckets: odd(
                    0.2,
                    () => pick([0, 2.5, 1e9]),
                    () => 1 + rng.int(9),
                  ),
                },
              ],
        split: splitCol,
        splitRatios: odd(
          0.05,
          () => [rng.next(), rng.next(), -1],
          () => [1 + rng.next(), rng.next(), rng.next()],
        ),
        domainGroups: odd(
          0.3,
          () => ({ bins: [pick([0, 1, 2]), pick([1, 3, NaN])], minRows: pick([undefined, 1, 3, 0, 1.5]) }),
          () => undefined,
        ),
      };
      let outcome = 'ok';
      try {
        const ds = encodeDataset(tableOf(header, rows), mapping, { maxVocabPerField: 1 + rng.int(4) });
        const { schema, numRows } = ds;
        const numCat = schema.categorical.length;
        expect(ds.cat.length).toBe(numRows * numCat);
        for (const id of ds.cat) expect(id >= 0 && id < schema.vocabSize).toBe(true);
        for (const d of ds.domain) expect(d >= 0 && d < schema.domains.length).toBe(true);
        for (const v of ds.num) expect(Number.isFinite(v)).toBe(true);
        for (const y of ds.labels) expect(y === 0 || y === 1).toBe(true);
        expect(ds.splits.train.length + ds.splits.valid.length + ds.splits.test.length).toBe(numRows);
        for (const m of Object.values(ds.missing)) expect(m >= 0 && m <= numRows).toBe(true);
        encoded++;
      } catch (err) {
        if (!(err instanceof DataError)) throw err;
        outcome = err.message.replace(/"[^"]*"|\d+(\.\d+)?/g, '_').slice(0, 40);
      }
      outcomes.add(outcome);
    }
    // The draws reached clean encodes and many different rejections.
    expect(encoded).toBeGreaterThan(20);
    expect(outcomes.size).toBeGreaterThan(10);
  });
});
