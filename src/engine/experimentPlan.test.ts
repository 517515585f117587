import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandPlan, parseExperiment, parsePlan, planToJson, PLAN_LIMITS, TRAIN_LIMITS } from './experiment';
import { DEFAULT_TRAIN } from './train/config';

const DATA = {
  dataset: 'three-domains-two-tasks',
  domain: 'domain',
  tasks: [
    { name: 'click', column: 'click', rule: '== 1' },
    { name: 'convert', column: 'convert', rule: '== 1' },
  ],
  numeric: ['n1', 'n2'],
  split: 'split',
};

const PLAN = {
  data: DATA,
  models: [
    { id: 'mmoe', options: { experts: 4 } },
    { id: 'mmoe', options: { experts: 8 }, train: { learningRate: 0.01 } },
    { name: 'attention', id: 'cesaa' },
  ],
  train: { epochs: 2, batchSize: 256, seed: 7 },
  seeds: [1, 2],
};

describe('parsePlan', () => {
  it('reads a single-model experiment as a plan of one configuration and the train seed', () => {
    const plan = parsePlan({
      data: DATA,
      model: { id: 'ple', options: { numShared: 2 } },
      train: { seed: 5 },
    });
    expect(plan.models).toEqual([{ name: 'ple', id: 'ple', options: { numShared: 2 }, train: {} }]);
    expect(plan.seeds).toEqual([5]);
    expect(plan.train).toEqual({ ...DEFAULT_TRAIN, seed: 5 });
  });

  it('names unnamed configurations after their model id, then id-2, id-3, around the names given', () => {
    const plan = parsePlan({
      data: DATA,
      models: [{ id: 'mmoe' }, { name: 'mmoe-2', id: 'ple' }, { id: 'mmoe' }, { id: 'mmoe' }],
    });
    expect(plan.models.map((m) => m.name)).toEqual(['mmoe', 'mmoe-2', 'mmoe-3', 'mmoe-4']);
  });

  it('refuses what would make runs ambiguous or silently ignored, naming the place', () => {
    const bad = (over: Record<string, unknown>) => () => parsePlan({ ...PLAN, ...over });
    expect(bad({ model: { id: 'mmoe' } })).toThrow(/either "model" .* or "models" .*not both/);
    expect(bad({ models: [{ name: 'x', id: 'mmoe' }, { id: 'ple' }, { name: 'x', id: 'cesaa' }] })).toThrow(
      'models: the name "x" is used twice (models[0] and models[2])',
    );
    expect(bad({ models: [] })).toThrow(/models must list at least one/);
    expect(bad({ models: [{ id: 'mmoe', optoins: {} }] })).toThrow(/models\[0\]: unknown key "optoins"/);
    expect(bad({ models: [{ id: 'mmoe' }, { id: 'ple', train: { lr: 1 } }] })).toThrow(
      /models\[1\]\.train: unknown key "lr"/,
    );
    expect(bad({ models: [{ id: 'mmoe', train: { seed: 3 } }] })).toThrow(
      /models\[0\]\.train\.seed: a plan sets the seeds/,
    );
    expect(bad({ models: [{ id: 'mmoe', train: { batchSize: 0 } }] })).toThrow(
      'models[0].train.batchSize must be at least 1',
    );
    expect(bad({ models: [{ id: 'mmoe', train: { epochs: 1.5 } }] })).toThrow(
      'models[0].train.epochs must be an integer',
    );
    expect(bad({ models: [{ options: {} }] })).toThrow('models[0].id must be a model id');
    expect(bad({ models: [{ id: 'mmoe', name: '' }] })).toThrow('models[0].name must be a non-empty text');
    expect(bad({ seeds: [1, 1] })).toThrow('seeds: 1 is listed twice');
    expect(bad({ seeds: [] })).toThrow(/seeds must be a non-empty list of integers/);
    expect(bad({ seeds: [1.5] })).toThrow(/seeds must be a non-empty list of integers/);
    expect(bad({ sedes: [1] })).toThrow(/experiment: unknown key "sedes"/);
  });
});

describe('expandPlan', () => {
  it('runs every configuration once per seed with its own overrides over the shared settings', () => {
    const runs = expandPlan(parsePlan(PLAN));
    expect(runs.map((r) => `${r.name}/${r.seed}`)).toEqual([
      'mmoe/1',
      'mmoe/2',
      'mmoe-2/1',
      'mmoe-2/2',
      'attention/1',
      'attention/2',
    ]);
    const base = { ...DEFAULT_TRAIN, epochs: 2, batchSize: 256 };
    expect(runs[1].experiment.train).toEqual({ ...base, seed: 2 });
    expect(runs[2].experiment.train).toEqual({ ...base, learningRate: 0.01, seed: 1 });
    expect(runs[4].experiment.model).toEqual({ id: 'cesaa', options: {} });
    expect(runs.every((r) => r.experiment.data.tasks.length === 2)).toBe(true);
  });

  it('gives each run its own copy, so changing one run leaves the others and the plan alone', () => {
    const plan = parsePlan(PLAN);
    const runs = expandPlan(plan);
    runs[0].experiment.data.tasks.pop();
    (runs[0].experiment.model.options as { experts: number }).experts = 99;
    expect(runs[1].experiment.data.tasks).toHaveLength(2);
    expect(plan.models[0].options).toEqual({ experts: 4 });
  });
});

describe('parseExperiment', () => {
  it('reads the canonical JSON of a one-run plan and refuses a plan of several runs', () => {
    const one = parsePlan({ data: DATA, model: { id: 'mmoe' } });
    expect(parseExperiment(JSON.parse(planToJson(one)))).toEqual(expandPlan(one)[0].experiment);
    expect(() => parseExperiment(PLAN)).toThrow(
      'this is a plan of 6 runs (3 model configurations × 2 seeds), not a single run',
    );
  });
});

describe('planToJson', () => {
  it('round-trips: parsePlan reads back the same plan and writes the same text', () => {
    const plan = parsePlan(PLAN);
    const text = planToJson(plan, 2);
    const again = parsePlan(JSON.parse(text));
    expect(again).toEqual(plan);
    expect(planToJson(again, 2)).toBe(text);
  });

  it('is explicit and independent of the order keys were given in', () => {
    const shuffled = {
      seeds: [1, 2],
      train: { seed: 7, batchSize: 256, epochs: 2 },
      models: [
        { options: { experts: 4 }, id: 'mmoe' },
        { train: { learningRate: 0.01 }, options: { experts: 8 }, id: 'mmoe' },
        { id: 'cesaa', name: 'attention' },
      ],
      data: {
        split: 'split',
        numeric: ['n1', 'n2'],
        tasks: DATA.tasks.map((t) => ({ rule: t.rule, column: t.column, name: t.name })),
        domain: 'domain',
        dataset: DATA.dataset,
      },
    };
    expect(planToJson(parsePlan(shuffled))).toBe(planToJson(parsePlan(PLAN)));
    const json = JSON.parse(planToJson(parsePlan({ data: DATA, model: { id: 'mmoe' } })));
    expect(Object.keys(json)).toEqual(['data', 'models', 'train', 'seeds']);
    expect(json.train).toEqual(DEFAULT_TRAIN);
    expect(json.models).toEqual([{ name: 'mmoe', id: 'mmoe', options: {}, train: {} }]);
  });

  it('keeps the content hash of an uploaded file', () => {
    const sha256 = 'ab'.repeat(32);
    const plan = parsePlan({
      data: { ...DATA, dataset: undefined, path: 'clicks.csv', sha256 },
      model: { id: 'mmoe' },
    });
    expect(JSON.parse(planToJson(plan)).data.sha256).toBe(sha256);
  });
});

describe('bench plans', () => {
  it('the shipped comparison plan expands to its configurations × seeds', () => {
    const file = path.resolve(import.meta.dirname, '../../bench/experiments/compare-planted.json');
    const runs = expandPlan(parsePlan(JSON.parse(readFileSync(file, 'utf8'))));
    expect(runs.map((r) => `${r.name}/${r.seed}`)).toEqual(['mmoe/1', 'mmoe/2', 'cesaa/1', 'cesaa/2']);
  });
});

describe('plan limits', () => {
  it('refuses absurd training settings, naming the setting and the limit', () => {
    expect(() => parsePlan({ ...PLAN, train: { batchSize: 1e9 } })).toThrow(
      'train.batchSize is 1000000000, more than the 1048576 a run may use',
    );
    expect(() => parsePlan({ ...PLAN, train: { epochs: 1e12 } })).toThrow(
      /train.epochs is 1000000000000, more than the 10000/,
    );
    expect(() => parsePlan({ ...PLAN, train: { embeddingDim: 1e6 } })).toThrow(
      /train.embeddingDim is 1000000/,
    );
    expect(() => parsePlan({ ...PLAN, train: { embeddingInitScale: 1e39 } })).toThrow(
      'train.embeddingInitScale is 1e+39, more than the 10 a run may use',
    );
    // A configuration's own settings are held to the same limits.
    const models = [{ id: 'mmoe', train: { batchSize: 1 << 21 } }];
    expect(() => parsePlan({ ...PLAN, models })).toThrow(/models\[0\].train.batchSize is 2097152/);
    // At the limit is allowed.
    expect(parsePlan({ ...PLAN, train: { batchSize: TRAIN_LIMITS.batchSize } }).train.batchSize).toBe(
      1 << 20,
    );
  });

  it('refuses plans with too many configurations, seeds or runs', () => {
    const seeds = Array.from({ length: 3000 }, (_, i) => i);
    expect(() => parsePlan({ ...PLAN, seeds })).toThrow('seeds lists 3000 seeds; a plan may have at most 32');
    const models = Array.from({ length: 17 }, () => ({ id: 'mmoe' }));
    expect(() => parsePlan({ ...PLAN, models })).toThrow(
      'models lists 17 configurations; a plan may compare at most 16',
    );
    const eight = Array.from({ length: 8 }, () => ({ id: 'mmoe' }));
    const nine = Array.from({ length: 9 }, (_, i) => i);
    expect(() => parsePlan({ ...PLAN, models: eight, seeds: nine })).toThrow(
      'the plan is 8 configurations × 9 seeds = 72 runs; at most 64 can be queued',
    );
    expect(
      expandPlan(parsePlan({ ...PLAN, models: eight, seeds: nine.slice(0, PLAN_LIMITS.runs / 8) })),
    ).toHaveLength(64);
  });
});
