/** One tower per task (MLP ending in a single logit), stacked so that all tasks' towers run together. */
import * as tf from '@tensorflow/tfjs';
import { StackedMlp, type Formulation, type Params } from './layers';

export class TaskTowers {
  private readonly stack: StackedMlp;

  constructor(p: Params, name: string, tasks: number, inDim: number, hidden: number[], sharedInput: boolean) {
    this.stack = new StackedMlp(p, name, tasks, inDim, [...hidden, 1], sharedInput, true);
  }

  /** One input for every tower: x [B, in] → logits [B, T]. */
  forwardShared(x: tf.Tensor2D, f: Formulation): tf.Tensor2D {
    const out = this.stack.forwardShared(x, f);
    return tf.reshape(out, [x.shape[0], this.stack.n]);
  }

  /** Its own input per tower: xs [B, T, in] → logits [B, T]. */
  forwardEach(xs: tf.Tensor3D, f: Formulation): tf.Tensor2D {
    const out = this.stack.forwardEach(tf.transpose(xs, [1, 0, 2]), f);
    return tf.transpose(tf.reshape(out, [this.stack.n, xs.shape[0]]));
  }
}
