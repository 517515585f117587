/** One tower per task (MLP ending in a single logit), stacked so that all tasks' towers run together. */
import * as tf from '@tensorflow/tfjs';
import { ExpertStack, type ExpertStackOptions, type Formulation, type RunContext } from './experts';
import type { Params } from './layers';

export class TaskTowers {
  private readonly stack: ExpertStack;

  constructor(
    p: Params,
    name: string,
    tasks: number,
    inDim: number,
    hidden: number[],
    sharedInput: boolean,
    extra: Omit<ExpertStackOptions, 'sharedInput' | 'linearLast'> = {},
  ) {
    this.stack = new ExpertStack(p, name, tasks, inDim, [...hidden, 1], {
      ...extra,
      sharedInput,
      linearLast: true,
    });
  }

  /** One input for every tower: x [B, in] → logits [B, T]. */
  forwardShared(x: tf.Tensor2D, f: Formulation, run?: RunContext): tf.Tensor2D {
    const out = this.stack.forwardShared(x, f, run);
    return tf.reshape(out, [x.shape[0], this.stack.n]);
  }

  /** Its own input per tower: xs [B, T, in] → logits [B, T]. */
  forwardEach(xs: tf.Tensor3D, f: Formulation, run?: RunContext): tf.Tensor2D {
    const out = this.stack.forwardEach(tf.transpose(xs, [1, 0, 2]), f, run);
    return tf.transpose(tf.reshape(out, [this.stack.n, xs.shape[0]]));
  }
}
