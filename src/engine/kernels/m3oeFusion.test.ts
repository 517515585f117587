/**
 * M3oE's fused two-level fusion on WebGPU (Dawn in Node; SwiftShader where no GPU exists) against its twin in plain
 * tfjs ops on cpu: values and the gradients of the experts, the gate logits and the four structure weights. These
 * tests fail, never skip, when Dawn cannot start.
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
import type { M3oeCounts } from './m3oeFusion';

function normal(shape: number[], seed: number, scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(new Rng(seed).fillNormal(new Float32Array(n), scale), shape, 'float32');
}

/** Loss Σ out ⊙ R (R random, so every gradient entry differs): the value and the six inputs' gradients. */
async function fusion(backend: string, B: number, H: number, c: M3oeCounts): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const f = formulationFor(backend);
  const N = c.experts + c.domains + c.tasks;
  const G = c.domains * c.tasks;
  // Structure weights away from 0 and from each other, so a σ read for the wrong weight shows.
  const inputs = [
    normal([B, N, H], 1),
    normal([B, G, c.experts], 2, 2),
    tf.scalar(0.7),
    tf.scalar(-0.4),
    tf.scalar(1.3),
    tf.scalar(0.2),
  ];
  const op = ([x, z, aD, aT, bD, bT]: tf.Tensor[]) =>
    f.m3oeFusion(x as tf.Tensor3D, z as tf.Tensor3D, { alphaD: aD, alphaT: aT, betaD: bD, betaT: bT }, c);
  const out = op(inputs);
  const r = normal(out.shape, 99);
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(op(xs), r)))(inputs);
  const result = await Promise.all([out, ...grads].map((t) => t.data() as Promise<Float32Array>));
  tf.dispose([...inputs, out, r, ...grads]);
  return result;
}

const NAMES = ['value', 'd experts', 'd logits', 'd α_D', 'd α_T', 'd β_D', 'd β_T'];

describe('M3oE fusion: the fused WebGPU kernel and its composed twin', () => {
  beforeAll(async () => {
    await useCpu();
    await startDawnWebGpu();
  });

  const cases: [string, number, number, M3oeCounts][] = [
    ['3 shared, 2 domains, 3 tasks', 37, 5, { experts: 3, domains: 2, tasks: 3 }],
    ['4 domains, 2 tasks (the views of n > 2)', 300, 4, { experts: 2, domains: 4, tasks: 2 }],
    ['one domain and one task (nothing to share in a view)', 11, 3, { experts: 2, domains: 1, tasks: 1 }],
  ];
  for (const [name, B, H, c] of cases) {
    it(`gives the twin's value and gradients: ${name}`, async () => {
      const twin = await fusion('cpu', B, H, c);
      const fused = await fusion('webgpu', B, H, c);
      twin.forEach((t, i) => expectClose(fused[i], t, NAMES[i]));
    });
  }

  it('runs in one dispatch forward and two backward', async () => {
    await tf.setBackend('webgpu');
    const f = formulationFor('webgpu');
    const c = { experts: 2, domains: 2, tasks: 2 };
    const x = normal([5, 6, 3], 3);
    const z = normal([5, 4, 2], 4);
    const s = { alphaD: tf.scalar(1), alphaT: tf.scalar(1), betaD: tf.scalar(1), betaT: tf.scalar(1) };
    const forward = await countKernels(() =>
      tf.dispose(f.m3oeFusion(x as tf.Tensor3D, z as tf.Tensor3D, s, c)),
    );
    const both = await countKernels(() =>
      tf.dispose(
        tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(f.m3oeFusion(a as tf.Tensor3D, b as tf.Tensor3D, s, c)),
        )([x, z]),
      ),
    );
    // What the loss (a sum) and its own gradient cost, on a tensor of the output's shape.
    const out = tf.zeros([4, 5, 3]);
    const loss = await countKernels(() => tf.dispose(tf.grads((a: tf.Tensor) => tf.sum(a))([out])));
    tf.dispose([x, z, out, ...Object.values(s)]);
    expect(forward).toBe(1);
    expect(both).toBe(forward + loss + 2);
  });

  it('keeps tf.memory().numTensors flat while M3oE trains on the fused path (architecture steps included)', async () => {
    await tf.setBackend('webgpu');
    const ds = tinyTwoDomains(600);
    const model = buildModel(
      'm3oe',
      { experts: 2, slotDim: 8, bottomDim: 6, expertLayers: [5], towerHidden: 4, archEvery: 5 },
      testContext(dataShapeOf(ds.schema), 4, 2, formulationFor('webgpu')),
    ).model;
    expectFlatTensorCounts(await tensorCountsOverTraining(model, ds, 40, { patience: 0 }), 40, 20);
    model.params.dispose();
  });
});
