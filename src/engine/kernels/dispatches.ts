/**
 * How many programs a piece of work runs: on a GPU every one costs host time whatever its size (tfjs bookkeeping,
 * a bind group, a uniform buffer), so this count is the cost of a training step there.
 */
import * as tf from '@tensorflow/tfjs';

/** Kernels that only relabel a tensor's buffer (no program runs). */
const SHAPE_ONLY_KERNELS = new Set(['Reshape', 'Identity', 'ExpandDims', 'Squeeze']);

interface DispatchingBackend {
  recordAndSubmit(...args: unknown[]): void;
}

/**
 * Programs dispatched while `run` executes. On webgpu every dispatch goes through the backend's recordAndSubmit,
 * which is counted: custom kernels and the in-place optimizer update included, kernels tfjs runs on the CPU (small
 * int32 work) and shape-only ones not. Elsewhere: the kernels tf.profile records, less the shape-only ones.
 */
export async function countKernels(run: () => void): Promise<number> {
  const backend = tf.backend() as unknown as Partial<DispatchingBackend>;
  if (tf.getBackend() === 'webgpu' && typeof backend.recordAndSubmit === 'function') {
    const original = backend.recordAndSubmit;
    let dispatches = 0;
    backend.recordAndSubmit = function (this: unknown, ...args: unknown[]) {
      dispatches++;
      return original.apply(this, args);
    };
    try {
      run();
    } finally {
      backend.recordAndSubmit = original;
    }
    return dispatches;
  }
  const info = await tf.profile(() => {
    run();
    return [];
  });
  return info.kernels.filter((k) => !SHAPE_ONLY_KERNELS.has(k.name)).length;
}
