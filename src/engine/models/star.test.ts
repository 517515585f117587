import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DataShape } from '../data/types';
import {
  batchOf,
  buildFor,
  buildSmall,
  expectFlatTensorCounts,
  expectSameUnderEveryFormulation,
  EXPLICIT,
  logitSum,
  PER_MEMBER,
  squaredLogitSum,
  tensorCountsOverTraining,
  tinyTwoDomains,
  variablesWithoutGradient,
  testContext,
} from '../testing/models';
import { useCpu } from '../testing/tf';
import { Rng } from '../util/rng';
import type { Formulation } from './experts';
import { Params } from './layers';
import { buildModel } from './registry';
import { PartitionedNorm, StarDense } from './star';
import type { Batch, Model } from './types';

function oneHotOf(domains: number[], D = 3): tf.Tensor2D {
  return tf.oneHot(tf.tensor1d(domains, 'int32'), D).toFloat() as tf.Tensor2D;
}

const FULL = {
  starLayers: [8, 6],
  partitionedNorm: 'all',
  auxNet: 'domain+features',
  auxLayers: [4],
  towerLayers: [5],
};

function build(options: Record<string, unknown>, f: Formulation = PER_MEMBER): Model {
  return buildSmall('star', options, f);
}

async function randomise(v: tf.Variable, seed: number, lo = 0.2, hi = 2): Promise<void> {
  v.assign(tf.tensor(new Rng(seed).fillUniform(new Float32Array(v.size), lo, hi), v.shape));
}

async function rows(t: tf.Tensor): Promise<number[][]> {
  return (await t.array()) as number[][];
}

describe('STAR', () => {
  beforeAll(useCpu);

  it("uses W ⊙ W_d and b + b_d of each row's own domain", async () => {
    const p = new Params(new Rng(4));
    const layer = new StarDense(p, 'fc', 3, 5, 4);
    await randomise(layer.wDomain, 1);
    await randomise(layer.bDomain, 2, -1, 1);
    const domains = [2, 0, 1, 2, 0];
    const xValues = new Rng(9).fillNormal(new Float32Array(5 * 5));
    for (const f of [PER_MEMBER, EXPLICIT]) {
      const y = await rows(layer.forward(tf.tensor2d(xValues, [5, 5]), oneHotOf(domains), f));
      const [w, wd, b, bd] = (await Promise.all([
        layer.w.array(),
        layer.wDomain.array(),
        layer.b.array(),
        layer.bDomain.array(),
      ])) as [number[][], number[][][], number[], number[][]];
      domains.forEach((d, r) => {
        for (let o = 0; o < 4; o++) {
          let expected = b[o] + bd[d][o];
          for (let i = 0; i < 5; i++) expected += xValues[r * 5 + i] * w[i][o] * wd[d][i][o];
          expect(y[r][o]).toBeCloseTo(expected, 5);
        }
      });
    }
    // At init W_d = 1 and b_d = 0: every domain computes the shared layer.
    const fresh = new StarDense(new Params(new Rng(4)), 'fc', 3, 5, 4);
    const same = await rows(
      fresh.forward(tf.tensor2d(xValues.subarray(0, 5), [1, 5]), oneHotOf([1]), PER_MEMBER),
    );
    const shared = await rows(
      tf.add(tf.matMul(tf.tensor2d(xValues.subarray(0, 5), [1, 5]), fresh.w), fresh.b),
    );
    same[0].forEach((v, o) => expect(v).toBeCloseTo(shared[0][o], 6));
  });

  it("lets domain d's weights change only domain d's rows", async () => {
    const model = build({ ...FULL, partitionedNorm: 'off', auxNet: 'off' });
    const batch = batchOf([0, 1, 2, 1]);
    const before = await rows(model.forward(batch, 'eval', new Rng(1)).logits);
    const wd = model.params.get('star.0.wDomain'); // [3, in, out]: domain 2's slice only
    const values = Float32Array.from(await wd.data());
    const per = wd.size / 3;
    new Rng(5).fillUniform(values.subarray(2 * per), 0.2, 2);
    wd.assign(tf.tensor(values, wd.shape));
    const after = await rows(model.forward(batch, 'eval', new Rng(1)).logits);
    expect(after[0]).toEqual(before[0]);
    expect(after[1]).toEqual(before[1]);
    expect(after[3]).toEqual(before[3]);
    expect(Math.abs(after[2][0] - before[2][0])).toBeGreaterThan(1e-4);
  });

  it('leaves every parameter of a domain absent from the batch with an exactly zero gradient', async () => {
    const model = build(FULL);
    const batch = batchOf([0, 2, 2, 0, 2]); // no row of domain 1
    const vars = model.params.trainable();
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.square(model.forward(batch, 'train', new Rng(1)).logits)) as tf.Scalar,
      vars,
    );
    const perDomain = model.params
      .entries()
      .filter(([n]) => /wDomain|bDomain|gammaDomain|betaDomain|domainEmbedding/.test(n));
    expect(perDomain.map(([n]) => n).sort()).toEqual(
      [
        'aux.domainEmbedding',
        'pn.0.betaDomain',
        'pn.0.gammaDomain',
        'pn.1.betaDomain',
        'pn.1.gammaDomain',
        'star.0.bDomain',
        'star.0.wDomain',
        'star.1.bDomain',
        'star.1.wDomain',
      ].sort(),
    );
    for (const [name, v] of perDomain) {
      const g = (await rows(tf.reshape(grads[v.name], [3, -1]))) as number[][];
      expect(
        g[1].every((x) => x === 0),
        `${name}: domain 1`,
      ).toBe(true);
      expect(
        g[0].some((x) => x !== 0),
        `${name}: domain 0`,
      ).toBe(true);
      expect(
        g[2].some((x) => x !== 0),
        `${name}: domain 2`,
      ).toBe(true);
    }
  });

  it('normalises with per-domain batch statistics in training', async () => {
    const p = new Params(new Rng(1));
    const pn = new PartitionedNorm(p, 'pn', 3, 4, 0.1);
    await randomise(pn.gammaDomain, 3);
    await randomise(pn.betaDomain, 4, -1, 1);
    const domains = [0, 1, 0, 1, 0, 2];
    const a = new Rng(2).fillNormal(new Float32Array(6 * 4), 3);
    const b = a.slice();
    for (const r of [1, 3, 5]) for (let i = 0; i < 4; i++) b[r * 4 + i] = 10 + 5 * b[r * 4 + i] * (r + i); // other domains' rows only
    const ya = await rows(pn.forward(tf.tensor2d(a, [6, 4]), oneHotOf(domains), 'train', PER_MEMBER));
    const yb = await rows(pn.forward(tf.tensor2d(b, [6, 4]), oneHotOf(domains), 'train', PER_MEMBER));
    for (const r of [0, 2, 4]) expect(yb[r]).toEqual(ya[r]);
    // Domain 0's rows normalised with domain 0's mean and (biased) variance, then γ·γ_0 and β + β_0.
    const [gamma, gammaD, beta, betaD] = (await Promise.all([
      pn.gamma.array(),
      pn.gammaDomain.array(),
      pn.beta.array(),
      pn.betaDomain.array(),
    ])) as [number[], number[][], number[], number[][]];
    for (let i = 0; i < 4; i++) {
      const xs = [0, 2, 4].map((r) => a[r * 4 + i]);
      const mean = xs.reduce((s, x) => s + x, 0) / 3;
      const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / 3;
      [0, 2, 4].forEach((r, k) =>
        expect(ya[r][i]).toBeCloseTo(
          gamma[i] * gammaD[0][i] * ((xs[k] - mean) / Math.sqrt(variance + 1e-5)) + beta[i] + betaD[0][i],
          4,
        ),
      );
    }
    // Plain batch norm would pool the domains: a model-level check that domain 0's logits ignore other domains' rows.
    const model = build(FULL);
    const batchA = batchOf([0, 1, 0, 1], 3);
    const batchB: Batch = {
      ...batchA,
      num: tf.concat([
        tf.slice(batchA.num, [0, 0], [1, -1]),
        tf.fill([1, 2], 7),
        tf.slice(batchA.num, [2, 0], [1, -1]),
        tf.fill([1, 2], -7),
      ]) as tf.Tensor2D,
    };
    const la = await rows(model.forward(batchA, 'train', new Rng(1)).logits);
    const lb = await rows(model.forward(batchB, 'train', new Rng(1)).logits);
    expect(lb[0]).toEqual(la[0]);
    expect(lb[2]).toEqual(la[2]);
  });

  it('keeps per-domain moving averages in training and uses them at inference', async () => {
    const pn = new PartitionedNorm(new Params(new Rng(1)), 'pn', 3, 2, 1); // momentum 1: the averages are the last batch's moments
    const x = tf.tensor2d([1, 10, 3, 20, 5, 30, 100, 0], [4, 2]);
    pn.forward(x, oneHotOf([0, 0, 0, 2]), 'train', PER_MEMBER);
    const [mean, variance] = (await Promise.all([
      pn.movingMean.array(),
      pn.movingVar.array(),
    ])) as number[][][];
    expect(mean[0]).toEqual([3, 20]);
    expect(variance[0][0]).toBeCloseTo(4, 5); // unbiased: ((−2)² + 0 + 2²) / 2
    expect(variance[0][1]).toBeCloseTo(100, 4);
    expect(mean[1]).toEqual([0, 0]); // domain 1 absent: untouched
    expect(variance[1]).toEqual([1, 1]);
    expect(mean[2]).toEqual([100, 0]); // a single row: its mean, and its variance kept finite
    // Eval rows are normalised with the stored averages, not the eval batch's moments.
    const y = await rows(
      pn.forward(tf.tensor2d([5, 20, 2, 2], [2, 2]), oneHotOf([0, 1]), 'eval', PER_MEMBER),
    );
    expect(y[0][0]).toBeCloseTo(2 / Math.sqrt(4 + 1e-5), 4);
    expect(y[0][1]).toBeCloseTo(0, 5);
    expect(y[1][0]).toBeCloseTo(2 / Math.sqrt(1 + 1e-5), 5);
    // Eval changes nothing; a partial momentum blends.
    expect(await pn.movingMean.array()).toEqual(mean);
    const slow = new PartitionedNorm(new Params(new Rng(1)), 'pn', 3, 2, 0.25);
    slow.forward(x, oneHotOf([0, 0, 0, 2]), 'train', PER_MEMBER);
    expect(((await slow.movingMean.array()) as number[][])[0]).toEqual([0.75, 5]);

    // In the model: eval differs from train on the same batch, and eval is repeatable.
    const model = build(FULL);
    const batch = batchOf([0, 1, 2, 0, 1, 2], 4);
    const train = await rows(model.forward(batch, 'train', new Rng(1)).logits);
    const eval1 = await rows(model.forward(batch, 'eval', new Rng(1)).logits);
    const eval2 = await rows(model.forward(batch, 'eval', new Rng(1)).logits);
    expect(eval2).toEqual(eval1);
    expect(Math.max(...eval1.flatMap((r, i) => r.map((v, j) => Math.abs(v - train[i][j]))))).toBeGreaterThan(
      1e-4,
    );
  });

  it('computes the same logits and gradients under every backend formulation', async () => {
    await expectSameUnderEveryFormulation((f) => {
      const model = build(FULL, f);
      return { model, loss: squaredLogitSum(model, batchOf([0, 1, 2, 1, 0, 2])) };
    });
  });

  it('reaches every trainable variable with a gradient and never the moving averages', async () => {
    for (const options of [
      FULL,
      { ...FULL, partitionedNorm: 'input', auxNet: 'domain' },
      { ...FULL, partitionedNorm: 'off', auxNet: 'off' },
    ]) {
      const model = build(options);
      // Only moving averages may be stored without training; any other frozen variable is listed.
      expect(
        await variablesWithoutGradient(model, logitSum(model, batchOf([0, 1, 2, 1, 2, 0])), /moving/),
        `${JSON.stringify(options)}: variables without gradient`,
      ).toEqual([]);
    }
  });

  it('matches the census reference parameter count (128→64 star layers, towers [32], no PN, no aux)', () => {
    const census: DataShape = {
      numCat: 32,
      numNum: 7,
      vocabSize: 526,
      numDomains: 2,
      numTasks: 2,
      domainNames: ['f', 'm'],
      taskNames: ['income', 'never_married'],
    };
    const options = { starLayers: [128, 64], partitionedNorm: 'off', auxNet: 'off', towerLayers: [32] };
    const model = buildModel('star', options, testContext(census, 16, 1, PER_MEMBER)).model;
    expect(model.params.count()).toBe(237_090);
    model.params.dispose();
  });

  it('keeps tf.memory().numTensors flat over training steps, evaluations included', async () => {
    const ds = tinyTwoDomains();
    const run = await tensorCountsOverTraining(buildFor(ds, 'star', FULL), ds, 120);
    expectFlatTensorCounts(run, 120, 80);
    expect(run.done.test.inspect?.['mean |W_d − 1| [layer][domain]']).toHaveLength(2);
  });
});
