/** Gates: a bank of softmax gates over experts, all read from one input with a single matMul. */
import * as tf from '@tensorflow/tfjs';
import type { Formulation } from './experts';
import type { Params } from './layers';

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

  /** x [B, in] → gate logits [B, G, E]; the formulation's mixture applies the softmax. */
  logits(x: tf.Tensor2D, f: Formulation): tf.Tensor3D {
    return tf.reshape(f.dense(x, this.w as tf.Tensor2D, this.b, 'linear'), [
      x.shape[0],
      this.gates,
      this.experts,
    ]);
  }

  /** x [B, in] → weights [B, G, E], each row summing to 1 (the routing readout). */
  forward(x: tf.Tensor2D, f: Formulation): tf.Tensor3D {
    return tf.softmax(this.logits(x, f));
  }
}
