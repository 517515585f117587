import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from './experiment';
import { DEFAULT_TRAIN } from './train/config';

const ISSUE_EXAMPLE = {
  data: {
    path: '../shared/datasets/census-income/census-income.csv.gz',
    domain: 'domain_sex',
    tasks: [
      { name: 'income', column: 'y_income_50k', rule: '== 1' },
      { name: 'never_married', column: 'y_never_married', rule: '== 1' },
    ],
    numeric: [
      'age',
      'wage_per_hour',
      'capital_gains',
      'capital_losses',
      'stock_dividends',
      'num_emp',
      'weeks_worked',
    ],
    categorical: [],
    ignore: ['instance_weight'],
    split: 'split',
  },
  model: { id: 'mmoe', options: {} },
  train: { epochs: 3, batchSize: 1024, learningRate: 0.001, seed: 1, embeddingDim: 16 },
};

describe('parseExperiment', () => {
  it('accepts the bench format as written and fills training defaults', () => {
    const exp = parseExperiment(ISSUE_EXAMPLE);
    expect(exp.data).toEqual(ISSUE_EXAMPLE.data);
    expect(exp.train).toEqual({ ...DEFAULT_TRAIN, ...ISSUE_EXAMPLE.train });
  });

  it('accepts every experiment file the repository ships', () => {
    const dir = path.resolve(import.meta.dirname, '../../bench/experiments');
    for (const f of ['census-mmoe.json', 'census-shared-bottom.json', 'census-mmoe-3ep.json']) {
      expect(() => parseExperiment(JSON.parse(readFileSync(path.join(dir, f), 'utf8'))), f).not.toThrow();
    }
  });

  it('names unknown keys at every level instead of ignoring them', () => {
    expect(() => parseExperiment({ ...ISSUE_EXAMPLE, trian: {} })).toThrow(/experiment: unknown key "trian"/);
    expect(() => parseExperiment({ ...ISSUE_EXAMPLE, data: { ...ISSUE_EXAMPLE.data, domian: 'x' } })).toThrow(
      /data: unknown key "domian"/,
    );
    expect(() => parseExperiment({ ...ISSUE_EXAMPLE, train: { ...ISSUE_EXAMPLE.train, lr: 1 } })).toThrow(
      /train: unknown key "lr"/,
    );
    expect(() =>
      parseExperiment({
        ...ISSUE_EXAMPLE,
        data: { ...ISSUE_EXAMPLE.data, tasks: [{ column: 'y', rule: '== 1', label: 'x' }] },
      }),
    ).toThrow(/data.tasks\[0\]: unknown key "label"/);
  });

  it('rejects bad values with the setting named', () => {
    expect(() => parseExperiment({ ...ISSUE_EXAMPLE, train: { batchSize: 0 } })).toThrow(/train.batchSize/);
    expect(() => parseExperiment({ ...ISSUE_EXAMPLE, train: { epochs: 1.5 } })).toThrow(
      /train.epochs must be an integer/,
    );
    expect(() => parseExperiment({ ...ISSUE_EXAMPLE, data: { ...ISSUE_EXAMPLE.data, tasks: [] } })).toThrow(
      /at least one task/,
    );
    const dup = { name: 'a', column: 'y', rule: '== 1' };
    expect(() =>
      parseExperiment({ ...ISSUE_EXAMPLE, data: { ...ISSUE_EXAMPLE.data, tasks: [dup, dup] } }),
    ).toThrow(/"a" is used twice/);
  });

  it('carries names for domain values, display only, and refuses an empty one', () => {
    const named = { ...ISSUE_EXAMPLE.data, domainNames: { '0': 'Female', '1': 'Male' } };
    expect(parseExperiment({ ...ISSUE_EXAMPLE, data: named }).data.domainNames).toEqual({
      '0': 'Female',
      '1': 'Male',
    });
    expect(() => parseExperiment({ ...ISSUE_EXAMPLE, data: { ...named, domainNames: { '0': '' } } })).toThrow(
      /data.domainNames\["0"\]/,
    );
    expect(() => parseExperiment({ ...ISSUE_EXAMPLE, data: { ...named, domainNames: ['Female'] } })).toThrow(
      /data.domainNames must be an object/,
    );
  });
});
