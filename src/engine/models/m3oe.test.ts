import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DataShape, EncodedDataset } from '../data/types';
import {
  batchOf,
  buildFor,
  expectFlatTensorCounts,
  expectSameUnderEveryFormulation,
  logitSum,
  PER_MEMBER,
  SMALL_SHAPE as shape,
  squaredLogitSum,
  tensorCountsOverTraining,
  tinyTwoDomains as synth,
  variablesWithoutGradient,
  testContext,
} from '../testing/models';
import { useCpu } from '../testing/tf';
import { DEFAULT_TRAIN, type TrainConfig } from '../train/config';
import { Trainer } from '../train/trainer';
import { Rng } from '../util/rng';
import type { Formulation } from './experts';
import { buildModel } from './registry';
import type { Batch, Mode, Model } from './types';

const SMALL = { experts: 3, slotDim: 12, bottomDim: 10, expertLayers: [6], towerHidden: 5 };

// With the domain id as an input field, as the official code feeds it.
function build(
  options: Record<string, unknown>,
  f: Formulation = PER_MEMBER,
  s: DataShape = shape,
  domainInput = true,
): Model {
  return buildModel('m3oe', options, testContext(s, 4, 3, f, { domainInput })).model;
}

/** Gradients of `loss` for every stored parameter, by name (missing: not on any path to the loss). */
async function gradsByName(model: Model, loss: () => tf.Scalar): Promise<Map<string, number>> {
  const vars = model.params.entries().map(([, v]) => v);
  const { grads } = tf.variableGrads(loss, vars);
  const out = new Map<string, number>();
  for (const [name, v] of model.params.entries()) {
    const g = grads[v.name];
    if (g) out.set(name, (await tf.max(tf.abs(g)).data())[0]);
  }
  return out;
}

/** Marks every valid row: its first numeric feature becomes 1000 (train rows stay standardised, |x| ≪ 1000). */
function markValid(ds: EncodedDataset): void {
  const nn = ds.schema.numeric.length;
  for (const r of ds.splits.valid) ds.num[r * nn] = 1000;
}

/** Wraps forward: records, for each training-mode call, whether its batch came from the marked valid rows. */
function spyOnSplits(model: Model): { fromValid: tf.Tensor[] } {
  const fromValid: tf.Tensor[] = [];
  const forward = model.forward.bind(model);
  model.forward = (batch: Batch, mode: Mode, rng: Rng) => {
    if (mode === 'train')
      fromValid.push(tf.keep(tf.any(tf.greater(tf.slice(batch.num, [0, 0], [-1, 1]), 500))));
    return forward(batch, mode, rng);
  };
  return { fromValid };
}

function structure(model: Model): tf.Variable[] {
  return ['alphaD', 'alphaT', 'betaD', 'betaT'].map((k) => model.params.get(`structure.${k}`));
}

function trainConfig(over: Partial<TrainConfig>): TrainConfig {
  return {
    ...DEFAULT_TRAIN,
    embeddingDim: 4,
    batchSize: 32,
    learningRate: 0.01,
    epochs: 1,
    patience: 0,
    ...over,
  };
}

describe('M3oE', () => {
  beforeAll(useCpu);

  it("has the census reference row's 1,255,448 parameters (domain id embedded as the official code does)", () => {
    // Census: 32 categorical fields (vocab 526 in all), 7 numeric, 2 domains, 2 tasks; embedding 16.
    const census: DataShape = {
      numCat: 32,
      numNum: 7,
      vocabSize: 526,
      numDomains: 2,
      numTasks: 2,
      domainNames: ['f', 'm'],
      taskNames: ['income', 'never_married'],
    };
    const ctx = testContext(census, 16, 1, PER_MEMBER, { domainInput: true });
    // The same shape without the domain field gives the MMoE reference row's count, so the shape is the census one.
    const mmoe = buildModel('mmoe', {}, { ...ctx, domainInput: false }).model;
    expect(mmoe.params.count()).toBe(287_202);
    mmoe.params.dispose();
    const m3oe = buildModel('m3oe', {}, ctx).model;
    expect(m3oe.params.count()).toBe(1_255_448);
    m3oe.params.dispose();
    // Without it: the 2 × 16 table, and 16 input columns fewer for the skip (×256) and the 3 slot matrices (×512 each).
    const noDomainField = buildModel('m3oe', {}, { ...ctx, domainInput: false }).model;
    expect(noDomainField.params.count()).toBe(1_255_448 - 2 * 16 - 16 * (256 + 3 * 512));
    noDomainField.params.dispose();
  });

  it("gives every task a gate row over the shared experts that sums to 1, from the sample's own (domain, task) gate", async () => {
    const model = build(SMALL);
    const out = model.forward(batchOf([0, 1, 2, 0]), 'eval', new Rng(1));
    expect(Object.keys(out.routing)).toEqual(['gate · click', 'gate · buy']);
    for (const w of Object.values(out.routing)) {
      expect(w.shape).toEqual([4, 3]);
      for (const s of (await tf.sum(w, 1).array()) as number[]) expect(s).toBeCloseTo(1, 5);
    }
    expect(out.logits.shape).toEqual([4, 2]);
    // Same features, other domain: another gate.
    const a = await model.forward(batchOf([0, 0], 7), 'eval', new Rng(1)).routing['gate · click'].array();
    const b = await model.forward(batchOf([1, 1], 7), 'eval', new Rng(1)).routing['gate · click'].array();
    expect(a.some((row, i) => row.some((v, e) => Math.abs(v - b[i][e]) > 1e-6))).toBe(true);
  });

  it('stops the gradient at the gate input: through the gates alone, nothing below emb learns', async () => {
    const upstream = (name: string) =>
      /^(embedding|domainEmbedding|skip|slot|bottom)\./.test(name) ||
      name === 'embedding' ||
      name === 'domainEmbedding';
    for (const stop of [true, false]) {
      const model = build({ ...SMALL, gateStopGradient: stop });
      const batch = batchOf([0, 1, 2, 1, 0]);
      const c = tf.tensor2d(new Rng(5).fillUniform(new Float32Array(15), -1, 1), [5, 3]);
      // A loss whose only path from the parameters runs through the gate weights.
      const grads = await gradsByName(model, () => {
        const r = model.forward(batch, 'eval', new Rng(1)).routing;
        return tf.add(tf.sum(tf.mul(r['gate · click'], c)), tf.sum(tf.square(r['gate · buy']))) as tf.Scalar;
      });
      expect(grads.get('gates.w')!, 'the gates themselves learn').toBeGreaterThan(0);
      const reached = [...grads.entries()]
        .filter(([name, g]) => upstream(name) && g > 0)
        .map(([name]) => name);
      if (stop)
        expect(reached, 'stop-gradient: no upstream parameter gets a gradient through the gates').toEqual([]);
      else
        expect(reached.sort()).toEqual([
          'bottom.b',
          'bottom.ln.beta',
          'bottom.ln.gamma',
          'bottom.w',
          'domainEmbedding',
          'embedding',
          'skip.b',
          'skip.ln.beta',
          'skip.ln.gamma',
          'skip.w',
          'slot.domain.b',
          'slot.domain.w',
          'slot.shared.b',
          'slot.shared.w',
        ]);
    }
  });

  it("computes the group loss: Σ over (domain, task) groups of the group's mean BCE, empty groups skipped", async () => {
    const model = build(SMALL);
    const bce = tf.tensor2d([
      [1, 2],
      [3, 0],
      [5, 6],
      [0, 0],
    ]);
    const mask = tf.tensor2d([
      [1, 1],
      [1, 0],
      [1, 1],
      [0, 0],
    ]);
    // Domains 0, 0, 1, 1; domain 2 has no rows and row 3 no labels.
    const batch = batchOf([0, 0, 1, 1]);
    // (0, click) = (1 + 3)/2, (0, buy) = 2/1, (1, click) = 5/1, (1, buy) = 6/1; (2, ·) empty: 2 + 2 + 5 + 6.
    expect((await model.taskLoss!(bce, mask, batch).data())[0]).toBeCloseTo(15, 5);
    // Not the default Σ_t mean_t (= 3 + 4).
  });

  it('moves the structure weights only by DARTS steps on validation batches, every k steps', async () => {
    const ds = synth();
    markValid(ds);
    const model = buildFor(ds, 'm3oe', { ...SMALL, archEvery: 3, archLr: 0.05 });
    const spy = spyOnSplits(model);
    const after: tf.Tensor[] = [];
    const trainer = new Trainer({
      model,
      dataset: ds,
      config: trainConfig({ maxSteps: 12 }),
      onEvent: (e) => {
        if (e.type === 'progress') after.push(tf.keep(tf.stack(structure(model))));
      },
    });
    const before = tf.stack(structure(model));
    const mainVars = new Set(trainer['optimizer'].vars);
    expect(
      structure(model).some((v) => mainVars.has(v)),
      'main optimizer sees no structure weight',
    ).toBe(false);
    await trainer.run();
    expect(trainer['archOptimizer']!.steps).toBe(4);
    const values = await Promise.all([before, ...after].map((t) => t.array() as Promise<number[]>));
    for (let s = 1; s <= 12; s++) {
      const moved = values[s].some((v, i) => v !== values[s - 1][i]);
      expect(moved, `step ${s}`).toBe(s % 3 === 0);
    }
    // Training-mode forwards: 3 main steps then one architecture step, four times; only the latter read valid rows.
    const fromValid = await Promise.all(spy.fromValid.map(async (t) => (await t.data())[0] === 1));
    expect(fromValid).toEqual(Array.from({ length: 16 }, (_, i) => i % 4 === 3));
    tf.dispose([before, ...after, ...spy.fromValid]);
    trainer.dispose();
  });

  it('offers the published schedule: structure weights trained with the weights, plus one train-batch step per epoch', async () => {
    const ds = synth();
    markValid(ds);
    const model = buildFor(ds, 'm3oe', { ...SMALL, schedule: 'published', archLr: 0.05 });
    const spy = spyOnSplits(model);
    const callsAtStep: number[] = [];
    const after: tf.Tensor[] = [];
    const trainer = new Trainer({
      model,
      dataset: ds,
      config: trainConfig({ epochs: 2 }),
      onEvent: (e) => {
        if (e.type === 'progress') {
          callsAtStep.push(spy.fromValid.length);
          after.push(tf.keep(tf.stack(structure(model))));
        }
      },
    });
    const perEpoch = trainer.stepsPerEpoch;
    const mainVars = new Set(trainer['optimizer'].vars);
    expect(
      structure(model).every((v) => mainVars.has(v)),
      'main optimizer trains the structure weights',
    ).toBe(true);
    const before = tf.stack(structure(model));
    await trainer.run();
    expect(trainer['archOptimizer']!.steps).toBe(2);
    expect(model.architecture!.everySteps).toBe(perEpoch);
    // One extra training-mode forward right after the last step of each epoch.
    expect(callsAtStep[perEpoch - 2]).toBe(perEpoch - 1);
    expect(callsAtStep[perEpoch - 1]).toBe(perEpoch + 1);
    expect(callsAtStep[2 * perEpoch - 1]).toBe(2 * perEpoch + 2);
    // Every batch, the extra ones included, came from the train split.
    expect(
      (await Promise.all(spy.fromValid.map(async (t) => (await t.data())[0]))).every((v) => v === 0),
    ).toBe(true);
    // And the main optimizer moves them at every step.
    const values = await Promise.all([before, ...after].map((t) => t.array() as Promise<number[]>));
    for (let s = 1; s < values.length; s++)
      expect(
        values[s].some((v, i) => v !== values[s - 1][i]),
        `step ${s}`,
      ).toBe(true);
    tf.dispose([before, ...after, ...spy.fromValid]);
    trainer.dispose();
  });

  it('reaches every trainable variable with a gradient', async () => {
    for (const [options, domainInput] of [
      [SMALL, true],
      [{ ...SMALL, expertLayers: [6, 4] }, false],
    ] as const) {
      const model = build(options, PER_MEMBER, shape, domainInput);
      expect(
        await variablesWithoutGradient(model, logitSum(model, batchOf([0, 1, 2, 1]))),
        'variables without gradient',
      ).toEqual([]);
    }
  });

  it('runs with one domain or one task (no "others" to share with in the level-1 fusion)', async () => {
    for (const [D, T] of [
      [1, 2],
      [3, 1],
      [1, 1],
    ]) {
      const s: DataShape = {
        ...shape,
        numDomains: D,
        numTasks: T,
        domainNames: ['a', 'b', 'c'].slice(0, D),
        taskNames: ['click', 'buy'].slice(0, T),
      };
      const model = build(SMALL, PER_MEMBER, s);
      const batch = batchOf(
        Array.from({ length: 4 }, (_, i) => i % D),
        1,
        s,
      );
      const grads = await gradsByName(
        model,
        () => tf.sum(model.forward(batch, 'train', new Rng(1)).logits) as tf.Scalar,
      );
      const logits = await model.forward(batch, 'eval', new Rng(1)).logits.data();
      expect(logits.length).toBe(4 * T);
      expect([...logits].every(Number.isFinite)).toBe(true);
      for (const k of ['alphaD', 'alphaT', 'betaD', 'betaT'])
        expect(grads.get(`structure.${k}`)!, `D=${D} T=${T} ${k}`).toBeGreaterThan(0);
    }
  });

  it('computes the same logits and gradients under every backend formulation', async () => {
    await expectSameUnderEveryFormulation((f) => {
      const model = build({ ...SMALL, expertLayers: [6, 4] }, f);
      return { model, loss: squaredLogitSum(model, batchOf([0, 1, 2, 1, 0])) };
    });
  });

  it('keeps tf.memory().numTensors flat over 200 steps, architecture steps and evaluations included', async () => {
    const ds = synth();
    const model = buildFor(ds, 'm3oe', { ...SMALL, archEvery: 5 });
    expectFlatTensorCounts(await tensorCountsOverTraining(model, ds, 200, { patience: 0 }), 200, 100);
  });

  it('reports the four σ structure weights for the UI', async () => {
    const model = build({ ...SMALL, structureInit: 1 });
    const inspection = await model.inspect!();
    expect(Object.keys(inspection)).toEqual(['σ(α_D)', 'σ(α_T)', 'σ(β_D)', 'σ(β_T)']);
    for (const v of Object.values(inspection)) expect(v as number).toBeCloseTo(1 / (1 + Math.exp(-1)), 5);
  });
});
