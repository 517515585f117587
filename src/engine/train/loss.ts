import * as tf from '@tensorflow/tfjs';

/**
 * Per-sample binary cross-entropy on logits, zero where the label is missing: [B, T].
 * Written out (max(z,0) − z·y + log(1 + e^−|z|)) because it is stable for large |z|.
 */
export function maskedBce(logits: tf.Tensor2D, labels: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
  const bce = tf.add(
    tf.sub(tf.relu(logits), tf.mul(logits, labels)),
    tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
  );
  return tf.mul(bce, mask);
}

/** Per-task mean of masked BCE over the rows whose label is known: [T]. */
export function taskMeans(bce: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor1D {
  return tf.div(tf.sum(bce, 0), tf.maximum(tf.sum(mask, 0), 1)) as tf.Tensor1D;
}
