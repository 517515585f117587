/**
 * A weight matrix gated row by row with stochastic gates (MoME's phase A, models/mome.ts): clamp(μ + ε, 0, 1)[:, None]
 * ⊙ W as one WebGPU dispatch, its backward (μ's and W's gradients) as one. As composed tfjs ops it was an add, a
 * clip and a broadcast multiply forward and about seven kernels backward (the clip's where-chain, the multiply's
 * broadcast sum), per layer.
 *
 * The twin in plain tfjs ops (the composed formulation, models/experts.ts) is composedStgRows below; stg.test.ts
 * compares the two.
 */
import * as tf from '@tensorflow/tfjs';
import { copyRegions, flatProgram, ints, type Built, type WebGpuBackendLike } from './fused';

/** The twin: μ [in] and the noise ε [in] (a constant) gate the rows of w [in, out]. */
export function composedStgRows(mu: tf.Tensor1D, noise: tf.Tensor1D, w: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(tf.expandDims(tf.clipByValue(tf.add(mu, noise), 0, 1), 1), w) as tf.Tensor2D;
}

/** out[i, o] = clamp(μ[i] + ε[i], 0, 1) · w[i, o]. */
function forwardProgram(I: number, O: number): Built {
  const body = `
    let i = index / uniforms.o;
    result[index] = clamp(mu[i] + noise[i], 0.0, 1.0) * w[index];`;
  return {
    program: flatProgram('moeStgRows', ['mu', 'noise', 'w'], [I, O], ['o'], body),
    uniforms: ints(O),
  };
}

/**
 * One flat output [in | in·out]: dμ[i] = Σ_o dy[i, o] w[i, o] where 0 ≤ μ[i] + ε[i] ≤ 1 (tfjs's clip gradient passes
 * both bounds), else 0; dw[i, o] = clamp(μ[i] + ε[i], 0, 1) · dy[i, o].
 */
function gradProgram(I: number, O: number): Built {
  const body = `
    if (index < uniforms.i) {
      let v = mu[index] + noise[index];
      var acc = 0.0;
      for (var o = 0; o < uniforms.o; o++) { acc = acc + dy[index * uniforms.o + o] * w[index * uniforms.o + o]; }
      result[index] = select(0.0, acc, v >= 0.0 && v <= 1.0);
    } else {
      let k = index - uniforms.i;
      let i = k / uniforms.o;
      result[index] = clamp(mu[i] + noise[i], 0.0, 1.0) * dy[k];
    }`;
  return {
    program: flatProgram('moeStgRowsGrad', ['mu', 'noise', 'w', 'dy'], [I + I * O], ['i', 'o'], body),
    uniforms: ints(I, O),
  };
}

function runProgram({ program, uniforms }: Built, inputs: tf.Tensor[]): tf.Tensor {
  const backend = tf.backend() as unknown as WebGpuBackendLike;
  return tf.engine().makeTensorFromTensorInfo(backend.runWebGPUProgram(program, inputs, 'float32', uniforms));
}

/** The fused formulation's gated rows (WebGPU): one dispatch forward, one backward (split by buffer copies). */
export function fusedStgRows(mu: tf.Tensor1D, noise: tf.Tensor1D, w: tf.Tensor2D): tf.Tensor2D {
  const [I, O] = w.shape;
  if (mu.size !== I || noise.size !== I)
    throw new Error(`gated rows: μ ${mu.shape} and ε ${noise.shape} do not gate the rows of w ${w.shape}`);
  const op = tf.customGrad(((m: tf.Tensor, x: tf.Tensor, save: tf.GradSaveFunc) => {
    // The noise is saved too: drawn inside the forward pass, it would be disposed before the backward one.
    save([m, x, noise]);
    return {
      value: runProgram(forwardProgram(I, O), [m, noise, x]),
      gradFunc: (dy: tf.Tensor, [sm, sx, sn]: tf.Tensor[]) => {
        const flat = runProgram(gradProgram(I, O), [sm, sn, sx, dy]) as tf.Tensor1D;
        const grads = copyRegions(flat, [
          { offset: 0, shape: [I] },
          { offset: I, shape: [I, O] },
        ]);
        flat.dispose();
        return grads;
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    m: tf.Tensor,
    x: tf.Tensor,
  ) => tf.Tensor2D;
  return op(mu, w);
}
