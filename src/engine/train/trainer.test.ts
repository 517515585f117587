import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dataShapeOf, DataError, type EncodedDataset } from '../data/types';
import type { Formulation } from '../models/experts';
import { Params } from '../models/layers';
import { buildModel } from '../models/registry';
import type { Model } from '../models/types';
import type { SynthSpec } from '../synth/spec';
import {
  bundledSpec,
  expectFlatTensorCounts,
  synthesize as dataset,
  tensorCountsOverTraining,
  testContext,
} from '../testing/models';
import { useCpu } from '../testing/tf';
import { Rng } from '../util/rng';
import { DEFAULT_TRAIN, type TrainConfig } from './config';
import { RunControl } from './control';
import { evaluate } from './evaluate';
import type { TrainEvent } from './events';
import { Trainer, TrainingError } from './trainer';

let f: Formulation;

const planted: SynthSpec = {
  ...bundledSpec('tiny-two-domains'),
  id: 'planted-test',
  rows: 8000,
  structure: {
    shared: 1.2,
    domainSpecific: 1.5,
    taskSpecific: 0.5,
    taskCorrelation: 0.5,
    domainOverlap: 0.1,
    noise: 0.2,
  },
};

function config(over: Partial<TrainConfig>): TrainConfig {
  return { ...DEFAULT_TRAIN, embeddingDim: 4, batchSize: 128, learningRate: 0.01, ...over };
}

function mmoe(
  ds: EncodedDataset,
  options: Record<string, unknown> = { experts: 4, expertLayers: [16], gate: 'domain', towerLayers: [8] },
): Model {
  return buildModel('mmoe', options, testContext(dataShapeOf(ds.schema), 4, 2, f)).model;
}

describe('Trainer', () => {
  beforeAll(async () => {
    f = await useCpu();
  });

  it('lifts test AUC from chance towards the oracle on a planted set', async () => {
    const { ds, oracle } = dataset(planted);
    const model = mmoe(ds);
    const before = await evaluate(model, ds, ds.splits.test, 512, new Rng(1), 'test');
    const trainer = new Trainer({
      model,
      dataset: ds,
      config: config({ epochs: 6, patience: 0 }),
      onEvent: () => {},
    });
    const done = await trainer.run();
    const oracleTask = Object.values(oracle.test.byTask) as number[];
    const oracleMean = oracleTask.reduce((a, b) => a + b, 0) / oracleTask.length;
    const gapBefore = oracleMean - before.meanTaskAuc!;
    const gapAfter = oracleMean - done.test.meanTaskAuc!;
    expect(before.meanTaskAuc!).toBeLessThan(0.65);
    // Training closes most of the distance to the ceiling, and never passes it by more than noise.
    expect(gapAfter).toBeLessThan(gapBefore * 0.35);
    expect(gapAfter).toBeGreaterThan(-0.02);
    trainer.dispose();
  });

  it('keeps tf.memory().numTensors flat over 200 steps, evaluations included', async () => {
    const { ds } = dataset({ ...planted, rows: 3000 });
    // The only growth allowed is the best-epoch weight snapshot (one copy per variable), held from epoch 1 on.
    expectFlatTensorCounts(await tensorCountsOverTraining(mmoe(ds), ds, 200), 200, 100);
  });

  it('profiles a step without changing the training that follows', async () => {
    const { ds } = dataset({ ...planted, rows: 3000 });
    const finalWeights = async (profileFirst: boolean) => {
      const model = mmoe(ds);
      const trainer = new Trainer({
        model,
        dataset: ds,
        config: config({ batchSize: 64, maxSteps: 10 }),
        onEvent: () => {},
      });
      if (profileFirst) expect(await trainer.kernelsPerStep()).toBeGreaterThan(20);
      await trainer.run();
      return Promise.all(model.params.entries().map(([, v]) => v.data()));
    };
    expect(await finalWeights(true)).toEqual(await finalWeights(false));
  });

  it('stops when told, with reason "stopped" and test metrics', async () => {
    const { ds } = dataset({ ...planted, rows: 3000 });
    const control = new RunControl();
    let steps = 0;
    const trainer = new Trainer({
      model: mmoe(ds),
      dataset: ds,
      control,
      config: config({ batchSize: 32, epochs: 5 }),
      onEvent: (e) => {
        if (e.type === 'progress' && ++steps === 3) control.stop();
      },
    });
    const done = await trainer.run();
    expect(done.reason).toBe('stopped');
    expect(done.steps).toBe(3);
    expect(done.test.byTask).toHaveLength(2);
  });

  it('reports a NaN loss as an error naming the step and the learning rate', async () => {
    const { ds } = dataset({ ...planted, rows: 3000 });
    const params = new Params(new Rng(1));
    const w = params.constant('w', [1], 1);
    const broken: Model = {
      params,
      forward: (b) => ({
        logits: tf.mul(tf.ones([b.domain.shape[0], 2]), tf.mul(w, NaN)) as tf.Tensor2D,
        routing: {},
        aux: {},
      }),
    };
    const trainer = new Trainer({
      model: broken,
      dataset: ds,
      config: config({ batchSize: 32 }),
      onEvent: () => {},
    });
    await expect(trainer.run()).rejects.toThrow(TrainingError);
    await expect(
      new Trainer({ model: broken, dataset: ds, config: config({ batchSize: 32 }), onEvent: () => {} }).run(),
    ).rejects.toThrow(/step 1 .*learning rate/);
  });

  it('refuses a batch larger than the train split, naming the batch size', () => {
    const { ds } = dataset({ ...planted, rows: 3000 });
    expect(
      () =>
        new Trainer({ model: mmoe(ds), dataset: ds, config: config({ batchSize: 5000 }), onEvent: () => {} }),
    ).toThrow(DataError);
    expect(
      () =>
        new Trainer({ model: mmoe(ds), dataset: ds, config: config({ batchSize: 5000 }), onEvent: () => {} }),
    ).toThrow(/batch of 5000/);
  });

  it('emits gate statistics per domain whose rows sum to 1, from a domain-gated model', async () => {
    const { ds } = dataset({ ...planted, rows: 3000 });
    const events: TrainEvent[] = [];
    await new Trainer({
      model: mmoe(ds),
      dataset: ds,
      config: config({ batchSize: 64, maxSteps: 5 }),
      onEvent: (e) => events.push(e),
    }).run();
    const evalEvent = events.find((e) => e.type === 'eval');
    expect(evalEvent?.type).toBe('eval');
    if (evalEvent?.type !== 'eval') return;
    expect(evalEvent.report.gates.map((g) => g.name)).toEqual(['gate · click', 'gate · convert']);
    for (const g of evalEvent.report.gates) {
      expect(g.byDomain).toHaveLength(2);
      for (const row of g.byDomain) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
  });
});
