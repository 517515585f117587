/**
 * Adam over all of a model's variables at once (PyTorch's formulation: eps added to the bias-corrected √v).
 *
 * tf.train.adam launches about 14 kernels per variable; on a GPU the dispatch count is the cost at
 * these sizes (TFJS-NOTES). Here the moments live in two flat tensors and the update is computed once
 * for all gradients, concatenated: about 2 kernels per variable (slice + subtract) plus a fixed dozen.
 * It also keeps its slots by variable identity, so a changed variable list needs a new optimizer.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamConfig {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class PackedAdam {
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  private readonly sizes: number[];
  private readonly total: number;
  private t = 0;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;

  constructor(
    readonly vars: tf.Variable[],
    private readonly config: AdamConfig,
  ) {
    this.beta1 = config.beta1 ?? 0.9;
    this.beta2 = config.beta2 ?? 0.999;
    this.epsilon = config.epsilon ?? 1e-8;
    this.sizes = vars.map((v) => v.size);
    this.total = this.sizes.reduce((a, b) => a + b, 0);
    // tidy disposes the zeros; the variables keep their own reference to the data (and are not tidied).
    [this.m, this.v] = tf.tidy(() => [
      tf.variable(tf.zeros([this.total]), false),
      tf.variable(tf.zeros([this.total]), false),
    ]);
  }

  get steps(): number {
    return this.t;
  }

  /**
   * Applies one update; `grads[i]` is the gradient of `vars[i]` (a missing one counts as zero). Returns a scalar
   * that is 0 when the update and the second moments are finite and NaN otherwise (x · 0 is NaN only for a
   * non-finite x, and no sum of zeros overflows): read back with the loss, it tells a step that broke the weights
   * at no extra readback.
   */
  apply(grads: (tf.Tensor | undefined)[]): tf.Scalar {
    this.t++;
    const { beta1: b1, beta2: b2, epsilon } = this;
    const bc1 = 1 - b1 ** this.t;
    const bc2 = 1 - b2 ** this.t;
    return tf.tidy(() => {
      const flat = tf.concat(grads.map((g, i) => (g ? tf.reshape(g, [-1]) : tf.zeros([this.sizes[i]]))));
      const m = tf.add(tf.mul(this.m, b1), tf.mul(flat, 1 - b1));
      const v = tf.add(tf.mul(this.v, b2), tf.mul(tf.square(flat), 1 - b2));
      const step = tf.div(
        tf.mul(m, this.config.learningRate / bc1),
        tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), epsilon),
      );
      this.m.assign(m);
      this.v.assign(v);
      let offset = 0;
      this.vars.forEach((variable, i) => {
        const size = this.sizes[i];
        variable.assign(tf.sub(variable, tf.reshape(tf.slice(step, [offset], [size]), variable.shape)));
        offset += size;
      });
      return tf.sum(tf.mul(tf.add(step, v), 0)) as tf.Scalar;
    });
  }

  /** A copy of the moments and step count, to undo a step (profiling must leave training untouched). */
  saveState(): { m: tf.Tensor; v: tf.Tensor; t: number } {
    return { m: tf.clone(this.m), v: tf.clone(this.v), t: this.t };
  }

  restoreState(state: { m: tf.Tensor; v: tf.Tensor; t: number }): void {
    this.m.assign(state.m);
    this.v.assign(state.v);
    this.t = state.t;
    tf.dispose([state.m, state.v]);
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}
