/** Gates: a bank of softmax gates over experts, and the weighted mixture of expert outputs. */
import * as tf from '@tensorflow/tfjs';
import { matMul2d, type Formulation, type Params } from './layers';

/** G softmax gates over E experts, all read from one input with a single [in, G·E] matMul. */
export class SoftmaxGates {
  private readonly w: tf.Variable;
  private readonly b: tf.Variable;

  constructor(
    p: Params,
    name: string,
    inDim: number,
    readonly gates: number,
    readonly experts: number,
  ) {
    this.w = p.uniform(`${name}.w`, [inDim, gates * experts], inDim);
    this.b = p.uniform(`${name}.b`, [gates * experts], inDim);
  }

  /** x [B, in] → weights [B, G, E], each row summing to 1. */
  forward(x: tf.Tensor2D, f: Formulation): tf.Tensor3D {
    const logits = tf.add(matMul2d(x, this.w as tf.Tensor2D, f), this.b);
    return tf.softmax(tf.reshape(logits, [x.shape[0], this.gates, this.experts])) as tf.Tensor3D;
  }
}

/** weights [B, G, E] · experts [B, E, H] → [B, G, H]: one batched matMul on a GPU, multiply-and-sum elsewhere. */
export function mixExperts(weights: tf.Tensor3D, experts: tf.Tensor3D, f: Formulation): tf.Tensor3D {
  if (f.batchedStacks) return tf.matMul(weights, experts);
  return tf.sum(tf.mul(tf.expandDims(weights, 3), tf.expandDims(experts, 1)), 2) as tf.Tensor3D;
}
