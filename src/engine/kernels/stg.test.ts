/**
 * MoME's gated rows on WebGPU (Dawn in Node; SwiftShader where no GPU exists) against the twin in plain tfjs ops on
 * cpu: the value and the gradients of μ and w, gates inside (0, 1), clamped at both ends, and exactly on the bounds.
 * These tests fail, never skip, when Dawn cannot start.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { startDawnWebGpu } from '../../../scripts/bench/dawn';
import { countKernels } from './dispatches';
import { formulationFor } from '../models/experts';
import { buildModel } from '../models/registry';
import { dataShapeOf } from '../data/types';
import {
  expectFlatTensorCounts,
  tensorCountsOverTraining,
  testContext,
  tinyTwoDomains,
} from '../testing/models';
import { expectClose, useCpu } from '../testing/tf';
import { Rng } from '../util/rng';

const [I, O] = [13, 7];
// μ + ε per row: inside (0, 1), below 0, above 1, and exactly 0 and 1 (tfjs's clip passes the gradient there).
const MU = Float32Array.from({ length: I }, (_, i) => [0.3, -0.4, 1.6, 0.25, 0.5][i % 5]);
const NOISE = Float32Array.from({ length: I }, (_, i) => [0.2, 0.1, 0.1, -0.25, 0.5][i % 5]);

/** Loss Σ out ⊙ R (R random): the value and the gradients of μ and w. */
async function gatedRows(backend: string): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const f = formulationFor(backend);
  const mu = tf.tensor1d(MU);
  const w = tf.tensor2d(new Rng(5).fillNormal(new Float32Array(I * O)), [I, O]);
  const r = tf.tensor2d(new Rng(6).fillNormal(new Float32Array(I * O)), [I, O]);
  // The noise drawn inside the differentiated function, as MoME draws it in its forward pass.
  const op = (m: tf.Tensor, x: tf.Tensor) =>
    f.stgRows(m as tf.Tensor1D, tf.tensor1d(NOISE), x as tf.Tensor2D);
  const out = op(mu, w);
  const grads = tf.grads((m: tf.Tensor, x: tf.Tensor) => tf.sum(tf.mul(op(m, x), r)))([mu, w]);
  const result = await Promise.all([out, ...grads].map((t) => t.data() as Promise<Float32Array>));
  tf.dispose([mu, w, r, out, ...grads]);
  return result;
}

describe('MoME gated rows: the fused WebGPU kernel and its composed twin', () => {
  beforeAll(async () => {
    await useCpu();
    await startDawnWebGpu();
  });

  it("gives the twin's value and gradients, clamped rows and rows on the bounds included", async () => {
    const twin = await gatedRows('cpu');
    // Every dispatch submitted at once, so a tensor the forward pass disposed is gone before the backward pass
    // reads it (in a training step the queue fills up between them).
    const batch = tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE');
    tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 1);
    const fused = await gatedRows('webgpu').finally(() =>
      tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', batch),
    );
    ['value', 'd μ', 'd w'].forEach((what, i) => expectClose(fused[i], twin[i], what));
    // The cases are all there: μ's gradient is 0 exactly on the clamped rows and not on the others.
    expect([...twin[1]].map((g) => g === 0)).toEqual(
      [...MU].map((m, i) => m + NOISE[i] < 0 || m + NOISE[i] > 1),
    );
  });

  it('runs in one dispatch forward and one backward', async () => {
    await tf.setBackend('webgpu');
    const f = formulationFor('webgpu');
    const mu = tf.tensor1d(MU);
    const noise = tf.tensor1d(NOISE);
    const w = tf.ones([I, O]);
    const forward = await countKernels(() => tf.dispose(f.stgRows(mu, noise, w as tf.Tensor2D)));
    const both = await countKernels(() =>
      tf.dispose(
        tf.grads((m: tf.Tensor, x: tf.Tensor) =>
          tf.sum(f.stgRows(m as tf.Tensor1D, noise, x as tf.Tensor2D)),
        )([mu, w]),
      ),
    );
    // What the loss (a sum) and its own gradient cost, on a tensor of the output's shape.
    const loss = await countKernels(() => tf.dispose(tf.grads((a: tf.Tensor) => tf.sum(a))([w])));
    tf.dispose([mu, noise, w]);
    expect(forward).toBe(1);
    expect(both).toBe(forward + loss + 1);
  });

  it('keeps tf.memory().numTensors flat while MoME trains phase A (the gated rows) on the fused path', async () => {
    await tf.setBackend('webgpu');
    const ds = tinyTwoDomains(600);
    const model = buildModel(
      'mome',
      { experts: 2, expertLayers: [6, 5], towerLayers: [4], switchAt: 1000, switchUnit: 'steps' },
      testContext(dataShapeOf(ds.schema), 4, 2, formulationFor('webgpu')),
    ).model;
    expectFlatTensorCounts(await tensorCountsOverTraining(model, ds, 40, { patience: 0 }), 40, 20);
    model.params.dispose();
  });
});
