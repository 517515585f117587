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
 * The own gate's logits with the selection SP ∪ SH applied, [B, N]; a softmax of them is the routing weights.
 * additive (ours): a on SP ∪ SH, a − 1e9 elsewhere, so unselected experts get exactly 0; multiplicative (released
 * code): a · m, m = [n ∈ SP] + [n ∈ SH] on selected experts and −1e9 elsewhere.
 */
export function selectedGateLogits(
  aOwn: tf.Tensor2D,
  sp: tf.Tensor2D,
  sh: tf.Tensor2D,
  masking: Masking,
): tf.Tensor2D {
  const union = tf.maximum(sp, sh);
  return masking === 'additive'
    ? maskUnselected(aOwn, union)
    : (tf.mul(aOwn, maskUnselected(tf.add(sp, sh), union)) as tf.Tensor2D);
}

/** How many specific and shared experts each sample selects, and how the choice reaches the gate. */
export interface SelectionRule {
  kSp: number;
  kSh: number;
  masking: Masking;
}

/** Everything AESM²'s selection computes, for the composed formulation and the tests. */
export interface SelectionDetail {
  /** [B, N] the own gate's logits with the selection applied (selectedGateLogits). */
  gate: tf.Tensor2D;
  /** Constant 0/1 selection masks [B, N]. */
  sp: tf.Tensor2D;
  sh: tf.Tensor2D;
  /** Per-sample KL to the own one-hot and to uniform, [B, N] (from the noisy logits when there is noise). */
  klSp: tf.Tensor2D;
  klSh: tf.Tensor2D;
  /** mean KL_sp over the selected SP, mean KL_sh over the selected SH (unweighted); 0 when k is 0. */
  lossSp: tf.Scalar;
  lossSh: tf.Scalar;
}

/**
 * AESM²'s per-instance selection (official `select_experts`) in tfjs ops: from gate logits A [B, G, N], the own gate
 * one-hot [B, G] and the ranking's noise [B, G, N] (training) or null. The twin of kernels/selection.ts.
 */
export function selectionDetail(
  A: tf.Tensor3D,
  own: tf.Tensor2D,
  noise: tf.Tensor3D | null,
  rule: SelectionRule,
): SelectionDetail {
  const [B, G] = A.shape;
  const noisy = noise ? tf.add(A, noise) : A;
  // log P over the gates, per expert: KL(onehot ‖ P) = −log P_own, KL(uniform ‖ P) = −log G − mean_g log P_g.
  const logP = tf.logSoftmax(tf.transpose(noisy, [0, 2, 1]), -1); // [B, N, G]
  const klSp = tf.neg(tf.sum(tf.mul(logP, tf.expandDims(own, 1)), 2)) as tf.Tensor2D;
  const klSh = tf.sub(tf.neg(tf.mean(logP, 2)), Math.log(G)) as tf.Tensor2D;
  const sp = smallestKMask(klSp, rule.kSp);
  const sh = smallestKMask(klSh, rule.kSh);
  const meanSelected = (kl: tf.Tensor2D, mask: tf.Tensor2D, k: number) =>
    k > 0 ? (tf.div(tf.sum(tf.mul(kl, mask)), B * k) as tf.Scalar) : tf.scalar(0);
  const aOwn = tf.sum(tf.mul(A, tf.expandDims(own, 2)), 1) as tf.Tensor2D;
  return {
    gate: selectedGateLogits(aOwn, sp, sh, rule.masking),
    sp,
    sh,
    klSp,
    klSh,
    lossSp: meanSelected(klSp, sp, rule.kSp),
    lossSh: meanSelected(klSh, sh, rule.kSh),
  };
}
