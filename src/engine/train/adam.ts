/**
 * Adam over all of a model's variables at once (PyTorch's formulation: eps added to the bias-corrected √v).
 *
 * tf.train.adam launches about 14 kernels per variable; on a GPU the dispatch count is the cost at these sizes
 * (TFJS-NOTES). PackedAdam keeps the moments in two flat tensors and computes the update once for all gradients,
 * concatenated: about 2 kernels per variable (slice + subtract) plus a fixed dozen. FusedAdam (the fused
 * formulation, WebGPU) keeps parameters and moments in one flat buffer that a single kernel updates in place;
 * each variable then takes its slice. Both keep their slots by variable position, so a changed variable list
 * needs a new optimizer.
 */
import * as tf from '@tensorflow/tfjs';
import { concatByCopies } from '../kernels/copies';
import { adamStepInPlace, copyRegions, finitenessProbe, type AdamStep } from '../kernels/fused';
import type { Formulation } from '../models/experts';

export interface AdamConfig {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** What an optimizer saves to undo a step: its tensors (copies) and its step count. */
export interface OptimizerState {
  tensors: tf.Tensor[];
  t: number;
}

export interface Optimizer {
  readonly vars: tf.Variable[];
  readonly steps: number;
  /**
   * Applies one update; `grads[i]` is the gradient of `vars[i]` (a missing one counts as zero). Returns a scalar
   * that is 0 when the update and the second moments are finite and NaN otherwise (x · 0 is NaN only for a
   * non-finite x, and no sum of zeros overflows): read back with the loss, it tells a step that broke the weights
   * at no extra readback.
   */
  apply(grads: (tf.Tensor | undefined)[]): tf.Scalar;
  /** A copy of the optimizer's state, to undo a step (profiling must leave training untouched). */
  saveState(): OptimizerState;
  restoreState(state: OptimizerState): void;
  dispose(): void;
}

/** The formulation's optimizer: fused on WebGPU, packed tfjs ops elsewhere. */
export function createAdam(vars: tf.Variable[], config: AdamConfig, f: Formulation): Optimizer {
  return f.fusedOptimizer ? new FusedAdam(vars, config) : new PackedAdam(vars, config);
}

/** The gradients as one flat vector in variable order, zeros where a variable has none. */
function flatGradient(grads: (tf.Tensor | undefined)[], sizes: number[]): tf.Tensor1D {
  return tf.tidy(
    () => tf.concat(grads.map((g, i) => (g ? tf.reshape(g, [-1]) : tf.zeros([sizes[i]])))) as tf.Tensor1D,
  );
}

/** What both Adams share: the variables' sizes in one flat order, the hyperparameters and the step count. */
abstract class AdamBase {
  protected readonly sizes: number[];
  protected readonly total: number;
  protected t = 0;
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
  }

  get steps(): number {
    return this.t;
  }

  /** Counts a step and returns its hyperparameters with the bias corrections 1 − β^t. */
  protected nextStep(): AdamStep {
    this.t++;
    const { beta1, beta2, epsilon } = this;
    return {
      learningRate: this.config.learningRate,
      beta1,
      beta2,
      epsilon,
      bc1: 1 - beta1 ** this.t,
      bc2: 1 - beta2 ** this.t,
    };
  }
}

export class PackedAdam extends AdamBase implements Optimizer {
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;

  constructor(vars: tf.Variable[], config: AdamConfig) {
    super(vars, config);
    // tidy disposes the zeros; the variables keep their own reference to the data (and are not tidied).
    [this.m, this.v] = tf.tidy(() => [
      tf.variable(tf.zeros([this.total]), false),
      tf.variable(tf.zeros([this.total]), false),
    ]);
  }

  apply(grads: (tf.Tensor | undefined)[]): tf.Scalar {
    const { learningRate, beta1: b1, beta2: b2, epsilon, bc1, bc2 } = this.nextStep();
    return tf.tidy(() => {
      const flat = flatGradient(grads, this.sizes);
      const m = tf.add(tf.mul(this.m, b1), tf.mul(flat, 1 - b1));
      const v = tf.add(tf.mul(this.v, b2), tf.mul(tf.square(flat), 1 - b2));
      const step = tf.div(tf.mul(m, learningRate / bc1), tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), epsilon));
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

  saveState(): OptimizerState {
    return { tensors: [tf.clone(this.m), tf.clone(this.v)], t: this.t };
  }

  restoreState(state: OptimizerState): void {
    const [m, v] = state.tensors;
    this.m.assign(m);
    this.v.assign(v);
    this.t = state.t;
    tf.dispose(state.tensors);
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}

/**
 * Adam as one WebGPU dispatch per step: parameters, m and v of every variable in one flat buffer [3P], updated in
 * place by kernels/fused.ts (the twin of PackedAdam's arithmetic). The gradients are concatenated into one flat
 * vector first (by buffer copies, kernels/copies.ts); afterwards each variable gets its region of the new parameters by a buffer copy (no dispatch). A
 * variable assigned from outside (restored weights, MoME's phase switch) is noticed by its changed data and copied
 * back into the buffer.
 */
export class FusedAdam extends AdamBase implements Optimizer {
  private state: tf.Tensor1D;
  private readonly offsets: number[];
  /** Each variable's data after the last step: another one means the buffer's copy is stale. */
  private synced: object[];

  constructor(vars: tf.Variable[], config: AdamConfig) {
    super(vars, config);
    this.offsets = this.sizes.map((_, i) => this.sizes.slice(0, i).reduce((a, b) => a + b, 0));
    this.state = tf.keep(tf.tidy(() => concatByCopies([...this.vars, tf.zeros([2 * this.total])])));
    this.synced = vars.map((v) => v.dataId);
  }

  /** Copies the variables' current values into the buffer, keeping the moments (buffer copies, no dispatch). */
  private resync(): void {
    const old = this.state;
    this.state = tf.keep(
      tf.tidy(() =>
        concatByCopies([
          ...this.vars,
          ...copyRegions(old, [{ offset: this.total, shape: [2 * this.total] }]),
        ]),
      ),
    );
    old.dispose();
  }

  apply(grads: (tf.Tensor | undefined)[]): tf.Scalar {
    if (this.vars.some((v, i) => v.dataId !== this.synced[i])) this.resync();
    // Joined by buffer copies: a concat program binds only a few gradients at a time.
    const flat = tf.tidy(() => concatByCopies(grads.map((g, i) => g ?? tf.zeros([this.sizes[i]]))));
    adamStepInPlace(this.state, flat, this.nextStep());
    flat.dispose();
    const values = copyRegions(
      this.state,
      this.vars.map((v, i) => ({ offset: this.offsets[i], shape: v.shape })),
    );
    this.vars.forEach((v, i) => v.assign(values[i]));
    tf.dispose(values);
    this.synced = this.vars.map((v) => v.dataId);
    // Parameters, m and v all finite ⇔ the update and the second moments were (PackedAdam's probe).
    return finitenessProbe(this.state);
  }

  saveState(): OptimizerState {
    // A real copy (a buffer copy, no dispatch): tf.clone shares the buffer, which the next step rewrites in place.
    return { tensors: copyRegions(this.state, [{ offset: 0, shape: [3 * this.total] }]), t: this.t };
  }

  restoreState(state: OptimizerState): void {
    this.state.dispose();
    this.state = state.tensors[0] as tf.Tensor1D;
    this.t = state.t;
  }

  dispose(): void {
    this.state.dispose();
  }
}
