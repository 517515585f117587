import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeDataset } from '../data/encode';
import { parseCsv } from '../data/csv';
import { dataShapeOf, type DataShape, type EncodedDataset } from '../data/types';
import { mutualInformation } from '../metrics/mutualInfo';
import { generate } from '../synth/generate';
import { BUNDLED_SPECS } from '../synth/bundled';
import type { SynthSpec } from '../synth/spec';
import { useCpu } from '../testing/tf';
import { DEFAULT_TRAIN } from '../train/config';
import { evaluate } from '../train/evaluate';
import type { EvalReport } from '../train/report';
import { Trainer } from '../train/trainer';
import { Rng } from '../util/rng';
import { batchMutualInformation, topKSoftmax } from './cesaa';
import type { Formulation } from './layers';
import { CESAA_INFO } from './info/cesaa';
import { buildModel } from './registry';
import type { Batch } from './types';

const shape: DataShape = {
  numCat: 3,
  numNum: 2,
  vocabSize: 20,
  numDomains: 3,
  numTasks: 2,
  domainNames: ['a', 'b', 'c'],
  taskNames: ['click', 'buy'],
};

function batchOf(domains: number[], seed = 1): Batch {
  const rng = new Rng(seed);
  const B = domains.length;
  const cat = Int32Array.from({ length: B * 3 }, (_, i) => (i % 3) * 6 + rng.int(6));
  const num = rng.fillNormal(new Float32Array(B * 2));
  const domain = tf.tensor1d(domains, 'int32');
  return {
    cat: tf.tensor2d(cat, [B, 3], 'int32'),
    num: tf.tensor2d(num, [B, 2]),
    domain,
    domainOneHot: tf.oneHot(domain, 3).toFloat() as tf.Tensor2D,
  };
}

const PER_MEMBER: Formulation = { explicitTransposeGrad: false, batchedStacks: false };
const BATCHED: Formulation = { explicitTransposeGrad: false, batchedStacks: true };
const EXPLICIT: Formulation = { explicitTransposeGrad: true, batchedStacks: false };

function build(options: Record<string, unknown>, f: Formulation = PER_MEMBER) {
  return buildModel('cesaa', options, { shape, embeddingDim: 4, rng: new Rng(3), formulation: f }).model;
}

/** Four domains that need different weights (strong domain-specific signal, little overlap). */
const planted: SynthSpec = {
  ...BUNDLED_SPECS.find((s) => s.id === 'tiny-two-domains')!,
  id: 'planted-cesaa',
  rows: 6000,
  domains: [
    { name: 'd0', weight: 1 },
    { name: 'd1', weight: 1 },
    { name: 'd2', weight: 1 },
    { name: 'd3', weight: 1 },
  ],
  structure: {
    shared: 0.5,
    domainSpecific: 2.0,
    taskSpecific: 0.3,
    taskCorrelation: 0.5,
    domainOverlap: 0.05,
    noise: 0.2,
  },
};

function dataset(spec: SynthSpec): EncodedDataset {
  const r = generate(spec);
  return encodeDataset(parseCsv(r.csv), r.mapping);
}

describe('CESAA', () => {
  beforeAll(useCpu);

  it('gives exactly k specific experts a non-zero weight per sample, and every shared expert a weight', async () => {
    for (const [N, k] of [
      [8, 2],
      [5, 1],
      [6, 6],
    ]) {
      const model = build({ specificExperts: N, topK: k, sharedExperts: 3, expertLayers: [8] });
      const out = model.forward(batchOf([0, 1, 2, 0, 1, 2, 2, 1, 0, 0]), 'eval', new Rng(1));
      expect(Object.keys(out.routing)).toEqual(['specific', 'shared']);
      const specific = (await out.routing.specific.array()) as number[][];
      const shared = (await out.routing.shared.array()) as number[][];
      expect(specific[0]).toHaveLength(N);
      expect(shared[0]).toHaveLength(3);
      for (const row of specific) {
        expect(row.filter((w) => w !== 0)).toHaveLength(k);
        expect(row.reduce((a, w) => a + w, 0)).toBeCloseTo(1, 5);
      }
      for (const row of shared) {
        expect(row.every((w) => w > 0)).toBe(true);
        expect(row.reduce((a, w) => a + w, 0)).toBeCloseTo(1, 5);
      }
    }
  });

  it('selects the k largest gate logits, with the softmax over them alone', async () => {
    const z = tf.tensor2d([
      [0.1, 2, -1, 1.5, 0.3],
      [-3, -2, -1, -4, -5],
    ]);
    const w = (await topKSoftmax(z, 2).array()) as number[][];
    const e = Math.exp(2) + Math.exp(1.5);
    expect(w[0]).toEqual([0, expect.closeTo(Math.exp(2) / e, 6), 0, expect.closeTo(Math.exp(1.5) / e, 6), 0]);
    const e2 = Math.exp(-2) + Math.exp(-1);
    expect(w[1]).toEqual([
      0,
      expect.closeTo(Math.exp(-2) / e2, 6),
      expect.closeTo(Math.exp(-1) / e2, 6),
      0,
      0,
    ]);
    // No gradient through the choice: the logits of unselected experts get exactly 0 from the mixture.
    const g = (await tf
      .grad((x: tf.Tensor) =>
        tf.sum(
          tf.mul(
            topKSoftmax(x as tf.Tensor2D, 2),
            tf.tensor2d([
              [1, 2, 3, 4, 5],
              [5, 4, 3, 2, 1],
            ]),
          ),
        ),
      )(z)
      .array()) as number[][];
    expect([g[0][0], g[0][2], g[0][4], g[1][0], g[1][3], g[1][4]]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Math.abs(g[0][1])).toBeGreaterThan(0);
  });

  it('estimates the batch MI exactly as the metric on the same joint table', async () => {
    // 6 samples, domains [0, 0, 0, 1, 1, 2], 3 experts: hand-chosen gate probabilities.
    const probs = [
      [0.7, 0.2, 0.1],
      [0.6, 0.3, 0.1],
      [0.8, 0.1, 0.1],
      [0.1, 0.8, 0.1],
      [0.2, 0.6, 0.2],
      [0.3, 0.3, 0.4],
    ];
    const domains = [0, 0, 0, 1, 1, 2];
    const joint = [0, 1, 2].map((d) =>
      [0, 1, 2].map((e) => probs.reduce((a, row, b) => a + (domains[b] === d ? row[e] : 0), 0)),
    );
    const expected = mutualInformation(joint);
    const oneHot = tf.oneHot(tf.tensor1d(domains, 'int32'), 4).toFloat() as tf.Tensor2D; // domain 3 absent from the batch
    const mi = (await batchMutualInformation(tf.tensor2d(probs), oneHot).data())[0];
    expect(mi).toBeCloseTo(expected, 6);
    // By hand: p(d) = (1/2, 1/3, 1/6); p(e|0) = (0.7, 0.2, 0.1), p(e|1) = (0.15, 0.7, 0.15), p(e|2) = (0.3, 0.3, 0.4).
    const pd = [1 / 2, 1 / 3, 1 / 6];
    const cond = [
      [0.7, 0.2, 0.1],
      [0.15, 0.7, 0.15],
      [0.3, 0.3, 0.4],
    ];
    const pe = [0, 1, 2].map((e) => pd.reduce((a, p, d) => a + p * cond[d][e], 0));
    const byHand = pd.reduce(
      (a, p, d) => a + p * cond[d].reduce((s, c, e) => s + c * Math.log(c / pe[e]), 0),
      0,
    );
    expect(mi).toBeCloseTo(byHand, 6);
    expect(byHand).toBeGreaterThan(0.1);
    // Independence gives 0; a perfect split of 2 domains onto 2 experts gives log 2.
    const same = tf.tile(tf.tensor2d([[0.5, 0.3, 0.2]]), [4, 1]) as tf.Tensor2D;
    expect(
      (
        await batchMutualInformation(
          same,
          tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2).toFloat() as tf.Tensor2D,
        ).data()
      )[0],
    ).toBeCloseTo(0, 6);
    const split = tf.tensor2d([
      [1, 0],
      [0, 1],
      [1, 0],
      [0, 1],
    ]);
    expect(
      (
        await batchMutualInformation(
          split,
          tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2).toFloat() as tf.Tensor2D,
        ).data()
      )[0],
    ).toBeCloseTo(Math.log(2), 5);
  });

  it('raises the MI between domain and selected expert at least 3× on a planted domain-specific set', async () => {
    const ds = dataset({ ...planted, rows: 4000 });
    // λ = 0.1 (the 'strong MI' preset). Same run, same seed: λ = 0.01 (default) 0.269 → 0.757 (2.8×), λ = 0 0.269 → 0.394 (1.5×).
    const options = {
      sharedExperts: 2,
      specificExperts: 8,
      topK: 2,
      expertLayers: [16],
      towerLayers: [8],
      lambda: 0.1,
    };
    const model = buildModel('cesaa', options, {
      shape: dataShapeOf(ds.schema),
      embeddingDim: 4,
      rng: new Rng(2),
      formulation: PER_MEMBER,
    }).model;
    const gate = (r: EvalReport) => r.gates.find((g) => g.name === 'specific')!;
    const before = await evaluate(model, ds, ds.splits.test, 400, new Rng(1), 'test');
    const trainer = new Trainer({
      model,
      dataset: ds,
      config: {
        ...DEFAULT_TRAIN,
        embeddingDim: 4,
        batchSize: 256,
        learningRate: 0.02,
        epochs: 4,
        patience: 0,
      },
      onEvent: () => {},
    });
    const done = await trainer.run();
    trainer.dispose();
    const mi0 = gate(before).selectionMi;
    const mi1 = gate(done.test).selectionMi;
    const batchMi = (r: EvalReport) => -r.aux['−λ·MI'] / 0.1;
    const load = gate(done.test)
      .overall.map((x) => x.toFixed(2))
      .join(' ');
    console.log(
      `CESAA selection MI(domain; expert) on test: ${mi0.toFixed(4)} → ${mi1.toFixed(4)} nats (max log 4 = ${Math.log(4).toFixed(4)}); ` +
        `batch MI of the dense gate ${batchMi(before).toFixed(4)} → ${batchMi(done.test).toFixed(4)}; mean task AUC ${before.meanTaskAuc?.toFixed(4)} → ${done.test.meanTaskAuc?.toFixed(4)}; ` +
        `active per row ${gate(done.test).activePerRow}; mean weight per expert ${load}`,
    );
    expect(gate(done.test).activePerRow).toBe(2);
    expect(mi1).toBeGreaterThan(3 * mi0);
    expect(done.test.meanTaskAuc!).toBeGreaterThan(before.meanTaskAuc! + 0.1);
  }, 300_000); // trains for real: generous under a loaded CPU

  it('reaches every trainable variable with a gradient (task loss + MI term)', async () => {
    const model = build({ specificExperts: 4, topK: 2, sharedExperts: 2, expertLayers: [8, 4] });
    const batch = batchOf([0, 1, 2, 1, 0, 2, 1, 2]);
    const { grads } = tf.variableGrads(() => {
      const out = model.forward(batch, 'train', new Rng(1));
      return tf.add(tf.sum(out.logits), out.aux['−λ·MI']) as tf.Scalar;
    }, model.params.trainable());
    const without = [];
    for (const [name, v] of model.params.entries()) {
      const g = grads[v.name];
      if (!g || (await tf.max(tf.abs(g)).data())[0] === 0) without.push(name);
    }
    expect(without).toEqual([]);
  });

  it('keeps tf.memory().numTensors flat over 200 training steps', async () => {
    const ds = dataset({ ...planted, rows: 3000 });
    const model = buildModel(
      'cesaa',
      { specificExperts: 4, sharedExperts: 2, expertLayers: [8, 8], towerLayers: [4] },
      { shape: dataShapeOf(ds.schema), embeddingDim: 4, rng: new Rng(2), formulation: PER_MEMBER },
    ).model;
    const held = model.params.entries().length;
    const counts: number[] = [];
    const trainer = new Trainer({
      model,
      dataset: ds,
      config: {
        ...DEFAULT_TRAIN,
        embeddingDim: 4,
        batchSize: 32,
        learningRate: 0.01,
        epochs: 10,
        maxSteps: 200,
        evalEvery: 50,
        liveEvalRows: 100,
      },
      onEvent: (e) => {
        if (e.type === 'progress') counts.push(tf.memory().numTensors);
      },
    });
    await trainer.run();
    trainer.dispose();
    expect(counts.length).toBe(200);
    expect(Math.max(...counts) - counts[0]).toBeLessThanOrEqual(held);
    expect(new Set(counts.slice(100))).toEqual(new Set([counts[100]]));
  });

  it('computes the same loss and gradients under every backend formulation', async () => {
    const results: { loss: number; grads: Float32Array[] }[] = [];
    for (const f of [PER_MEMBER, BATCHED, EXPLICIT]) {
      const model = build(
        {
          specificExperts: 5,
          topK: 2,
          sharedExperts: 3,
          expertLayers: [8, 6],
          towerLayers: [5],
          lambda: 0.5,
        },
        f,
      );
      const batch = batchOf([0, 1, 2, 1, 0, 2]);
      const { value, grads } = tf.variableGrads(() => {
        const out = model.forward(batch, 'train', new Rng(1));
        return tf.add(tf.sum(tf.square(out.logits)), out.aux['−λ·MI']) as tf.Scalar;
      }, model.params.trainable());
      results.push({
        loss: (await value.data())[0],
        grads: (await Promise.all(
          model.params.trainable().map((v) => grads[v.name].data()),
        )) as Float32Array[],
      });
    }
    for (const r of results.slice(1)) {
      expect(r.loss).toBeCloseTo(results[0].loss, 4);
      r.grads.forEach((g, i) => g.forEach((x, j) => expect(x).toBeCloseTo(results[0].grads[i][j], 4)));
    }
  });

  it('rejects k larger than the number of specific experts, by option name', () => {
    expect(() => build({ specificExperts: 4, topK: 5 })).toThrow(/"topK"/);
    expect(() => build({ lamda: 1 })).toThrow(/unknown option "lamda"/);
  });

  it('builds every preset, and its info names each option once', () => {
    expect(new Set(CESAA_INFO.options.map((o) => o.key)).size).toBe(CESAA_INFO.options.length);
    for (const preset of CESAA_INFO.presets) expect(() => build(preset.options), preset.name).not.toThrow();
    expect(new Set(CESAA_INFO.presets.map((x) => x.name)).size).toBe(CESAA_INFO.presets.length);
  });
});
