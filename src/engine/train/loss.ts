import * as tf from '@tensorflow/tfjs';

/**
 * Per-task mean binary cross-entropy on logits, over the rows whose label is known: [T].
 * Written out (max(z,0) − z·y + log(1 + e^−|z|)) because it is stable for large |z|.
 */
export function maskedTaskBce(logits: tf.Tensor2D, labels: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor1D {
  const bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, labels)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
  const counts = tf.maximum(tf.sum(mask, 0), 1);
  return tf.div(tf.sum(tf.mul(bce, mask), 0), counts) as tf.Tensor1D;
}
