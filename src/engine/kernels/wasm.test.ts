import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { activateBackend, missingKernels } from './backend';
import { smallestKMask } from '../models/selection';

/** The wasm backend in Node: the project's kernels make it train embeddings (it has no UnsortedSegmentSum of its own). */
describe('wasm backend kernels', () => {
  beforeAll(async () => {
    tf.env().set('IS_TEST', true);
    expect(await activateBackend('wasm')).not.toBeNull();
  });

  it('has every kernel training needs once the project registers its own', () => {
    expect(missingKernels('wasm')).toEqual([]);
  });

  it('gathers rows and sums their gradient back into the table', async () => {
    const table = tf.variable(
      tf.tensor2d([
        [0, 1],
        [10, 11],
        [20, 21],
      ]),
    );
    const ids = tf.tensor2d(
      [
        [2, 0],
        [2, 2],
      ],
      [2, 2],
      'int32',
    );
    expect(await tf.gather(table, ids).array()).toEqual([
      [
        [20, 21],
        [0, 1],
      ],
      [
        [20, 21],
        [20, 21],
      ],
    ]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, ids)))(table);
    expect(await grad.array()).toEqual([
      [1, 1],
      [0, 0],
      [3, 3],
    ]);
  });

  it('marks exactly the k smallest entries of each row in a selection mask', async () => {
    const mask = smallestKMask(
      tf.tensor2d([
        [3, 1, 2, 5],
        [0, 9, 8, 1],
      ]),
      2,
    );
    expect(mask.dtype).toBe('float32');
    expect(await mask.array()).toEqual([
      [0, 1, 1, 0],
      [1, 0, 0, 1],
    ]);
  });
});
