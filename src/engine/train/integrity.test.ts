/**
 * The trainer's integrity mechanisms, on a scripted model whose weights a schedule sets per epoch (the learning
 * rate is too small to move them): early stopping after exactly `patience` worse epochs with the best epoch's
 * weights restored, the choice of test weights for a run stopped mid-epoch, and runs whose weights break.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../data/csv';
import { encodeDataset } from '../data/encode';
import type { EncodedDataset } from '../data/types';
import { Params } from '../models/layers';
import type { Model } from '../models/types';
import { buildFor, tinyTwoDomains } from '../testing/models';
import { useCpu } from '../testing/tf';
import { Rng } from '../util/rng';
import { DEFAULT_TRAIN, type TrainConfig } from './config';
import { RunControl } from './control';
import type { RunFlag, TrainEvent } from './events';
import { Trainer, TrainingError } from './trainer';

/** y = 1 when x1 + noise > 0; x2 is noise. Two domains, one task, a seeded 80/10/10 split. */
function linearData(rows = 2000): EncodedDataset {
  const rng = new Rng(11);
  const lines = ['d,x1,x2,y'];
  for (let i = 0; i < rows; i++) {
    const x1 = rng.normal();
    lines.push(
      `${i % 2 === 0 ? 'a' : 'b'},${x1.toFixed(4)},${rng.normal().toFixed(4)},${x1 + 0.8 * rng.normal() > 0 ? 1 : 0}`,
    );
  }
  return encodeDataset(parseCsv(lines.join('\n')), {
    domain: 'd',
    tasks: [{ name: 'y', column: 'y', rule: '== 1' }],
    numeric: ['x1', 'x2'],
  });
}

/** logit = x · w, where w is set to schedule[epoch] before every step of that epoch (the last entry repeats). */
function scripted(
  schedule: [number, number][],
  breakAt?: { epoch: number },
): { model: Model; w: tf.Variable } {
  const params = new Params(new Rng(1));
  const w = params.constant('w', [2, 1], 0);
  const model: Model = {
    params,
    forward: (b, mode) => {
      const logits = tf.matMul(b.num, w) as tf.Tensor2D;
      // NaN training logits from `breakAt.epoch` on: the loss, then the update (w itself), go non-finite.
      const nan = broken && mode === 'train';
      return { logits: nan ? (tf.mul(logits, NaN) as tf.Tensor2D) : logits, routing: {}, aux: {} };
    },
    hooks: {
      beforeStep(_step, epoch) {
        broken = breakAt !== undefined && epoch + 1 >= breakAt.epoch;
        w.assign(tf.tensor2d(schedule[Math.min(epoch, schedule.length - 1)], [2, 1]));
        return { variablesChanged: false };
      },
    },
  };
  let broken = false;
  return { model, w };
}

const GOOD: [number, number] = [1, 0];
const BAD: [number, number] = [-1, 0];
/** Scores by the noise column alone: about chance, better than BAD, worse than GOOD. */
const NOISE: [number, number] = [0, 1];

function config(over: Partial<TrainConfig>): TrainConfig {
  return { ...DEFAULT_TRAIN, batchSize: 100, learningRate: 1e-12, epochs: 10, patience: 2, ...over };
}

/** Trains to the end, or stops at the end of step `stopAt` (the trainer checks between steps). */
async function train(model: Model, ds: EncodedDataset, over: Partial<TrainConfig>, stopAt?: number) {
  const events: TrainEvent[] = [];
  const control = new RunControl();
  const trainer = new Trainer({
    model,
    dataset: ds,
    config: config(over),
    control,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'progress' && e.step === stopAt) control.stop();
    },
  });
  const done = await trainer.run();
  trainer.dispose();
  return { done, events };
}

describe('Trainer integrity', () => {
  let ds: EncodedDataset;
  beforeAll(async () => {
    await useCpu();
    ds = linearData();
  });

  it('early-stops after exactly `patience` epochs without improvement and tests the best epoch, restored', async () => {
    const { model, w } = scripted([GOOD, BAD]);
    const { done } = await train(model, ds, { patience: 2 });
    expect(done.reason).toBe('early-stopped');
    expect(done.epochs).toBe(3);
    expect(done.bestEpoch).toBe(1);
    expect(done.weightsFrom).toEqual({ kind: 'best', epoch: 1, step: 16 });
    // The last epochs ran on BAD; the test pass scored GOOD again.
    expect(Array.from(await w.data())[0]).toBeCloseTo(1, 6);
    expect(done.test.meanCellAuc!).toBeGreaterThan(0.75);
  });

  it('waits exactly the patience it is given', async () => {
    const { model } = scripted([GOOD, BAD]);
    const { done } = await train(model, ds, { patience: 4 });
    expect(done.epochs).toBe(5);
  });

  it('keeps the last weights of a run stopped mid-epoch when they score better on the whole valid split', async () => {
    const { model, w } = scripted([NOISE, GOOD]);
    const stopAt = 16 + 5; // five steps into epoch 2
    const { done, events } = await train(model, ds, {}, stopAt);
    expect(done.reason).toBe('stopped');
    expect(done.weightsFrom).toEqual({ kind: 'last', step: stopAt });
    expect(Array.from(await w.data())[0]).toBeCloseTo(1, 6);
    // The last weights were scored on the whole valid split before being chosen.
    const full = events.filter((e) => e.type === 'eval' && !e.report.partial && e.step === stopAt);
    expect(full).toHaveLength(1);
  });

  it('restores the best epoch of a run stopped mid-epoch when its last weights score worse', async () => {
    const { model, w } = scripted([GOOD, BAD]);
    const { done } = await train(model, ds, {}, 20);
    expect(done.reason).toBe('stopped');
    expect(done.weightsFrom).toEqual({ kind: 'best', epoch: 1, step: 16 });
    expect(Array.from(await w.data())[0]).toBeCloseTo(1, 6);
  });

  it('tests the last weights of a run capped before its first epoch ends', async () => {
    const { model } = scripted([GOOD]);
    const { done } = await train(model, ds, { maxSteps: 7 });
    expect(done.reason).toBe('max-steps');
    expect(done.weightsFrom).toEqual({ kind: 'last', step: 7 });
    expect(done.epochs).toBe(0);
  });

  it('ends a run whose loss turns NaN after a good epoch as "diverged", tested on the best epoch, restored', async () => {
    const { model, w } = scripted([GOOD, GOOD], { epoch: 2 });
    const { done } = await train(model, ds, {});
    expect(done.reason).toBe('diverged');
    expect(done.failure).toMatch(
      /the loss became NaN at step 17 \(epoch 2\).*learning rate.*best epoch \(1\)/,
    );
    expect(done.weightsFrom).toEqual({ kind: 'best', epoch: 1, step: 16 });
    expect(Number.isFinite(Array.from(await w.data())[0])).toBe(true);
    expect(done.test.meanCellAuc!).toBeGreaterThan(0.75);
  });

  it('fails a run whose first update breaks the weights (learning rate 1e39), naming the step', async () => {
    const options = { experts: 2, expertLayers: [8], towerLayers: [4] };
    const model = buildFor(ds, 'mmoe', options);
    const run = new Trainer({
      model,
      dataset: ds,
      config: config({ learningRate: 1e39 }),
      onEvent: () => {},
    }).run();
    await expect(run).rejects.toThrow(TrainingError);
    const again = new Trainer({
      model: buildFor(ds, 'mmoe', options),
      dataset: ds,
      config: config({ learningRate: 1e39 }),
      onEvent: () => {},
    }).run();
    await expect(again).rejects.toThrow(
      /an update made the weights non-finite .* at step 1 .*learning rate \(now 1e\+39\)/,
    );
  });

  it('flags a run at learning rate 10 whose loss explodes and whose network dies at chance, yet completes', async () => {
    const planted = tinyTwoDomains(3000);
    const model = buildFor(planted, 'mmoe', { experts: 4, expertLayers: [16], towerLayers: [8] });
    const flags: RunFlag[] = [];
    const trainer = new Trainer({
      model,
      dataset: planted,
      config: config({ learningRate: 10, batchSize: 64, epochs: 2 }),
      onEvent: (e) => {
        if (e.type === 'flag') flags.push(e.flag);
      },
    });
    const done = await trainer.run();
    expect(done.reason).toBe('completed');
    expect(done.flags).toEqual(flags);
    expect(flags.map((f) => f.kind)).toEqual(['loss-growth', 'chance-level']);
    expect(flags[0].message).toMatch(/learning rate \(now 10\)/);
    trainer.dispose();
  });
});
