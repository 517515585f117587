import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dataShapeOf, type DataShape, type EncodedDataset } from '../data/types';
import { BatchAssembler } from '../data/batches';
import {
  batchOf,
  buildSmall,
  expectSameUnderEveryFormulation,
  PER_MEMBER,
  SMALL_SHAPE as shape,
  squaredLogitSum,
  tensorCountsOverTraining,
  tinyTwoDomains as synth,
} from '../testing/models';
import { useCpu } from '../testing/tf';
import { disposeBatch, toTensors } from '../train/batchTensors';
import { DEFAULT_TRAIN, type TrainConfig } from '../train/config';
import type { TrainEvent } from '../train/events';
import { Trainer } from '../train/trainer';
import { Rng } from '../util/rng';
import type { Formulation } from './experts';
import { isMome, maskThresholdCost, type MomeModel } from './mome';

const SMALL = { experts: 3, expertLayers: [8, 6], towerLayers: [5] };

function build(
  options: Record<string, unknown>,
  f: Formulation = PER_MEMBER,
  s: DataShape = shape,
  seed = 3,
): MomeModel {
  const model = buildSmall('mome', options, f, s, seed);
  if (!isMome(model)) throw new Error('not a MoME model');
  return model;
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

function onDataset(ds: EncodedDataset, options: Record<string, unknown>): MomeModel {
  return build(options, PER_MEMBER, dataShapeOf(ds.schema), 2);
}

/** Largest |gradient| per trainable parameter of `loss`, by name. */
async function gradMagnitudes(model: MomeModel, loss: () => tf.Scalar): Promise<Map<string, number>> {
  const entries = model.params.entries().filter(([, v]) => v.trainable);
  const { grads } = tf.variableGrads(
    loss,
    entries.map(([, v]) => v),
  );
  const out = new Map<string, number>();
  for (const [name, v] of entries)
    out.set(name, grads[v.name] ? (await tf.max(tf.abs(grads[v.name])).data())[0] : 0);
  return out;
}

describe('MoME', () => {
  beforeAll(useCpu);

  it('switches to phase B at step M and the trainer rebuilds its optimizer with masks and gates, neuron masks frozen', async () => {
    const ds = synth();
    const model = onDataset(ds, { ...SMALL, switchAt: 5, switchUnit: 'steps' });
    const seen: { step: number; phase: number; aux: string[]; vars: Set<string> }[] = [];
    const byVariable = new Map(model.params.entries().map(([n, v]) => [v, n]));
    let trainer: Trainer | null = null;
    trainer = new Trainer({
      model,
      dataset: ds,
      config: trainConfig({ maxSteps: 8 }),
      onEvent: (e: TrainEvent) => {
        if (e.type !== 'progress' || !trainer) return;
        for (const [n, v] of model.params.entries()) byVariable.set(v, n);
        seen.push({
          step: e.step,
          phase: model.phase,
          aux: Object.keys(e.aux),
          vars: new Set(trainer['optimizer'].vars.map((v) => byVariable.get(v)!)),
        });
      },
    });
    const firstOptimizer = trainer['optimizer'];
    await trainer.run();
    expect(seen.map((s) => s.phase)).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
    expect(seen[4].aux).toEqual(['L0 neuron']);
    expect(seen[5].aux).toEqual(['L0 mask']);
    expect(trainer['optimizer']).not.toBe(firstOptimizer);
    const [before, after] = [seen[4].vars, seen[5].vars];
    expect(before.has('base.0.neuronMask') && before.has('base.1.neuronMask')).toBe(true);
    expect(before.has('gates.w')).toBe(false);
    for (const name of [
      'base.0.expertMasks',
      'base.1.expertMasks',
      'gates.w',
      'gates.b',
      'base.0.w',
      'towers.out.w',
    ])
      expect(after.has(name), name).toBe(true);
    expect(after.has('base.0.neuronMask') || after.has('base.1.neuronMask'), 'neuron masks frozen').toBe(
      false,
    );
    trainer.dispose();
  });

  it("gates phase A's rows by a fresh clamp(μ + ε) each training forward; a clamped gate passes no gradient to μ", async () => {
    const model = build({ ...SMALL, dropout: 0 });
    const batch = batchOf([0, 1, 2, 1, 0]);
    const loss = () => tf.sum(model.forward(batch, 'train', new Rng(1)).logits) as tf.Scalar;
    // Dropout off: only the gates' noise makes two training forwards differ.
    const logitsOf = async (seed: number) =>
      Array.from(await model.forward(batch, 'train', new Rng(seed)).logits.data());
    expect(await logitsOf(1)).not.toEqual(await logitsOf(2));
    // μ far outside [0, 1]: every gate of layer 0 sits at 0 (or 1) whatever the noise, so μ learns nothing there;
    // gates at 0 also cut the layer's weights off the loss.
    const mu = model.params.get('base.0.neuronMask');
    for (const value of [-10, 10]) {
      mu.assign(tf.fill(mu.shape, value));
      const grads = await gradMagnitudes(model, loss);
      expect(grads.get('base.0.neuronMask'), `μ = ${value}`).toBe(0);
      if (value < 0) expect(grads.get('base.0.w')).toBe(0);
      else expect(grads.get('base.0.w')).toBeGreaterThan(0);
    }
    // Inside [0, 1] the gate passes μ's gradient.
    mu.assign(tf.fill(mu.shape, 0.5));
    expect((await gradMagnitudes(model, loss)).get('base.0.neuronMask')).toBeGreaterThan(0);
    model.params.dispose();
  });

  it('counts M in epochs too, switching once', () => {
    const model = build({ ...SMALL, switchAt: 2, switchUnit: 'epochs' });
    expect(model.hooks!.beforeStep!(19, 1, 10)).toEqual({ variablesChanged: false });
    expect(model.hooks!.beforeStep!(20, 2, 10)).toEqual({ variablesChanged: true, resetBest: true });
    expect(model.phase).toBe(1);
    expect(model.hooks!.beforeStep!(21, 2, 10)).toEqual({ variablesChanged: false });
  });

  it("drops the rows whose neuron mask is 0 and folds the kept rows' mask value into the base weights", async () => {
    const model = build(SMALL);
    const mu = model.params.get('base.0.neuronMask');
    const w = model.params.get('base.0.w');
    // Neuron masks −0.3 (dropped), 0.25 and 1.7 (kept, scaled by 0.25 and 1) on the first three input rows.
    const values = (await mu.data()) as Float32Array;
    values.set([-0.3, 0.25, 1.7]);
    mu.assign(tf.tensor(values, mu.shape));
    const w0 = (await w.array()) as number[][];
    model.switchPhase();
    const w1 = (await w.array()) as number[][];
    expect(w1[0].every((x) => x === 0)).toBe(true);
    w1[1].forEach((x, c) => expect(x).toBeCloseTo(0.25 * w0[1][c], 6));
    w1[2].forEach((x, c) => expect(x).toBeCloseTo(w0[2][c], 6));
    expect(Array.from((await model.params.get('base.0.keep').data()).slice(0, 3))).toEqual([0, 1, 1]);
    // The dropped row stays at exactly 0: no gradient reaches it.
    const batch = batchOf([0, 1, 2, 1]);
    const { grads } = tf.variableGrads(
      () => tf.sum(model.forward(batch, 'train', new Rng(1)).logits) as tf.Scalar,
      [w],
    );
    const g = (await grads[w.name].array()) as number[][];
    expect(g[0].every((x) => x === 0)).toBe(true);
    expect(g[1].some((x) => x !== 0)).toBe(true);
  });

  it('drives masks to exact zeros under a strong L0 penalty (clamp(μ) in evaluation), not without it', async () => {
    const ds = synth();
    const zeroFractions: { neuron: number; mask: number }[] = [];
    for (const lambda of [5, 0]) {
      // Neuron masks: phase A only, 60 steps.
      const a = onDataset(ds, { ...SMALL, switchAt: 1000, switchUnit: 'steps', lambdaNeuron: lambda });
      const ta = new Trainer({
        model: a,
        dataset: ds,
        config: trainConfig({ maxSteps: 60, learningRate: 0.02 }),
        onEvent: () => {},
      });
      await ta.run();
      const neuron = (await a.inspect!())['neuron mask = 0 (fraction) [layer]'] as number[];
      // Expert weight masks: phase B from the first step, 100 steps.
      const b = onDataset(ds, { ...SMALL, switchAt: 0, switchUnit: 'steps', lambdaMask: lambda });
      const tb = new Trainer({
        model: b,
        dataset: ds,
        config: trainConfig({ maxSteps: 100, learningRate: 0.02 }),
        onEvent: () => {},
      });
      await tb.run();
      const inspection = await b.inspect!();
      expect(inspection.phase).toBe(1);
      const masks = (inspection['mask = 0 (fraction) [layer][expert]'] as number[][]).flat();
      zeroFractions.push({ neuron: Math.min(...neuron), mask: Math.min(...masks) });
      ta.dispose();
      tb.dispose();
    }
    const [strong, none] = zeroFractions;
    // Every layer, and every expert of every layer, has entries at exactly 0 under the penalty; none without it.
    expect(strong.neuron).toBeGreaterThan(0.3);
    expect(strong.mask).toBeGreaterThan(0.3);
    expect(none.neuron).toBe(0);
    expect(none.mask).toBe(0);
  });

  it('thresholds the evaluation masks at 0.5 on request and reports the AUC cost', async () => {
    const ds = synth();
    const model = onDataset(ds, { ...SMALL, switchAt: 20, switchUnit: 'steps' });
    const trainer = new Trainer({
      model,
      dataset: ds,
      config: trainConfig({ maxSteps: 80 }),
      onEvent: () => {},
    });
    await trainer.run();
    expect(model.phase).toBe(1);
    const assembler = new BatchAssembler(ds, 64);
    assembler.fill(ds.splits.test, 0);
    const labelled = toTensors(assembler, ds.schema.domains.length);
    const { batch } = labelled;
    const soft = await model.forward(batch, 'eval', new Rng(1)).logits.array();
    model.thresholdMasks = true;
    const hard = await model.forward(batch, 'eval', new Rng(1)).logits.array();
    model.thresholdMasks = false;
    expect(hard).not.toEqual(soft);
    // Thresholding = the same model with every μ set to exactly 0 or 1.
    const saved = model.params
      .entries()
      .filter(([n]) => n.endsWith('expertMasks'))
      .map(([, v]) => [v, tf.clone(v)] as const);
    for (const [v] of saved) v.assign(tf.tidy(() => tf.cast(tf.greaterEqual(v, 0.5), 'float32')));
    const binary = await model.forward(batch, 'eval', new Rng(1)).logits.array();
    binary.forEach((row, i) => row.forEach((x, t) => expect(x).toBeCloseTo(hard[i][t], 5)));
    for (const [v, value] of saved) v.assign(value);
    disposeBatch(labelled);

    const cost = await maskThresholdCost(model, ds, ds.splits.test, 128, new Rng(1));
    expect(model.thresholdMasks).toBe(false);
    expect(cost.aucCostByTask).toHaveLength(2);
    cost.aucCostByTask.forEach((c, t) =>
      expect(c).toBeCloseTo(cost.soft.byTask[t].auc! - cost.thresholded.byTask[t].auc!, 10),
    );
    expect(cost.meanTaskAucCost).toBeCloseTo(cost.soft.meanTaskAuc! - cost.thresholded.meanTaskAuc!, 10);
    expect(cost.soft.byTask[0].auc).not.toBe(cost.thresholded.byTask[0].auc);
    // The build option does the same.
    const optioned = onDataset(ds, { ...SMALL, thresholdMasks: true });
    expect(optioned.thresholdMasks).toBe(true);
    trainer.dispose();
  });

  it('reaches every trainable variable with a gradient in both phases (except biases right before a BatchNorm)', async () => {
    const model = build(SMALL);
    const batch = batchOf([0, 1, 2, 1, 0, 2]);
    const loss = () => {
      const out = model.forward(batch, 'train', new Rng(1));
      return tf.add(
        tf.sum(
          tf.mul(
            out.logits,
            tf.tensor2d([
              [1, -2],
              [0.5, 1],
              [-1, 1],
              [2, 0.3],
              [1, 1],
              [-0.5, 2],
            ]),
          ),
        ),
        Object.values(out.aux)[0],
      ) as tf.Scalar;
    };
    // BatchNorm subtracts the batch mean, so a bias added just before it gets an exactly-zero gradient (the
    // official layers have these biases; they are kept for parity and learn nothing).
    const beforeBn = /^(base\.\d+\.b|towers\.\d+\.b)$/;
    for (const phase of [0, 1]) {
      if (phase === 1) model.switchPhase();
      const grads = await gradMagnitudes(model, loss);
      const without = [...grads.entries()].filter(([, g]) => !(g > 1e-6)).map(([n]) => n);
      expect(without.sort(), `phase ${phase}`).toEqual(
        [...grads.keys()].filter((n) => beforeBn.test(n)).sort(),
      );
      expect(without.length).toBe(3);
    }
  });

  it('computes the same logits and gradients under every backend formulation, in both phases', async () => {
    for (const phase of [0, 1]) {
      await expectSameUnderEveryFormulation((f) => {
        const model = build(SMALL, f);
        if (phase === 1) model.switchPhase();
        return { model, loss: squaredLogitSum(model, batchOf([0, 1, 2, 1, 0])) };
      });
    }
  });

  it('keeps tf.memory().numTensors flat over 200 steps, flat again right after the phase switch', async () => {
    const ds = synth();
    const model = onDataset(ds, { ...SMALL, switchAt: 40, switchUnit: 'steps' });
    const { counts } = await tensorCountsOverTraining(model, ds, 200, { patience: 0 });
    // Counted after the run: phase B's variables.
    const held = model.params.entries().length;
    expect(counts.length).toBe(200);
    // Steps 41.. are phase B; the only later growth allowed is the best-epoch snapshot (first taken at step 75).
    expect(new Set(counts.slice(41, 75))).toEqual(new Set([counts[41]]));
    expect(Math.max(...counts.slice(41)) - counts[41]).toBeLessThanOrEqual(held);
    expect(new Set(counts.slice(100))).toEqual(new Set([counts[100]]));
  });

  it('reports phase, mask statistics, expert overlap and storage against an MMoE of the same shape', async () => {
    const model = build({ experts: 4, expertLayers: [8, 6], towerLayers: [5] });
    const a = await model.inspect!();
    expect(a.phase).toBe(0);
    expect(a['neuron mask = 0 (fraction) [layer]']).toEqual([0, 0]);
    model.switchPhase();
    const b = await model.inspect!();
    expect(b.phase).toBe(1);
    expect(b['mask = 0 (fraction) [layer][expert]']).toEqual([
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    // Masks start at μ = 0.5: every entry is ≥ 0.5, so the binary masks all agree.
    expect(b['mask overlap, Jaccard of z ≥ 0.5 [expert][expert]']).toEqual(
      Array.from({ length: 4 }, () => [1, 1, 1, 1]),
    );
    // Set expert 0's first-layer masks to 1 on even entries, 0 on odd ones, expert 1's to the opposite.
    const masks = model.params.get('base.0.expertMasks');
    const per = masks.size / 4;
    const values = (await masks.data()) as Float32Array;
    for (let i = 0; i < per; i++) {
      values[i] = i % 2 === 0 ? 1 : 0;
      values[per + i] = i % 2 === 0 ? 0 : 1;
    }
    masks.assign(tf.tensor(values, masks.shape));
    const c = await model.inspect!();
    const zero = c['mask = 0 (fraction) [layer][expert]'] as number[][];
    const one = c['mask = 1 (fraction) [layer][expert]'] as number[][];
    expect(zero[0][0]).toBeCloseTo(0.5, 6);
    expect(one[0][1]).toBeCloseTo(0.5, 6);
    const overlap = c['mask overlap, Jaccard of z ≥ 0.5 [expert][expert]'] as number[][];
    // Layer 0: disjoint halves; layer 1 (8 × 6 = 48 entries) all on for both: |A ∩ B| = 48, |A ∪ B| = per + 48.
    expect(overlap[0][1]).toBeCloseTo(48 / (per + 48), 6);
    expect(overlap[0][0]).toBe(1);
    const stored = c['params stored (floats + 1 bit per mask entry)'] as number;
    const mmoe = c['params of an MMoE of the same shape'] as number;
    expect(stored).toBeLessThan(mmoe);
    expect(c['storage vs MMoE']).toBeCloseTo(stored / mmoe, 10);
  });
});
