import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../testing/tf';
import { Rng } from '../util/rng';
import { registerSegmentSum } from './segmentSum';

describe('linear UnsortedSegmentSum (cpu)', () => {
  beforeAll(useCpu);

  it('is registered for cpu in place of the quadratic kernel', () => {
    registerSegmentSum('cpu');
    expect(tf.getKernel('UnsortedSegmentSum', 'cpu')?.kernelFunc.toString()).toMatch(/accumulate/);
  });

  it('sums rows into their segments, dropping out-of-range ids, like a hand loop', async () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    const out = tf.unsortedSegmentSum(x, tf.tensor1d([2, 0, 2, 9], 'int32'), 3);
    expect(await out.array()).toEqual([
      [3, 4],
      [0, 0],
      [6, 8],
    ]);
  });

  it('gives the embedding gradient the dense one-hot formulation gives', async () => {
    const rng = new Rng(5);
    const vocab = 50;
    const table = tf.variable(tf.tensor2d(rng.fillNormal(new Float32Array(vocab * 4)), [vocab, 4]));
    const ids = tf.tensor2d(
      Int32Array.from({ length: 64 * 3 }, () => rng.int(vocab)),
      [64, 3],
      'int32',
    );
    const w = tf.tensor3d(rng.fillNormal(new Float32Array(64 * 3 * 4)), [64, 3, 4]);
    const viaGather = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), w)))(table);
    const viaOneHot = tf.grad((t: tf.Tensor) =>
      tf.sum(
        tf.mul(
          tf.reshape(
            tf.matMul(tf.oneHot(tf.reshape(ids, [-1]), vocab).toFloat(), t as tf.Tensor2D),
            [64, 3, 4],
          ),
          w,
        ),
      ),
    )(table);
    const a = await viaGather.data();
    const b = await viaOneHot.data();
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 4));
  });
});
