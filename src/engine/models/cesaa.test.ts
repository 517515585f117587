import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mutualInformation } from '../metrics/mutualInfo';
import {
  batchOf,
  buildFor,
  buildSmall,
  expectFlatTensorCounts,
  expectSameUnderEveryFormulation,
  PER_MEMBER,
  plantedFourDomains,
  synthesize,
  tensorCountsOverTraining,
  variablesWithoutGradient,
} from '../testing/models';
import { useCpu } from '../testing/tf';
import { DEFAULT_TRAIN } from '../train/config';
import { evaluate } from '../train/evaluate';
import type { EvalReport } from '../train/report';
import { Trainer } from '../train/trainer';
import { Rng } from '../util/rng';
import { batchMutualInformation, topKSoftmax } from './cesaa';
import type { Formulation } from './experts';
import { CESAA_INFO } from './info/cesaa';

function build(options: Record<string, unknown>, f: Formulation = PER_MEMBER) {
  return buildSmall('cesaa', options, f);
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
    const ds = synthesize(plantedFourDomains('planted-cesaa', 4000)).ds;
    // λ = 0.1 (the 'strong MI' preset). Same run, same seed: λ = 0.01 (default) 0.269 → 0.757 (2.8×), λ = 0 0.269 → 0.394 (1.5×).
    const options = {
      sharedExperts: 2,
      specificExperts: 8,
      topK: 2,
      expertLayers: [16],
      towerLayers: [8],
      lambda: 0.1,
    };
    const model = buildFor(ds, 'cesaa', options);
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
    const loss = () => {
      const out = model.forward(batch, 'train', new Rng(1));
      return tf.add(tf.sum(out.logits), out.aux['−λ·MI']) as tf.Scalar;
    };
    expect(await variablesWithoutGradient(model, loss)).toEqual([]);
  });

  it('keeps tf.memory().numTensors flat over 200 training steps', async () => {
    const ds = synthesize(plantedFourDomains('planted-cesaa', 3000)).ds;
    const model = buildFor(ds, 'cesaa', {
      specificExperts: 4,
      sharedExperts: 2,
      expertLayers: [8, 8],
      towerLayers: [4],
    });
    expectFlatTensorCounts(await tensorCountsOverTraining(model, ds, 200), 200, 100);
  });

  it('computes the same loss and gradients under every backend formulation', async () => {
    await expectSameUnderEveryFormulation((f) => {
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
      const loss = () => {
        const out = model.forward(batch, 'train', new Rng(1));
        return tf.add(tf.sum(tf.square(out.logits)), out.aux['−λ·MI']) as tf.Scalar;
      };
      return { model, loss };
    });
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
