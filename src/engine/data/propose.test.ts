import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng';
import { profileTable, type ColumnProfile, type TableProfile } from './profile';
import {
  DEFAULT_BUCKETS,
  MAX_BUCKETS,
  mappingFromRoles,
  proposeMapping,
  rolesFromMapping,
  type RoleRow,
} from './propose';
import { tableOf } from './table';
import { DataError, type DataMapping, type TaskSpec } from './types';

/** A table from named columns of equal length. */
function tableOfColumns(columns: Record<string, string[]>) {
  const header = Object.keys(columns);
  const n = columns[header[0]].length;
  return tableOf(
    header,
    Array.from({ length: n }, (_, r) => header.map((h) => columns[h][r])),
  );
}

const proposeFor = (columns: Record<string, string[]>) => {
  const table = tableOfColumns(columns);
  return proposeMapping(profileTable(table), table);
};

/** n cells cycling through the given values. */
const cycle = (n: number, values: string[]) => Array.from({ length: n }, (_, i) => values[i % values.length]);
/** n cells drawn at random from the values: no other column determines them. */
function drawn(n: number, values: string[], seed = 1): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => values[rng.int(values.length)]);
}
/** n cells i → f(i). */
const cells = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));

function roleOf(p: ReturnType<typeof proposeMapping>, column: string) {
  const r = p.roles.find((x) => x.column === column);
  if (!r) throw new Error(`no role for ${column}`);
  return r;
}

/** A profile as the proposal reads it, for counts too large to build as a table. */
function profileWith(
  c: Partial<ColumnProfile> & Pick<ColumnProfile, 'name' | 'rows' | 'distinct'>,
): ColumnProfile {
  return {
    index: 0,
    missing: { category: 0, number: 0, label: 0 },
    markers: [],
    numeric: 0,
    integer: false,
    min: null,
    max: null,
    top: [{ value: 'a', count: 2 }],
    evenness: 0.5,
    binary: null,
    ...c,
  };
}

describe('proposeMapping', () => {
  it('reads a split column of train/valid/test words in any case', () => {
    const p = proposeFor({
      part: cycle(60, ['Train', 'VAL', 'test', 'train']),
      y: cycle(60, ['0', '1']),
      g: cycle(60, ['a', 'b', 'c']),
    });
    expect(roleOf(p, 'part').role).toBe('split');
    expect(p.mapping.split).toBe('part');
  });

  it('takes no split column with a blank cell, and one split column only', () => {
    const blank = proposeFor({ part: ['train', 'test', '', 'train'], x: ['a', 'b', 'c', 'a'] });
    expect(roleOf(blank, 'part').role).not.toBe('split');
    const two = proposeFor({
      s1: cycle(30, ['train', 'test']),
      s2: cycle(30, ['train', 'valid', 'test']),
      y: cycle(30, ['0', '1', '1']),
    });
    expect(roleOf(two, 's1').role).toBe('split');
    expect(roleOf(two, 's2').role).not.toBe('split');
    expect(two.mapping.split).toBe('s1');
  });

  it('proposes each binary column as a task with its positive value', () => {
    const p = proposeFor({
      click: cycle(40, ['0', '1', '0', '0']),
      bought: cycle(40, ['no', 'yes']),
      kind: cycle(40, ['x', 'x', 'x', 'z']),
      g: cycle(40, ['a', 'b', 'c']),
      f: cycle(40, ['p', 'q', 'r', 's']),
    });
    expect(roleOf(p, 'click')).toMatchObject({ role: 'task', rule: '== 1' });
    expect(roleOf(p, 'click').reason).toBe('binary (0/1): task candidate, rule == 1');
    expect(roleOf(p, 'bought').rule).toBe('== yes');
    expect(roleOf(p, 'kind').rule).toBe('== z');
    expect(p.mapping.tasks).toEqual([
      { name: 'click', column: 'click', rule: '== 1' },
      { name: 'bought', column: 'bought', rule: '== yes' },
      { name: 'kind', column: 'kind', rule: '== z' },
    ]);
    expect(p.problems).toEqual([]);
  });

  it('prefers a domain named like one, the exact name over a longer one', () => {
    const p = proposeFor({
      even: cycle(60, ['a', 'b', 'c', 'd']),
      country_of_birth: cycle(60, ['x', 'x', 'x', 'y', 'z']),
      region: cycle(60, ['n', 'n', 'n', 'e', 's']),
      country: cycle(60, ['fr', 'fr', 'fr', 'de', 'nl']),
      y: drawn(60, ['0', '1']),
    });
    expect(roleOf(p, 'country').role).toBe('domain');
    expect(roleOf(p, 'country').reason).toBe('3 values, named like a domain: domain');
    expect(p.mapping.domain).toBe('country');
    expect(p.mapping.categorical).toEqual(['even', 'country_of_birth', 'region']);
  });

  it('lets a binary column named like a domain be the domain rather than a task', () => {
    const p = proposeFor({
      domain_sex: cycle(20, ['0', '1']),
      y: cycle(20, ['1', '0', '0']),
      x: cycle(20, ['a', 'b', 'c']),
    });
    expect(p.mapping.domain).toBe('domain_sex');
    expect(p.mapping.tasks.map((t) => t.column)).toEqual(['y']);
  });

  it('keeps a column that determines a task out of the features and the domain, naming it', () => {
    const n = 500;
    const rating = drawn(n, ['1', '2', '3', '4', '5'], 2);
    const p = proposeFor({
      rating,
      genre: drawn(n, ['drama', 'comedy', 'horror'], 3),
      occupation: drawn(n, ['none', 'doctor', 'artist', 'writer'], 4),
      y_click_rating_gt3: rating.map((r) => (Number(r) > 3 ? '1' : '0')),
      y_like_rating_gt4: rating.map((r) => (Number(r) > 4 ? '1' : '0')),
    });
    expect(p.mapping.tasks.map((t) => t.column)).toEqual(['y_click_rating_gt3', 'y_like_rating_gt4']);
    expect(roleOf(p, 'rating').role).toBe('ignore');
    expect(roleOf(p, 'rating').reason).toMatch(
      /^column "rating" determines task "y_click_rating_gt3" on the train split: every row with rating ≥ 4 has label 1 and every row with rating ≤ 3 label 0 \(\d+ labelled rows\): ignored, it gives the label away$/,
    );
    expect(p.mapping.domain).not.toBe('rating');
    expect([...(p.mapping.categorical ?? []), p.mapping.domain].sort()).toEqual(['genre', 'occupation']);
    // "none" is an occupation: a value of the category, not a missing cell.
    expect(roleOf(p, 'occupation').reason).toMatch(/^4 values/);
  });

  it('keeps a column that determines only the column made the domain', () => {
    const n = 300;
    const group = drawn(n, ['a', 'b', 'c'], 5);
    const p = proposeFor({
      domain_sex: group.map((g) => (g === 'c' ? '1' : '0')),
      group,
      y: drawn(n, ['0', '1'], 6),
    });
    expect(p.mapping.domain).toBe('domain_sex');
    expect(roleOf(p, 'group').role).toBe('categorical');
  });

  it('otherwise takes the column with 2–20 values whose rows spread most evenly', () => {
    const p = proposeFor({
      skewed: cycle(60, ['a', 'a', 'a', 'a', 'b', 'c']),
      even: cycle(60, ['p', 'q', 'r', 's', 't', 'u']),
      many: cycle(
        60,
        cells(30, (i) => `v${i}`),
      ),
      y: cycle(60, ['0', '1']),
    });
    expect(p.mapping.domain).toBe('even');
    expect(roleOf(p, 'even').reason).toBe('6 values, the most even spread of the 2–20-value columns: domain');
    // 30 values: categorical, but no domain candidate.
    expect(roleOf(p, 'many')).toMatchObject({ role: 'categorical', reason: '30 values: categorical' });
    expect(roleOf(p, 'skewed').reason).toBe('3 values: categorical, could be the domain');
  });

  it('makes numbers with more than 50 values numeric, and ids named so categorical', () => {
    const n = 400;
    const p = proposeFor({
      price: cells(n, (i) => String((i * 7) % 101) + '.5'),
      user_id: cells(n, (i) => String(i % 80)),
      rating: cells(n, (i) => String(1 + (i % 5))),
      tab: cycle(n, ['a', 'b', 'c']),
      y: drawn(n, ['0', '1', '1']),
    });
    expect(roleOf(p, 'price')).toMatchObject({ role: 'numeric', reason: 'numeric, 101 distinct values' });
    expect(roleOf(p, 'user_id')).toMatchObject({
      role: 'categorical',
      reason: '80 values (numbers, but named like an id): categorical',
    });
    expect(roleOf(p, 'rating').role).toBe('categorical');
    expect(p.mapping.numeric).toEqual(['price']);
  });

  it('hashes text with many distinct values, into a power of two ≥ 2 × distinct buckets', () => {
    const n = 400;
    const p = proposeFor({
      session: cells(n, (i) => `s${i % 300}`),
      g: cycle(n, ['a', 'b', 'c']),
      y: cycle(n, ['0', '1']),
    });
    // 600 needed: 1024 buckets.
    expect(roleOf(p, 'session')).toMatchObject({
      role: 'hashed',
      buckets: 1024,
      reason: '300 distinct of 400 rows: id-like, hashed into 2^10 buckets',
    });
    expect(p.mapping.hashed).toEqual([{ column: 'session', buckets: 1024 }]);
  });

  it('hashes more than 100,000 values whatever the rows, and caps the buckets', () => {
    const profile: TableProfile = {
      rows: 10_000_000,
      columns: [
        profileWith({ name: 'item', rows: 10_000_000, distinct: 150_000 }),
        profileWith({ name: 'query', rows: 10_000_000, distinct: 3_000_000, index: 1 }),
        profileWith({ name: 'brand', rows: 10_000_000, distinct: 90_000, index: 2 }),
      ],
    };
    // No task, so the proposal reads no cell: a table of the header alone stands for these ten million rows.
    const p = proposeMapping(profile, tableOf(['item', 'query', 'brand'], []));
    // 2 × 150,000 would take 2^19 buckets.
    expect(roleOf(p, 'item')).toMatchObject({ role: 'hashed', buckets: MAX_BUCKETS });
    expect(roleOf(p, 'query')).toMatchObject({ role: 'hashed', buckets: MAX_BUCKETS });
    expect(roleOf(p, 'query').reason).toBe(
      '3,000,000 distinct of 10,000,000 rows: id-like, hashed into 2^18 buckets',
    );
    expect(roleOf(p, 'brand')).toMatchObject({ role: 'categorical', reason: '90,000 values: categorical' });
  });

  it('ignores constant columns, empty columns and row ids', () => {
    const p = proposeFor({
      one: cycle(60, ['k']),
      none: cycle(60, ['', 'NA']),
      row: cells(60, (i) => `r${i}`),
      g: cycle(60, ['a', 'b', 'c']),
      y: cycle(60, ['0', '1']),
    });
    expect(roleOf(p, 'one')).toMatchObject({
      role: 'ignore',
      reason: 'one value ("k") in every row: ignored',
    });
    // Read as a category, NA is a value, and the only one.
    expect(roleOf(p, 'none')).toMatchObject({
      role: 'ignore',
      reason: 'one value ("NA") in every non-blank row: ignored',
    });
    expect(roleOf(p, 'row')).toMatchObject({
      role: 'ignore',
      reason: '60 distinct of 60 rows, each once: a row id, ignored',
    });
    expect(p.mapping.ignore).toEqual(['one', 'none', 'row']);
  });

  it('says when it finds no task, no domain or no feature', () => {
    const noTask = proposeFor({ g: cycle(10, ['a', 'b', 'c']), x: cells(10, (i) => `${i}.5`) });
    expect(noTask.mapping.tasks).toEqual([]);
    expect(noTask.problems).toEqual([expect.stringContaining('no task')]);
    const noDomain = proposeFor({ y: cycle(60, ['0', '1']), x: cells(60, (i) => `${i}.5`) });
    expect(noDomain.mapping.domain).toBe('');
    expect(noDomain.problems).toEqual([expect.stringContaining('to be the domain')]);
    const bare = proposeFor({ y: cycle(10, ['0', '1']), z: cycle(10, ['1', '0']) });
    expect(bare.mapping.domain).toBe('');
    expect(bare.problems).toEqual([
      expect.stringContaining('to be the domain'),
      expect.stringContaining('no feature column'),
    ]);
  });

  it('gives the mapping its role table builds', () => {
    const p = proposeFor({
      split: cycle(60, ['train', 'valid', 'test']),
      tab: cycle(60, ['1', '2', '3', '4']),
      click: cycle(60, ['0', '1']),
      price: cells(60, (i) => `${i}.25`),
      g: cycle(60, ['a', 'b', 'c']),
      one: cycle(60, ['k']),
    });
    expect(p.mapping).toEqual(mappingFromRoles(p.roles, p.mapping.tasks, {}));
    expect(p.mapping).toEqual({
      domain: 'tab',
      tasks: [{ name: 'click', column: 'click', rule: '== 1' }],
      numeric: ['price'],
      categorical: ['g'],
      ignore: ['one'],
      split: 'split',
    });
  });
});

describe('mappingFromRoles', () => {
  const roles: RoleRow[] = [
    { column: 'd', role: 'domain' },
    { column: 'r', role: 'task' },
    { column: 't', role: 'task' },
    { column: 'n', role: 'numeric' },
    { column: 'c', role: 'categorical' },
    { column: 'h', role: 'hashed', buckets: 4096 },
    { column: 'h2', role: 'hashed' },
    { column: 'i', role: 'ignore' },
    { column: 's', role: 'split' },
  ];
  const tasks: TaskSpec[] = [
    { name: 'click', column: 'r', rule: '> 3' },
    { name: 'like', column: 'r', rule: '> 4' },
    { name: 'old', column: 'n', rule: '== 1' },
  ];

  it('builds the mapping: several tasks per column, tasks of columns no longer tasks dropped', () => {
    const extras = { domainGroups: { bins: [18, 25] }, splitSeed: 7 };
    expect(mappingFromRoles(roles, tasks, extras)).toEqual({
      domain: 'd',
      tasks: tasks.slice(0, 2),
      numeric: ['n'],
      categorical: ['c'],
      hashed: [
        { column: 'h', buckets: 4096 },
        { column: 'h2', buckets: DEFAULT_BUCKETS },
      ],
      ignore: ['i'],
      split: 's',
      domainGroups: { bins: [18, 25] },
      splitSeed: 7,
    });
  });

  it('refuses a table without a domain or with two domains or two splits', () => {
    const without = roles.filter((r) => r.role !== 'domain');
    expect(() => mappingFromRoles(without, tasks, {})).toThrow(DataError);
    const twoDomains = [...roles, { column: 'e', role: 'domain' as const }];
    expect(() => mappingFromRoles(twoDomains, tasks, {})).toThrow(/one column is the domain, not 2: d, e/);
    const twoSplits = [...roles, { column: 's2', role: 'split' as const }];
    expect(() => mappingFromRoles(twoSplits, tasks, {})).toThrow(/one column is the split/);
  });

  it('does not share the caller’s arrays', () => {
    const extras = {
      domainGroups: { bins: [18, 25] },
      splitRatios: [0.7, 0.2, 0.1] as [number, number, number],
    };
    const m = mappingFromRoles(roles, tasks, extras);
    m.domainGroups!.bins!.push(99);
    m.splitRatios![0] = 0;
    m.tasks[0].rule = '== 0';
    expect(extras.domainGroups.bins).toEqual([18, 25]);
    expect(extras.splitRatios[0]).toBe(0.7);
    expect(tasks[0].rule).toBe('> 3');
  });
});

describe('rolesFromMapping', () => {
  const header = ['d', 'r', 'n', 'c', 'h', 'i', 's', 'x'];
  const mapping: DataMapping = {
    domain: 'd',
    tasks: [
      { name: 'click', column: 'r', rule: '> 3' },
      { name: 'like', column: 'r', rule: '> 4' },
    ],
    numeric: ['n'],
    categorical: ['c', 'x'],
    hashed: [{ column: 'h', buckets: 512 }],
    ignore: ['i'],
    split: 's',
    domainGroups: { minRows: 100, other: 'rest' },
    splitRatios: [0.6, 0.2, 0.2],
  };
  const extrasOf = ({ domainGroups, splitRatios, splitSeed }: DataMapping) => ({
    domainGroups,
    splitRatios,
    splitSeed,
  });

  it('round-trips a mapping that names every column, and a role table', () => {
    const roles = rolesFromMapping(mapping, header);
    expect(roles).toEqual([
      { column: 'd', role: 'domain' },
      { column: 'r', role: 'task' },
      { column: 'n', role: 'numeric' },
      { column: 'c', role: 'categorical' },
      { column: 'h', role: 'hashed', buckets: 512 },
      { column: 'i', role: 'ignore' },
      { column: 's', role: 'split' },
      { column: 'x', role: 'categorical' },
    ]);
    const back = mappingFromRoles(roles, mapping.tasks, extrasOf(mapping));
    expect(back).toEqual(mapping);
    expect(rolesFromMapping(back, header)).toEqual(roles);
  });

  it('reads an empty categorical list as every other column, a listed one as the only ones', () => {
    const census: DataMapping = {
      domain: 'd',
      tasks: [{ name: 'y', column: 'r', rule: '== 1' }],
      categorical: [],
      ignore: ['i'],
    };
    const all = rolesFromMapping(census, header);
    expect(all.filter((r) => r.role === 'categorical').map((r) => r.column)).toEqual([
      'n',
      'c',
      'h',
      's',
      'x',
    ]);
    // The same columns, now listed: an equivalent mapping, and the same role table again.
    const listed = mappingFromRoles(all, census.tasks, {});
    expect(listed.categorical).toEqual(['n', 'c', 'h', 's', 'x']);
    expect(rolesFromMapping(listed, header)).toEqual(all);
    const some = rolesFromMapping({ ...census, categorical: ['c'] }, header);
    expect(some.filter((r) => r.role === 'ignore').map((r) => r.column)).toEqual(['n', 'h', 'i', 's', 'x']);
  });

  it('shows a column named twice in its first role (split, domain, task, hashed, numeric, …)', () => {
    const twice: DataMapping = { ...mapping, numeric: ['n', 'c'], ignore: ['i', 'n', 'd'] };
    expect(rolesFromMapping(twice, header).map((r) => r.role)).toEqual([
      'domain',
      'task',
      'numeric',
      'numeric',
      'hashed',
      'ignore',
      'split',
      'categorical',
    ]);
  });

  it('leaves out the columns the mapping names that the header lacks', () => {
    const roles = rolesFromMapping({ ...mapping, numeric: ['n', 'gone'], domain: 'lost' }, header);
    expect(roles.map((r) => r.column)).toEqual(header);
    expect(roles.some((r) => r.role === 'domain')).toBe(false);
  });
});

describe('fuzz: random tables through profileTable and proposeMapping', () => {
  const NAMES = [
    'domain',
    'tab',
    'country',
    'user_id',
    'itemId',
    'price',
    'click',
    'split',
    'x',
    'Page',
    'y',
  ];

  /** A column of one of several kinds a real file holds, with missing markers and blanks sprinkled in. */
  function randomColumn(rng: Rng, n: number): string[] {
    const kind = rng.int(10);
    const missingRate = rng.int(3) === 0 ? rng.next() * 0.5 : 0;
    const pair = [
      ['0', '1'],
      ['yes', 'no'],
      ['True', 'False'],
    ][rng.int(3)];
    const few = 1 + rng.int(60);
    const many = 1 + rng.int(3 * n);
    const cell = (i: number): string => {
      switch (kind) {
        case 0:
          return 'k';
        case 1:
          return pair[rng.int(2)];
        case 2:
          return ['train', 'valid', 'test', 'VAL'][rng.int(4)];
        case 3:
          return `c${rng.int(few)}`;
        case 4:
          return (rng.normal() * 100).toFixed(rng.int(3));
        case 5:
          return String(rng.int(many));
        case 6:
          return `id${i}`;
        case 7:
          // The same few values with blanks around them.
          return rng.int(2) ? ` ${rng.int(4)}` : `${rng.int(4)} `;
        case 8:
          return rng.int(2) ? String(rng.int(100)) : `t${rng.int(100)}`;
        default:
          return ['', 'NA', 'null', '?', 'None'][rng.int(5)];
      }
    };
    return Array.from({ length: n }, (_, i) =>
      rng.next() < missingRate ? ['', 'NA', 'NaN'][rng.int(3)] : cell(i),
    );
  }

  it('never throws, and names only the table’s columns, each once (tasks may share one)', () => {
    const rng = new Rng(2024);
    for (let trial = 0; trial < 300; trial++) {
      const numCols = 1 + rng.int(8);
      const n = 1 + rng.int(trial % 10 === 0 ? 3000 : 120);
      const header = Array.from({ length: numCols }, (_, c) => `${NAMES[rng.int(NAMES.length)]}${c}`);
      if (rng.int(4) === 0) header[0] = NAMES[rng.int(NAMES.length)];
      const columns = header.map(() => randomColumn(rng, n));
      const table = tableOf(
        header,
        Array.from({ length: n }, (_, r) => columns.map((col) => col[r])),
      );
      const p = proposeMapping(profileTable(table), table);
      const m = p.mapping;

      const named = [
        ...(m.domain === '' ? [] : [m.domain]),
        ...new Set(m.tasks.map((t) => t.column)),
        ...(m.numeric ?? []),
        ...(m.categorical ?? []),
        ...(m.hashed ?? []).map((h) => h.column),
        ...(m.ignore ?? []),
        ...(m.split === undefined ? [] : [m.split]),
      ];
      const context = `trial ${trial}: ${JSON.stringify(m)}`;
      for (const c of named) expect(header, context).toContain(c);
      expect(new Set(named).size, context).toBe(named.length);
      expect(
        p.roles.map((r) => r.column),
        context,
      ).toEqual(header);
      if (m.domain === '')
        expect(
          p.problems.some((s) => s.includes('domain')),
          context,
        ).toBe(true);
      else expect(m, context).toEqual(mappingFromRoles(p.roles, m.tasks, {}));
      for (const h of m.hashed ?? []) expect(Math.log2(h.buckets) % 1, context).toBe(0);
    }
  });
});
