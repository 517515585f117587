/**
 * Hard expert selection shared by the sparse models: top-k as a constant mask (tfjs has no gradient for TopK or
 * comparisons, so the choice runs inside a tf.customGrad whose forward is not recorded) and the masked softmax
 * that gives unselected experts exactly zero weight.
 */
import * as tf from '@tensorflow/tfjs';

export type Masking = 'additive' | 'multiplicative';

/** Added to the logits of unselected experts: exp(−1e9 − max) underflows to exactly 0 in float32. */
const MASKED = -1e9;

/**
 * `f` evaluated as a constant of its input: its forward pass is not recorded on the gradient tape and it
 * passes a zero gradient back (top-k and comparisons have no gradient in tfjs).
 */
function constantOf(f: (x: tf.Tensor) => tf.Tensor): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad(((x: tf.Tensor) => ({
    value: f(x),
    gradFunc: () => tf.zerosLike(x),
  })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
}

/** [B, N] → 1 at the k smallest entries of each row, 0 elsewhere (float32, a constant). */
export function smallestKMask(values: tf.Tensor2D, k: number): tf.Tensor2D {
  const n = values.shape[1];
  if (k <= 0) return tf.zerosLike(values);
  return constantOf((x) => {
    const chosen = tf.expandDims(tf.topk(tf.neg(x), Math.min(k, n)).indices, 2); // [B, k, 1]
    const hit = tf.equal(chosen, tf.range(0, n, 1, 'int32')); // [B, k, n]
    // A float one-hot made by a select, not tf.oneHot + cast: on webgpu a cast of int32 data to float keeps the int32
    // buffer and the Sum below transposes it with a shader that does not compile; wasm's OneHot ignores a float dtype.
    return tf.sum(tf.where(hit, tf.ones(hit.shape), tf.zeros(hit.shape)), 1);
  })(values) as tf.Tensor2D;
}

/** Logits with every unselected expert (mask 0) pushed to −1e9: a softmax gives those exactly 0. */
export function maskUnselected<T extends tf.Tensor>(logits: T, mask: tf.Tensor): T {
  return tf.add(logits, tf.mul(tf.sub(1, mask), MASKED));
}

/**
 * What a layer's softmax gate reads, from the own-gate logits [B, N] and the selection masks [B, N] (0/1):
 * additive (ours): a with the mask SP ∪ SH (softmax(a + M), M = 0 on SP ∪ SH and −1e9 elsewhere, so unselected
 * experts get exactly 0); multiplicative (released code): a · m, m = [n ∈ SP] + [n ∈ SH] on selected experts and
 * −1e9 elsewhere, no mask.
 */
export function maskedGateInput(
  aOwn: tf.Tensor2D,
  sp: tf.Tensor2D,
  sh: tf.Tensor2D,
  masking: Masking,
): { logits: tf.Tensor2D; mask: tf.Tensor2D | null } {
  const union = tf.maximum(sp, sh) as tf.Tensor2D;
  if (masking === 'additive') return { logits: aOwn, mask: union };
  return { logits: tf.mul(aOwn, maskUnselected(tf.add(sp, sh), union)) as tf.Tensor2D, mask: null };
}

/** The gate weights of a layer (see maskedGateInput), [B, N]. */
export function maskedGateWeights(
  aOwn: tf.Tensor2D,
  sp: tf.Tensor2D,
  sh: tf.Tensor2D,
  masking: Masking,
): tf.Tensor2D {
  const { logits, mask } = maskedGateInput(aOwn, sp, sh, masking);
  return tf.softmax(mask ? maskUnselected(logits, mask) : logits);
}
