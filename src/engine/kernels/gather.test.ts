import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../testing/tf';

describe('row gather kernel (cpu)', () => {
  beforeAll(useCpu);

  it('is installed by activateBackend', () => {
    expect(tf.getKernel('GatherV2', 'cpu')?.kernelFunc.toString()).toMatch(/rows are short/);
  });

  it('copies the indexed rows for 2-D ids, like a hand lookup', async () => {
    const table = tf.tensor2d([
      [0, 1],
      [10, 11],
      [20, 21],
    ]);
    const out = tf.gather(
      table,
      tf.tensor2d(
        [
          [2, 0],
          [1, 1],
        ],
        [2, 2],
        'int32',
      ),
    );
    expect(out.shape).toEqual([2, 2, 2]);
    expect(await out.array()).toEqual([
      [
        [20, 21],
        [0, 1],
      ],
      [
        [10, 11],
        [10, 11],
      ],
    ]);
  });

  it('falls back to the original kernel on another axis', async () => {
    const x = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(await tf.gather(x, tf.tensor1d([2, 0], 'int32'), 1).array()).toEqual([
      [3, 1],
      [6, 4],
    ]);
  });

  it('rejects an out-of-range id instead of reading garbage', () => {
    expect(() => tf.gather(tf.tensor2d([[1], [2]]), tf.tensor1d([2], 'int32'))).toThrow(/index value 2/);
  });
});
