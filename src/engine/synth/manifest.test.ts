import { describe, expect, it } from 'vitest';
import type { DataMapping } from '../data/types';
import { oracleFor, oracleGap, type DatasetManifestEntry, type OracleSplit } from './manifest';

const oracleSplit: OracleSplit = {
  byCell: { feed: { click: 0.8, like: 0.9 }, live: { click: 0.7, like: null } },
  byTask: { click: 0.78, like: 0.88 },
};

describe('oracleGap', () => {
  it('is the mean over cells of oracle − run AUC', () => {
    const run = { feed: { click: 0.75, like: 0.8 }, live: { click: 0.7, like: 0.5 } };
    const withLike = { ...oracleSplit, byCell: { ...oracleSplit.byCell, live: { click: 0.7, like: 0.62 } } };
    expect(oracleGap(withLike, run).gap).toBeCloseTo((0.05 + 0.1 + 0 + 0.12) / 4, 12);
    expect(oracleGap(withLike, run).missing).toEqual([]);
  });

  it('is null, naming the cells, where either side lacks an AUC or a cell', () => {
    const run = { feed: { click: 0.75, like: null }, live: { click: 0.7, like: 0.5 }, mall: { click: 0.6 } };
    const { gap, missing } = oracleGap(oracleSplit, run);
    expect(gap).toBeNull();
    expect(missing).toEqual(['feed × like', 'live × like', 'mall × click']);
  });
});

describe('oracleFor', () => {
  const mapping: DataMapping = {
    dataset: 'x',
    domain: 'domain',
    tasks: [{ name: 'click', column: 'click', rule: '== 1' }],
    numeric: ['n1'],
    categorical: ['c1'],
    split: 'split',
  };
  const entry = {
    mapping,
    oracle: { valid: oracleSplit, test: oracleSplit },
  } as unknown as DatasetManifestEntry;

  it('holds for the generator’s labels, domains and split, whatever the features', () => {
    expect(oracleFor(entry, { ...mapping, categorical: [], numeric: [] })).toBe(entry.oracle);
  });

  it('is null once the mapping changes a label, the domains or the split', () => {
    expect(
      oracleFor(entry, { ...mapping, tasks: [{ name: 'click', column: 'click', rule: '> 0' }] }),
    ).toBeNull();
    expect(oracleFor(entry, { ...mapping, domainGroups: { minRows: 10 } })).toBeNull();
    expect(oracleFor(entry, { ...mapping, split: undefined })).toBeNull();
  });
});
