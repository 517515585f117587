/**
 * The fused WGSL kernels against their twins: the same inputs through the composed formulation on the cpu
 * backend and through the fused one on WebGPU (Dawn in Node; SwiftShader where no GPU exists), values and
 * gradients. These tests fail, never skip, when Dawn cannot start: the kernels are what the GPU path runs.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { startDawnWebGpu } from '../../../scripts/bench/dawn';
import { countKernels } from './dispatches';
import { formulationFor, type Activation, type Formulation, type GateSelection } from '../models/experts';
import type { MomeModel } from '../models/mome';
import type { SelectionRule } from '../models/selection';
import { registeredModels } from '../models/registry';
import type { BatchNorm } from '../models/layers';
import type { Model } from '../models/types';
import { dataShapeOf } from '../data/types';
import { buildModel } from '../models/registry';
import {
  batchOf,
  buildSmall,
  expectFlatTensorCounts,
  tensorCountsOverTraining,
  testContext,
  tinyTwoDomains,
} from '../testing/models';
import { expectClose, useCpu } from '../testing/tf';
import { FusedAdam, PackedAdam, type Optimizer } from '../train/adam';
import { DEFAULT_TRAIN } from '../train/config';
import { Trainer } from '../train/trainer';
import { Rng } from '../util/rng';

interface Input {
  shape: number[];
  values: Float32Array;
  /** A constant (a selection mask): no gradient is taken. */
  constant?: boolean;
}

function random(shape: number[], seed: number, scale = 1): Input {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, values: new Rng(seed).fillNormal(new Float32Array(n), scale) };
}

/** Loss Σ out ⊙ R (R fixed and random, so every gradient entry differs) and its gradients, on `backend`. */
async function run(
  backend: string,
  inputs: Input[],
  op: (f: Formulation, xs: tf.Tensor[]) => tf.Tensor,
): Promise<{ out: Float32Array; grads: Float32Array[] }> {
  await tf.setBackend(backend);
  const f = formulationFor(backend);
  const xs = inputs.map((i) => tf.tensor(i.values, i.shape, 'float32'));
  const out = op(f, xs);
  const r = tf.tensor(new Rng(99).fillNormal(new Float32Array(out.size)), out.shape);
  const varying = xs.filter((_, i) => !inputs[i].constant);
  const grads = tf.grads((...vs: tf.Tensor[]) => {
    let k = 0;
    const all = xs.map((x, i) => (inputs[i].constant ? x : vs[k++]));
    return tf.sum(tf.mul(op(f, all), r));
  })(varying);
  const result = {
    out: (await out.data()) as Float32Array,
    grads: await Promise.all(grads.map((g) => g.data() as Promise<Float32Array>)),
  };
  tf.dispose([...xs, out, r, ...grads]);
  return result;
}

/** The fused kernel on webgpu gives the twin's values and gradients on cpu. */
async function expectTwins(
  inputs: Input[],
  op: (f: Formulation, xs: tf.Tensor[]) => tf.Tensor,
): Promise<void> {
  const twin = await run('cpu', inputs, op);
  const fused = await run('webgpu', inputs, op);
  expectClose(fused.out, twin.out, 'value');
  twin.grads.forEach((g, i) => expectClose(fused.grads[i], g, `gradient ${i}`));
}

describe('fused WebGPU kernels and their twins', () => {
  beforeAll(async () => {
    await useCpu();
    await startDawnWebGpu();
  });

  it('runs on the fused formulation on webgpu and the composed one on cpu', () => {
    expect(formulationFor('webgpu').name).toBe('fused');
    expect(formulationFor('cpu').name).toBe('per-member');
  });

  it('stacked dense layer: matMul + bias + ReLU of N members, and its three gradients', async () => {
    const [N, B, I, O] = [3, 37, 11, 6];
    await expectTwins([random([N, B, I], 1), random([N, I, O], 2), random([N, 1, O], 3)], (f, [x, w, b]) =>
      f.stackedDense(x as tf.Tensor3D, w as tf.Tensor3D, b as tf.Tensor3D, 'relu'),
    );
  });

  it('stacked dense layer without bias or activation', async () => {
    await expectTwins([random([2, 9, 5], 4), random([2, 5, 7], 5)], (f, [x, w]) =>
      f.stackedDense(x as tf.Tensor3D, w as tf.Tensor3D, null, 'linear'),
    );
  });

  it('dense layer (one member, a wide shared-input layer)', async () => {
    await expectTwins([random([33, 13], 6), random([13, 24], 7), random([24], 8)], (f, [x, w, b]) =>
      f.dense(x as tf.Tensor2D, w as tf.Tensor2D, b, 'relu'),
    );
  });

  const [B, G, E, H] = [21, 3, 5, 4];
  const mixture = (selection?: (xs: tf.Tensor[]) => GateSelection) => (f: Formulation, xs: tf.Tensor[]) =>
    f.mixture(xs[0] as tf.Tensor3D, xs[1] as tf.Tensor3D | tf.Tensor4D, selection?.(xs));

  it('softmax gates + mixture over experts shared by every gate', async () => {
    await expectTwins([random([B, G, E], 9, 2), random([B, E, H], 10)], mixture());
  });

  it('softmax gates + mixture over each gate’s own candidates', async () => {
    await expectTwins([random([B, G, E], 11, 2), random([B, G, E, H], 12)], mixture());
  });

  it('sparse gate: top-k chosen inside the kernel, exactly k non-zero weights', async () => {
    await expectTwins(
      [random([B, 1, E], 13, 2), random([B, E, H], 14)],
      mixture(() => ({ topK: 2 })),
    );
  });

  it('masked BCE on logits, with labels and a missing-label mask (zero logits included)', async () => {
    const [Bb, T] = [29, 3];
    const logits = random([Bb, T], 17, 4);
    logits.values[0] = 0; // tfjs's ReLU and Abs gradients at exactly 0
    const labels = new Float32Array(Bb * T).map((_, i) => (i * 5) % 2);
    const mask = new Float32Array(Bb * T).map((_, i) => (i % 7 === 3 ? 0 : 1));
    await expectTwins(
      [
        logits,
        { shape: [Bb, T], values: labels, constant: true },
        { shape: [Bb, T], values: mask, constant: true },
      ],
      (f, [z, y, m]) => f.maskedBce(z as tf.Tensor2D, y as tf.Tensor2D, m as tf.Tensor2D),
    );
  });

  // γ and β random (γ ≠ 1, β ≠ 0), so a γ entry read for the wrong row or column changes values and gradients.
  const layerNorm =
    (act: Activation) =>
    (f: Formulation, [x, g, b]: tf.Tensor[]) =>
      f.layerNorm(x, g, b, act);

  it('LayerNorm + ReLU over rows [B, h], γ and β [h], and its three gradients', async () => {
    await expectTwins([random([19, 7], 30, 3), random([7], 31), random([7], 32)], layerNorm('relu'));
  });

  it('LayerNorm of stacked experts [B, N, h], γ and β per member [N, h]', async () => {
    await expectTwins([random([13, 3, 6], 33, 2), random([3, 6], 34), random([3, 6], 35)], layerNorm('relu'));
  });

  it('LayerNorm of towers [N, B, h], γ and β [N, 1, h], without activation', async () => {
    await expectTwins(
      [random([4, 11, 5], 36, 2), random([4, 1, 5], 37), random([4, 1, 5], 38)],
      layerNorm('linear'),
    );
  });

  /**
   * BatchNorm in training on x with γ, β = xs[1], xs[2]; the moving statistics start from fixed values, made (and
   * disposed by the caller) per call, so both twins update the same starting point.
   */
  const batchNormOf =
    (axis: number, statShape: number[], act: Activation, made: tf.Variable[]) =>
    (f: Formulation, [x, gamma, beta]: tf.Tensor[]) => {
      const mean = tf.variable(tf.tensor(random(statShape, 40).values, statShape), false);
      const variance = tf.variable(tf.abs(tf.tensor(random(statShape, 41).values, statShape)), false);
      made.push(mean, variance);
      const bn: BatchNorm = { gamma: gamma as tf.Variable, beta: beta as tf.Variable, mean, variance };
      return f.batchNorm(x, bn, axis, 'train', act);
    };

  async function expectBatchNormTwins(inputs: Input[], axis: number, statShape: number[], act: Activation) {
    const made: tf.Variable[] = [];
    await expectTwins(inputs, batchNormOf(axis, statShape, act, made));
    // The first call of each run (the value, before the gradients): its moving mean and variance, cpu vs webgpu.
    const [twinMean, twinVar, , , fusedMean, fusedVar] = await Promise.all(
      made.map((v) => v.data() as Promise<Float32Array>),
    );
    expectClose(fusedMean, twinMean, 'moving mean');
    expectClose(fusedVar, twinVar, 'moving variance');
    tf.dispose(made);
  }

  it('BatchNorm + ReLU in training over the batch of [B, c] (γ, β [c]), its gradients and moving averages', async () => {
    await expectBatchNormTwins([random([23, 6], 42, 2), random([6], 43), random([6], 44)], 0, [1, 6], 'relu');
  });

  it('BatchNorm of stacked experts [N, B, c] over the batch, γ, β and statistics per member [N, 1, c]', async () => {
    await expectBatchNormTwins(
      [random([3, 17, 5], 45, 2), random([3, 1, 5], 46), random([3, 1, 5], 47)],
      1,
      [3, 1, 5],
      'relu',
    );
  });

  it('BatchNorm of [E, B, c] with γ, β [c] shared by the members, statistics per member, no activation', async () => {
    await expectBatchNormTwins(
      [random([4, 9, 3], 48, 2), random([3], 49), random([3], 50)],
      1,
      [4, 1, 3],
      'linear',
    );
  });

  // AESM²'s selection: the masked own-gate logits (−1e9 apart where the choice differs) and both KL losses, one vector.
  const selection = (rule: SelectionRule, noisy: boolean) => {
    const [Bs, Gs, Ns] = [23, 3, 6];
    const own = new Float32Array(Bs * Gs).map((_, i) => (i % Gs === Math.floor(i / Gs) % Gs ? 1 : 0));
    const logits = random([Bs, Gs, Ns], 41, 2);
    // Without noise, experts 0 and 1 of every other row tie (the same column): the lower index must win.
    if (!noisy)
      for (let r = 0; r < Bs * Gs; r += 2 * Gs)
        for (let g = 0; g < Gs; g++) logits.values[(r + g) * Ns + 1] = logits.values[(r + g) * Ns];
    const inputs: Input[] = [logits, { shape: [Bs, Gs], values: own, constant: true }];
    if (noisy) inputs.push({ ...random([Bs, Gs, Ns], 42, 0.8), constant: true });
    return expectTwins(inputs, (f, [a, o, noise]) => {
      const { gate, losses } = f.expertSelection(
        a as tf.Tensor3D,
        o as tf.Tensor2D,
        (noise as tf.Tensor3D | undefined) ?? null,
        rule,
      );
      return tf.concat([tf.reshape(gate, [-1]), losses]);
    });
  };

  it('AESM² selection: KL ranking with noise, top-k specific and shared, additive mask, KL losses', async () => {
    await selection({ kSp: 2, kSh: 2, masking: 'additive' }, true);
  });

  it('AESM² selection: multiplicative mask without noise, ties, and no shared experts (k_sh 0)', async () => {
    await selection({ kSp: 2, kSh: 1, masking: 'multiplicative' }, false);
    await selection({ kSp: 3, kSh: 0, masking: 'additive' }, true);
  });
});

/**
 * Adam steps with gradients that depend on the weights (so a wrong step changes every later one), a variable
 * without a gradient, a weight assigned from outside between steps, and a profiled step undone.
 */
async function adamRun(
  backend: string,
  make: (vars: tf.Variable[]) => Optimizer,
): Promise<{ weights: Float32Array[]; probes: number[] }> {
  await tf.setBackend(backend);
  const shapes = [[3, 4], [5], [2, 1, 3]];
  const vars = shapes.map((shape, i) => tf.variable(tf.tensor(random(shape, 20 + i).values, shape)));
  const opt = make(vars);
  const probes: number[] = [];
  const step = async (t: number) => {
    const probe = tf.tidy(() =>
      opt.apply(
        vars.map((v, i) =>
          i === 1 && t % 2 === 1
            ? undefined
            : tf.add(tf.mul(v, 0.3 + t), tf.tensor(random(v.shape, 40 + t + i).values, v.shape)),
        ),
      ),
    );
    probes.push((await probe.data())[0]);
    probe.dispose();
  };
  for (let t = 0; t < 4; t++) await step(t);
  vars[2].assign(tf.tensor(random([2, 1, 3], 60).values, [2, 1, 3]));
  const saved = opt.saveState();
  const weights = vars.map((v) => tf.clone(v));
  await step(9); // undone below, as Trainer.profileStep does
  opt.restoreState(saved);
  vars.forEach((v, i) => v.assign(weights[i]));
  for (let t = 4; t < 7; t++) await step(t);
  const out = await Promise.all(vars.map((v) => v.data() as Promise<Float32Array>));
  tf.dispose([...vars, ...weights]);
  opt.dispose();
  return { weights: out, probes };
}

/** The finiteness probe of one step from weights [1, 2, 3] with gradient `grad`. */
async function probeAfterOneStep(backend: string, make: (vars: tf.Variable[]) => Optimizer, grad: number[]) {
  await tf.setBackend(backend);
  const v = tf.variable(tf.tensor1d([1, 2, 3]));
  const opt = make([v]);
  const probe = tf.tidy(() => opt.apply([tf.tensor1d(grad)]));
  const value = (await probe.data())[0];
  tf.dispose([probe, v]);
  opt.dispose();
  return value;
}

describe('fused Adam (one dispatch over a flat buffer) and PackedAdam, its twin', () => {
  beforeAll(async () => {
    await useCpu();
    await startDawnWebGpu();
  });

  it('take the same steps, through a missing gradient, an outside assignment and an undone step', async () => {
    const config = { learningRate: 0.05 };
    const twin = await adamRun('cpu', (v) => new PackedAdam(v, config));
    const fused = await adamRun('webgpu', (v) => new FusedAdam(v, config));
    twin.weights.forEach((t, i) => expectClose(fused.weights[i], t, `variable ${i}`));
    expect(fused.probes).toEqual(twin.probes);
    expect(twin.probes.every((p) => p === 0)).toBe(true);
  });

  it('dispatch the same number of kernels for 2 variables as for 20: gradients in and new values out by copies', async () => {
    await tf.setBackend('webgpu');
    const dispatches = async (count: number) => {
      const vars = Array.from({ length: count }, (_, i) => tf.variable(tf.fill([3, i + 1], 0.5)));
      const opt = new FusedAdam(vars, { learningRate: 0.05 });
      const grads = vars.map((v) => tf.onesLike(v));
      const n = await countKernels(() => tf.dispose(opt.apply(grads)));
      tf.dispose([...vars, ...grads]);
      opt.dispose();
      return n;
    };
    // A concat program binds at most 7 gradients (WebGPU's storage-buffer limit): 20 would take several.
    expect(await dispatches(20)).toBe(await dispatches(2));
  });

  it('return the same finiteness probe: NaN for a step that leaves a non-finite value, 0 otherwise', async () => {
    const cases: [number, number[], number][] = [
      [0.05, [0.5, -1, 2], 0],
      [1e39, [0.5, -1, 2], NaN], // the step size overflows float32
      [0.05, [0.5, Infinity, 2], NaN], // a non-finite gradient reaches m and v
      [0.05, [0.5, NaN, 2], NaN],
    ];
    for (const [learningRate, grad, want] of cases) {
      const twin = await probeAfterOneStep('cpu', (v) => new PackedAdam(v, { learningRate }), grad);
      const fused = await probeAfterOneStep('webgpu', (v) => new FusedAdam(v, { learningRate }), grad);
      expect(twin, `PackedAdam, lr ${learningRate}, gradient ${grad.join(', ')}`).toEqual(want);
      expect(fused, `FusedAdam, lr ${learningRate}, gradient ${grad.join(', ')}`).toEqual(want);
    }
  });

  it('end a fused run whose first update breaks the weights (learning rate 1e39) with the message', async () => {
    await tf.setBackend('webgpu');
    const ds = tinyTwoDomains(600);
    const model = buildModel(
      'mmoe',
      { experts: 2, expertLayers: [8], towerLayers: [4] },
      testContext(dataShapeOf(ds.schema), 4, 2, formulationFor('webgpu')),
    ).model;
    const run = new Trainer({
      model,
      dataset: ds,
      config: { ...DEFAULT_TRAIN, embeddingDim: 4, batchSize: 64, learningRate: 1e39 },
      onEvent: () => {},
    }).run();
    await expect(run).rejects.toThrow(
      /an update made the weights non-finite .* at step 1 .*learning rate \(now 1e\+39\)/,
    );
    model.params.dispose();
  });
});

/** Every model's loss and gradients with the fused kernels on WebGPU equal those of the composed twin on cpu. */
describe('every model on the fused formulation', () => {
  beforeAll(async () => {
    await useCpu();
    await startDawnWebGpu();
  });

  async function lossAndGrads(
    backend: string,
    id: string,
    options: Record<string, unknown>,
    prepare?: (m: Model) => void,
  ): Promise<Float32Array[]> {
    await tf.setBackend(backend);
    const model = buildSmall(id, options, formulationFor(backend));
    prepare?.(model);
    const batch = batchOf([0, 1, 2, 0, 1, 2, 2, 1, 0, 0, 1]);
    const vars = model.params.trainable();
    // The logits and every auxiliary term (AESM²'s KL losses, …), so the fused auxiliary paths are compared too.
    const loss = () => {
      const out = model.forward(batch, 'train', new Rng(1));
      return tf.addN([tf.sum(tf.square(out.logits)), ...Object.values(out.aux)]) as tf.Scalar;
    };
    const { value, grads } = tf.variableGrads(loss, vars);
    const out = [
      (await value.data()) as Float32Array,
      ...(await Promise.all(vars.map((v) => grads[v.name].data() as Promise<Float32Array>))),
    ];
    tf.dispose([value, ...Object.values(grads), batch.cat, batch.num, batch.domain, batch.domainOneHot]);
    model.params.dispose();
    return out;
  }

  const cases: [string, string, Record<string, unknown>, ((m: Model) => void)?][] = [
    ...registeredModels().map((m): [string, string, Record<string, unknown>] => [m.id, m.id, {}]),
    ['mome, phase B', 'mome', {}, (m) => (m as MomeModel).switchPhase()],
    ['aesm2, multiplicative masking', 'aesm2', { masking: 'multiplicative' }],
    ['mmoe, gate per cell', 'mmoe', { gate: 'cell' }],
    ['ple, cell units, 2 levels', 'ple', { specificPer: 'cell', levels: 2 }],
  ];
  it('aesm2 trains on webgpu with tf.memory().numTensors flat (selection noise and BatchNorm on)', async () => {
    await tf.setBackend('webgpu');
    const ds = tinyTwoDomains(600);
    const options = {
      experts: 4,
      scenarioExpertLayers: [8],
      taskExpertLayers: [8],
      towerLayers: [4],
      noiseScale: 0.1,
    };
    const ctx = testContext(dataShapeOf(ds.schema), 4, 2, formulationFor('webgpu'));
    const model = buildModel('aesm2', options, ctx).model;
    expectFlatTensorCounts(await tensorCountsOverTraining(model, ds, 30), 30, 15);
    model.params.dispose();
  });

  for (const [name, id, options, prepare] of cases) {
    it(name, async () => {
      const twin = await lossAndGrads('cpu', id, options, prepare);
      const fused = await lossAndGrads('webgpu', id, options, prepare);
      twin.forEach((t, i) =>
        expectClose(fused[i], t, i === 0 ? 'loss' : `gradient of trainable variable ${i - 1}`),
      );
    });
  }
});
