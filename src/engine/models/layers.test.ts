/** The shared layers every model is built from, tested on their mechanisms, not only their shapes. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN } from '../train/config';
import { batchOf, EXPLICIT, PER_MEMBER, SMALL_SHAPE, testContext } from '../testing/models';
import { useCpu } from '../testing/tf';
import { Rng } from '../util/rng';
import { batchNorm, batchNormParams, dropout, FeatureInput, matMul2d, Params } from './layers';

const values = async (t: tf.Tensor) => Array.from(await t.data());

function moments(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) };
}

describe('shared layers', () => {
  beforeAll(useCpu);

  describe('dropout', () => {
    it('zeroes about `rate` of the entries in training and scales the others by 1 / (1 − rate)', async () => {
      const x = tf.ones([200, 50]);
      const out = await values(dropout(x, 0.3, 'train', new Rng(4)));
      const zeros = out.filter((v) => v === 0).length / out.length;
      expect(zeros).toBeGreaterThan(0.27);
      expect(zeros).toBeLessThan(0.33);
      for (const v of out) if (v !== 0) expect(v).toBeCloseTo(1 / 0.7, 5);
      // Inverted dropout keeps the expected activation.
      expect(moments(out).mean).toBeCloseTo(1, 1);
    });

    it('is the identity in evaluation and at rate 0, and draws its mask from the seed', async () => {
      const x = tf.randomNormal([20, 10], 0, 1, 'float32', 1);
      expect(await values(dropout(x, 0.5, 'eval', new Rng(1)))).toEqual(await values(x));
      expect(await values(dropout(x, 0, 'train', new Rng(1)))).toEqual(await values(x));
      const a = await values(dropout(x, 0.5, 'train', new Rng(7)));
      expect(await values(dropout(x, 0.5, 'train', new Rng(7)))).toEqual(a);
      expect(await values(dropout(x, 0.5, 'train', new Rng(8)))).not.toEqual(a);
    });
  });

  describe('BatchNorm', () => {
    it('normalises by the batch in training and moves the running statistics by momentum 0.1 (unbiased variance)', async () => {
      const bn = batchNormParams(new Params(new Rng(1)), 'bn', [2]);
      // Column 0: mean 2, biased var 2/3, unbiased 1; column 1: mean −1, biased var 8/3, unbiased 4.
      const z = tf.tensor2d([1, -3, 2, -1, 3, 1], [3, 2]);
      const out = await values(batchNorm(z, bn, 0, 'train'));
      expect(out[0]).toBeCloseTo(-1 / Math.sqrt(2 / 3 + 1e-5), 4);
      expect(out[1]).toBeCloseTo(-2 / Math.sqrt(8 / 3 + 1e-5), 4);
      expect(await values(bn.mean)).toEqual([0.9 * 0 + 0.1 * 2, 0.9 * 0 + 0.1 * -1].map(Math.fround));
      const v = await values(bn.variance);
      expect(v[0]).toBeCloseTo(0.9 * 1 + 0.1 * 1, 6);
      expect(v[1]).toBeCloseTo(0.9 * 1 + 0.1 * 4, 6);
    });

    it('uses the running statistics, not the batch, in evaluation, and leaves them unchanged', async () => {
      const bn = batchNormParams(new Params(new Rng(1)), 'bn', [1]);
      bn.mean.assign(tf.tensor1d([5]));
      bn.variance.assign(tf.tensor1d([4]));
      bn.gamma.assign(tf.tensor1d([2]));
      bn.beta.assign(tf.tensor1d([1]));
      const out = await values(batchNorm(tf.tensor2d([5, 7, 9], [3, 1]), bn, 0, 'eval'));
      [0, 1, 2].forEach((i) =>
        expect(out[i]).toBeCloseTo(2 * ((5 + 2 * i - 5) / Math.sqrt(4 + 1e-5)) + 1, 4),
      );
      expect(await values(bn.mean)).toEqual([5]);
      expect(await values(bn.variance)).toEqual([4]);
    });
  });

  describe('embedding initialisation', () => {
    it('draws N(0, scale²) or U(−scale, scale) as the run asks', async () => {
      const p = new Params(new Rng(3));
      const normal = await values(
        p.embedding('n', [4000, 8], { embeddingInit: 'normal', embeddingInitScale: 1e-4 }),
      );
      const m = moments(normal);
      expect(Math.abs(m.mean)).toBeLessThan(1e-5);
      expect(m.std).toBeGreaterThan(0.97e-4);
      expect(m.std).toBeLessThan(1.03e-4);
      const uniform = await values(
        p.embedding('u', [4000, 8], { embeddingInit: 'uniform', embeddingInitScale: 0.05 }),
      );
      expect(Math.max(...uniform)).toBeLessThanOrEqual(0.05);
      expect(Math.min(...uniform)).toBeGreaterThanOrEqual(-0.05);
      // U(−a, a) has std a / √3.
      expect(moments(uniform).std).toBeCloseTo(0.05 / Math.sqrt(3), 3);
      p.dispose();
    });

    it('reaches every table of the input: the categorical fields and the domain field', async () => {
      const p = new Params(new Rng(3));
      const ctx = testContext(SMALL_SHAPE, 4, 3, PER_MEMBER, { embeddingInitScale: 1e-3, domainInput: true });
      new FeatureInput(p, ctx);
      for (const name of ['embedding', 'domainEmbedding']) {
        const xs = await values(p.get(name));
        expect(Math.max(...xs.map(Math.abs)), name).toBeLessThan(6e-3);
        expect(moments(xs).std, name).toBeGreaterThan(3e-4);
      }
      p.dispose();
    });

    it('defaults, for a new run, to the setting measured on id-heavy data', () => {
      expect({ init: DEFAULT_TRAIN.embeddingInit, scale: DEFAULT_TRAIN.embeddingInitScale }).toEqual({
        init: 'uniform',
        scale: 0.05,
      });
      expect(DEFAULT_TRAIN.domainInput).toBe(true);
    });
  });

  describe('FeatureInput', () => {
    it('lays out [categorical embeddings, numeric columns, domain embedding], the last the row of the own domain', async () => {
      const p = new Params(new Rng(3));
      const input = new FeatureInput(p, testContext(SMALL_SHAPE, 4, 3, PER_MEMBER, { domainInput: true }));
      const { numCat, numNum } = SMALL_SHAPE;
      expect(input.width).toBe(numCat * 4 + numNum + 4);
      const domains = [2, 0, 1, 2];
      const batch = batchOf(domains);
      const x = (await input.forward(batch, PER_MEMBER).array()) as number[][];
      const table = (await p.get('embedding').array()) as number[][];
      const domainTable = (await p.get('domainEmbedding').array()) as number[][];
      const cat = (await batch.cat.array()) as number[][];
      const num = (await batch.num.array()) as number[][];
      domains.forEach((d, r) => {
        const expected = [...cat[r].flatMap((id) => table[id]), ...num[r], ...domainTable[d]];
        x[r].forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
      });
      p.dispose();
    });

    it('has no domain field, nor its table, without domainInput', () => {
      const p = new Params(new Rng(3));
      const input = new FeatureInput(p, testContext(SMALL_SHAPE, 4, 3, PER_MEMBER));
      expect(input.width).toBe(SMALL_SHAPE.numCat * 4 + SMALL_SHAPE.numNum);
      expect(p.entries().map(([n]) => n)).toEqual(['embedding']);
      p.dispose();
    });

    it('trains the domain table only through the rows of each domain', async () => {
      const p = new Params(new Rng(3));
      const input = new FeatureInput(p, testContext(SMALL_SHAPE, 4, 3, PER_MEMBER, { domainInput: true }));
      const batch = batchOf([0, 0, 2]);
      const { grads } = tf.variableGrads(
        () => tf.sum(input.forward(batch, PER_MEMBER)) as tf.Scalar,
        [p.get('domainEmbedding')],
      );
      const g = (await grads[p.get('domainEmbedding').name].array()) as number[][];
      // d/dtable Σ x = the count of rows of each domain, in every column; domain 1 has none.
      expect(g).toEqual([
        [2, 2, 2, 2],
        [0, 0, 0, 0],
        [1, 1, 1, 1],
      ]);
      p.dispose();
    });
  });

  describe('Params', () => {
    it("initialises like PyTorch's nn.Linear: U(−1/√fan_in, 1/√fan_in)", async () => {
      const p = new Params(new Rng(5));
      const w = await values(p.uniform('w', [64, 400], 64));
      expect(Math.max(...w)).toBeLessThanOrEqual(1 / 8);
      expect(Math.min(...w)).toBeGreaterThanOrEqual(-1 / 8);
      expect(moments(w).std).toBeCloseTo(1 / 8 / Math.sqrt(3), 3);
      expect(() => p.uniform('w', [1], 1)).toThrow(/defined twice/);
      p.dispose();
    });
  });

  describe('matMul2d', () => {
    it('gives the plain matMul value and gradients with explicitly transposed backward operands', async () => {
      const a = tf.randomNormal([5, 3], 0, 1, 'float32', 2) as tf.Tensor2D;
      const b = tf.randomNormal([3, 4], 0, 1, 'float32', 3) as tf.Tensor2D;
      const sq = (mm: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor2D) =>
        tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(mm(x as tf.Tensor2D, y as tf.Tensor2D))));
      const plain = sq((x, y) => tf.matMul(x, y))([a, b]);
      const explicit = sq((x, y) => matMul2d(x, y, EXPLICIT))([a, b]);
      for (let i = 0; i < 2; i++) {
        const [p, e] = [await values(plain[i]), await values(explicit[i])];
        p.forEach((v, j) => expect(e[j]).toBeCloseTo(v, 4));
      }
      expect(await values(matMul2d(a, b, EXPLICIT))).toEqual(await values(tf.matMul(a, b)));
    });
  });
});
