import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../testing/tf';
import { PackedAdam } from './adam';

/** PyTorch's Adam on plain numbers, the reference. */
function referenceAdam(x: number[], grad: (x: number[]) => number[], steps: number, lr: number): number[] {
  const m = x.map(() => 0);
  const v = x.map(() => 0);
  const p = x.slice();
  for (let t = 1; t <= steps; t++) {
    const g = grad(p);
    for (let i = 0; i < p.length; i++) {
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
      const denom = Math.sqrt(v[i]) / Math.sqrt(1 - 0.999 ** t) + 1e-8;
      p[i] -= (lr / (1 - 0.9 ** t)) * (m[i] / denom);
    }
  }
  return p;
}

describe('PackedAdam', () => {
  beforeAll(useCpu);

  it('follows PyTorch Adam step for step across several variables', async () => {
    const a = tf.variable(tf.tensor1d([1, -2, 3]));
    const b = tf.variable(tf.tensor2d([[0.5, -0.5]]));
    const opt = new PackedAdam([a, b], { learningRate: 0.05 });
    const target = [0.3, 0.1, -0.7, 2, -1];
    for (let s = 0; s < 25; s++) {
      const { grads } = tf.variableGrads(
        () => tf.sum(tf.square(tf.sub(tf.concat([a, tf.reshape(b, [-1])]), target))) as tf.Scalar,
        [a, b],
      );
      opt.apply([grads[a.name], grads[b.name]]);
      tf.dispose(grads);
    }
    const expected = referenceAdam(
      [1, -2, 3, 0.5, -0.5],
      (p) => p.map((x, i) => 2 * (x - target[i])),
      25,
      0.05,
    );
    const got = [...(await a.data()), ...(await b.data())];
    got.forEach((x, i) => expect(x).toBeCloseTo(expected[i], 5));
  });

  it('undoes a step exactly with saveState/restoreState', async () => {
    const run = async (detour: boolean) => {
      const a = tf.variable(tf.tensor1d([1, 2]));
      const opt = new PackedAdam([a], { learningRate: 0.1 });
      opt.apply([tf.tensor1d([1, 1])]);
      if (detour) {
        const saved = opt.saveState();
        const weights = tf.clone(a);
        opt.apply([tf.tensor1d([5, -5])]);
        opt.restoreState(saved);
        a.assign(weights);
      }
      opt.apply([tf.tensor1d([0.3, -0.2])]);
      return [...(await a.data()), opt.steps];
    };
    expect(await run(true)).toEqual(await run(false));
  });

  it('holds its two moments and nothing more, and nothing once disposed', () => {
    const a = tf.variable(tf.zeros([1000]));
    const before = tf.memory();
    const opt = new PackedAdam([a], { learningRate: 0.1 });
    expect(tf.memory().numTensors - before.numTensors).toBe(2);
    expect(tf.memory().numBytes - before.numBytes).toBe(2 * 1000 * 4);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    a.dispose();
  });
});
