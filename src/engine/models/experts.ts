/**
 * The experts of a layer behind one interface, and how their arithmetic is formulated on each backend.
 *
 * The formulation is fixed once per backend (formulationFor) and handed to the models at build time; model
 * files call its operations and never branch on the backend. Chosen by measurement (TFJS-NOTES, BENCHMARKS.md):
 * - cpu, webgl: plain tfjs ops, N parallel layers as N plain 2-D matMuls;
 * - wasm: the same, with matMul gradients that transpose explicitly (XNNPACK is fast only on plain operands), and
 *   bias gradients and mixtures as matMuls (wasm's Sum over a leading axis transposes first);
 * - webgpu: the dispatch count is the cost, so the project's fused WGSL kernels (kernels/fused.ts): a stacked
 *   dense layer with its bias and activation in one dispatch (backward in three), softmax gate + mixture in one
 *   (backward in two), AESM²'s expert selection in two (backward in two, kernels/selection.ts), and the optimizer
 *   in one. Each has a twin here, the composed formulation, that a test compares it with.
 */
import * as tf from '@tensorflow/tfjs';
import {
  LAYER_NORM_EPS,
  fusedBatchNormTrain,
  fusedGateMixture,
  fusedLayerNorm,
  fusedMaskedBce,
  fusedStackedDense,
} from '../kernels/fused';
import { fusedExpertSelection } from '../kernels/selection';
import {
  composedM3oeFusion,
  fusedM3oeFusion,
  type M3oeCounts,
  type M3oeStructure,
} from '../kernels/m3oeFusion';
import { composedStgRows, fusedStgRows } from '../kernels/stg';
import { maskedBce } from '../train/loss';
import { batchNorm, batchNormParams, dropout, type BatchNorm, type Params } from './layers';
import { maskUnselected, selectionDetail, smallestKMask, type SelectionRule } from './selection';
import type { Mode } from './types';
import type { Rng } from '../util/rng';

export type Activation = 'relu' | 'linear';

/** Which experts a sparse gate may weight: the k largest logits of each row. */
export interface GateSelection {
  topK: number;
}

export interface Formulation {
  readonly name: 'per-member' | 'explicit-transpose' | 'fused';
  /** Whether the optimizer runs as one fused kernel over a flat parameter buffer (train/adam.ts). */
  readonly fusedOptimizer: boolean;
  matMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D;
  /** act(x w + b): x [B, in], w [in, out], b [out] → [B, out]. */
  dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor, act: Activation): tf.Tensor2D;
  /** N parallel layers act(x_n w_n + b_n): x [N, B, in], w [N, in, out], b [N, 1, out] or null → [N, B, out]. */
  stackedDense(x: tf.Tensor3D, w: tf.Tensor3D, b: tf.Tensor3D | null, act: Activation): tf.Tensor3D;
  /**
   * Softmax gates and the mixture they weight: logits [B, G, E] over experts [B, E, H] (shared by all G gates) or
   * [B, G, E, H] (each gate its own candidates) → Σ_e softmax(logits)[b, g, e] · experts[b, (g,) e, :], [B, G, H].
   */
  mixture(logits: tf.Tensor3D, experts: tf.Tensor3D | tf.Tensor4D, selection?: GateSelection): tf.Tensor3D;
  /** The training loss's per-sample BCE on logits, 0 where the label is missing: [B, T] (train/loss.ts). */
  maskedBce(logits: tf.Tensor2D, labels: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D;
  /**
   * act(LayerNorm(x)) over the last axis (nn.LayerNorm, ε 1e-5): x [rows, h] or [a, c, h]; γ and β of one shape,
   * broadcast over x's leading axes ([h], or rank 3 with each leading axis x's or 1).
   */
  layerNorm<T extends tf.Tensor>(x: T, gamma: tf.Tensor, beta: tf.Tensor, act: Activation): T;
  /**
   * act(BatchNorm(z)) over the batch axis (0 of [b, c], 1 of [a, b, c]): batch statistics and the moving averages'
   * update in training, the moving averages in evaluation (layers.ts batchNorm).
   */
  batchNorm<T extends tf.Tensor>(z: T, bn: BatchNorm, axis: number, mode: Mode, act: Activation): T;
  /**
   * AESM²'s per-instance expert selection (models/selection.ts selectionDetail): gate logits A [B, G, N], the own
   * gate one-hot [B, G] and the KL ranking's noise [B, G, N] or null → the own gate's logits with the selection
   * applied ([B, N]; their softmax is the routing weights) and [mean KL_sp over SP, mean KL_sh over SH].
   */
  expertSelection(
    A: tf.Tensor3D,
    own: tf.Tensor2D,
    noise: tf.Tensor3D | null,
    rule: SelectionRule,
  ): { gate: tf.Tensor2D; losses: tf.Tensor1D };
  /**
   * M3oE's two-level fusion (models/m3oe.ts): experts [B, E+D+T, H] (shared, domain, task), gate logits [B, D·T, E]
   * → s_dt + σ(α_D) dom_d + σ(α_T) tsk_t in the towers' layout [D·T, B, H] (kernels/m3oeFusion.ts).
   */
  m3oeFusion(experts: tf.Tensor3D, logits: tf.Tensor3D, s: M3oeStructure, c: M3oeCounts): tf.Tensor3D;
  /** Stochastic gates on w's rows, clamp(μ + ε, 0, 1)[:, None] ⊙ w: μ, ε [in], w [in, out] (MoME, kernels/stg.ts). */
  stgRows(mu: tf.Tensor1D, noise: tf.Tensor1D, w: tf.Tensor2D): tf.Tensor2D;
}

/** The gate weights the mixture uses, [B, G, E]: softmax over the selected experts, exactly 0 elsewhere. */
export function gateWeights(logits: tf.Tensor3D, selection?: GateSelection): tf.Tensor3D {
  if (!selection) return tf.softmax(logits);
  const [B, G, E] = logits.shape;
  const topK = smallestKMask(tf.neg(tf.reshape(logits, [B * G, E])) as tf.Tensor2D, selection.topK);
  return tf.softmax(maskUnselected(logits, tf.reshape(topK, [B, G, E])));
}

/** A 2-D matMul whose backward pass uses explicitly transposed, plain operands (fast on wasm). */
const matMulExplicitT = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as tf.Tensor2D)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
  a: tf.Tensor2D,
  b: tf.Tensor2D,
) => tf.Tensor2D;

function activate<T extends tf.Tensor>(y: T, act: Activation): T {
  return act === 'relu' ? tf.relu(y) : y;
}

/** [N, B, in] and [N, in, out] as N pairs of plain 2-D operands. */
function unstackPairs(x: tf.Tensor3D, w: tf.Tensor3D): [tf.Tensor2D, tf.Tensor2D][] {
  const ws = tf.unstack(w) as tf.Tensor2D[];
  return (tf.unstack(x) as tf.Tensor2D[]).map((xi, i) => [xi, ws[i]]);
}

/** The twin of the fused kernels in plain tfjs ops: N layers as N plain 2-D matMuls, multiply-and-sum mixtures. */
/**
 * y + b whose bias gradient is a matMul with a row of ones (y [B, O], b of O values; or y [N, B, O], b [N, 1, O]):
 * wasm's Sum over the batch axis transposes its input first and takes about 10× as long.
 */
const addBiasByMatMul = tf.customGrad(((y: tf.Tensor, b: tf.Tensor) => ({
  value: tf.add(y, b),
  gradFunc: (dy: tf.Tensor) => {
    const [n, rows] = dy.shape;
    const perRow =
      dy.rank === 2 ? b.size === dy.shape[1] : b.rank === 3 && b.shape[0] === n && b.shape[1] === 1;
    if (!perRow)
      throw new Error(`addBiasByMatMul: a bias of shape [${b.shape}] on [${dy.shape}] is not per row`);
    const ones = tf.ones(dy.rank === 2 ? [1, n] : [n, 1, rows as number]);
    return [dy, tf.reshape(tf.matMul(ones as tf.Tensor3D, dy as tf.Tensor3D), b.shape)];
  },
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as <T extends tf.Tensor>(
  y: T,
  b: tf.Tensor,
) => T;

/** Σ_e w[b, g, e] X[b, (g,) e, :] as a batched matMul (on wasm the multiply-and-sum's Sum transposes first). */
function mixtureByMatMul(
  logits: tf.Tensor3D,
  experts: tf.Tensor3D | tf.Tensor4D,
  selection?: GateSelection,
): tf.Tensor3D {
  const w = gateWeights(logits, selection);
  if (experts.rank === 3) return tf.matMul(w, experts as tf.Tensor3D);
  const [B, G, E] = w.shape;
  const H = experts.shape[3] as number;
  const perGate = tf.matMul(
    tf.reshape(w, [B * G, 1, E]) as tf.Tensor3D,
    tf.reshape(experts, [B * G, E, H]) as tf.Tensor3D,
  );
  return tf.reshape(perGate, [B, G, H]);
}

/** The multiply-and-sum mixture: the plain reference. */
function mixtureBySum(
  logits: tf.Tensor3D,
  experts: tf.Tensor3D | tf.Tensor4D,
  selection?: GateSelection,
): tf.Tensor3D {
  const w = tf.expandDims(gateWeights(logits, selection), 3); // [B, G, E, 1]
  const candidates = experts.rank === 3 ? tf.expandDims(experts, 1) : experts; // [B, 1 or G, E, H]
  return tf.sum(tf.mul(w, candidates), 2) as tf.Tensor3D;
}

function composed(
  name: 'per-member' | 'explicit-transpose',
  matMul: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D,
  addBias: <T extends tf.Tensor>(y: T, b: tf.Tensor) => T = (y, b) => tf.add(y, b),
  mixture: Formulation['mixture'] = mixtureBySum,
): Formulation {
  // One member by squeeze and expandDims: tfjs's Unpack gradient fails with a single output.
  const oneMember = (x: tf.Tensor3D, w: tf.Tensor3D) =>
    tf.expandDims(matMul(tf.squeeze(x, [0]), tf.squeeze(w, [0])), 0) as tf.Tensor3D;
  return {
    name,
    fusedOptimizer: false,
    matMul,
    dense: (x, w, b, act) => activate(addBias(matMul(x, w), b), act),
    stackedDense(x, w, b, act) {
      const y =
        x.shape[0] === 1
          ? oneMember(x, w)
          : (tf.stack(unstackPairs(x, w).map(([xi, wi]) => matMul(xi, wi))) as tf.Tensor3D);
      return activate(b ? addBias(y, b) : y, act);
    },
    mixture,
    maskedBce,
    layerNorm(x, gamma, beta, act) {
      const { mean, variance } = tf.moments(x, -1, true);
      const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LAYER_NORM_EPS)));
      return activate(tf.add(tf.mul(normed, gamma), beta) as typeof x, act);
    },
    batchNorm: (z, bn, axis, mode, act) => activate(batchNorm(z, bn, axis, mode) as typeof z, act),
    expertSelection(A, own, noise, rule) {
      const d = selectionDetail(A, own, noise, rule);
      return { gate: d.gate, losses: tf.stack([d.lossSp, d.lossSh]) as tf.Tensor1D };
    },
    m3oeFusion(experts, logits, s, c) {
      return composedM3oeFusion(this, experts, logits, s, c);
    },
    stgRows: composedStgRows,
  };
}

const PER_MEMBER = composed('per-member', (a, b) => tf.matMul(a, b));
const EXPLICIT_TRANSPOSE = composed('explicit-transpose', matMulExplicitT, addBiasByMatMul, mixtureByMatMul);

const FUSED: Formulation = {
  name: 'fused',
  fusedOptimizer: true,
  matMul: (a, b) => tf.matMul(a, b),
  dense(x, w, b, act) {
    const [B] = x.shape;
    const [, O] = w.shape;
    const y = fusedStackedDense(
      tf.expandDims(x, 0) as tf.Tensor3D,
      tf.expandDims(w, 0) as tf.Tensor3D,
      tf.reshape(b, [1, 1, O]) as tf.Tensor3D,
      act,
    );
    return tf.reshape(y, [B, O]);
  },
  stackedDense: (x, w, b, act) => fusedStackedDense(x, w, b, act),
  mixture: (logits, experts, selection) =>
    fusedGateMixture(
      logits,
      experts.rank === 3 ? (tf.expandDims(experts, 1) as tf.Tensor4D) : (experts as tf.Tensor4D),
      selection,
    ),
  maskedBce: fusedMaskedBce,
  layerNorm: fusedLayerNorm,
  batchNorm: (z, bn, axis, mode, act) =>
    mode === 'train'
      ? fusedBatchNormTrain(z, bn, axis, act)
      : activate(batchNorm(z, bn, axis, mode) as typeof z, act),
  expertSelection: fusedExpertSelection,
  m3oeFusion: fusedM3oeFusion,
  stgRows: fusedStgRows,
};

/** The one place a backend decides how the models compute. */
export function formulationFor(backend: string): Formulation {
  switch (backend) {
    case 'wasm':
      return EXPLICIT_TRANSPOSE;
    case 'webgpu':
      return FUSED;
    default:
      return PER_MEMBER;
  }
}

export interface ExpertStackOptions {
  /** The first layer of all N reads one input: a single [in, N·h] weight (one matMul on every backend). */
  sharedInput: boolean;
  /** The last layer has no activation (towers ending in a logit). */
  linearLast?: boolean;
  /** BatchNorm between each hidden layer's matMul and its ReLU (AESM²'s experts, MoME's towers). */
  batchNorm?: boolean;
  /** Inverted dropout after each hidden layer's ReLU (training only). */
  dropout?: number;
  /** Parameter name of the last layer instead of its index (MoME's towers call it "out"). */
  lastLayerName?: string;
}

/** Mode and generator for the layers that need them (BatchNorm statistics, dropout masks). */
export interface RunContext {
  mode: Mode;
  rng: Rng;
}

interface StackLayer {
  w: tf.Variable;
  b: tf.Variable;
  bn: BatchNorm | null;
  hidden: boolean;
}

/**
 * N parallel MLPs with identical layer sizes (experts, towers), stored stacked so that each layer of all N is one
 * formulation call. Layer i: Linear → [BatchNorm] → ReLU → [dropout], the last layer linear if `linearLast`.
 */
export class ExpertStack {
  private readonly layers: StackLayer[] = [];
  readonly outDim: number;

  constructor(
    p: Params,
    name: string,
    readonly n: number,
    inDim: number,
    private readonly sizes: number[],
    private readonly o: ExpertStackOptions,
  ) {
    if (sizes.length === 0) throw new Error(`${name}: a stack of experts needs at least one layer`);
    sizes.forEach((s, i) => {
      const fanIn = i === 0 ? inDim : sizes[i - 1];
      const last = i === sizes.length - 1;
      const key = last && o.lastLayerName ? o.lastLayerName : String(i);
      const wide = i === 0 && o.sharedInput;
      const hidden = !(last && o.linearLast);
      const bShape = wide ? [n * s] : [n, 1, s];
      this.layers.push({
        w: p.uniform(`${name}.${key}.w`, wide ? [fanIn, n * s] : [n, fanIn, s], fanIn),
        b: p.uniform(`${name}.${key}.b`, bShape, fanIn),
        bn: o.batchNorm && hidden ? batchNormParams(p, `${name}.${key}.bn`, bShape) : null,
        hidden,
      });
    });
    this.outDim = sizes[sizes.length - 1];
  }

  /** The nonlinear part of a layer after its matMul + bias: [BatchNorm over `axis`] → ReLU → [dropout]. */
  private finish(
    z: tf.Tensor,
    l: StackLayer,
    axis: number,
    f: Formulation,
    run: RunContext | undefined,
  ): tf.Tensor {
    if (!l.hidden) return z;
    let h = z;
    if (l.bn) h = f.batchNorm(h, l.bn, axis, this.need(run).mode, 'relu');
    const rate = this.o.dropout ?? 0;
    return rate > 0 ? dropout(h, rate, this.need(run).mode, this.need(run).rng) : h;
  }

  private need(run: RunContext | undefined): RunContext {
    if (!run) throw new Error('this stack has BatchNorm or dropout: pass the mode and the generator');
    return run;
  }

  /** Activation fused into the matMul where nothing sits between them. */
  private act(l: StackLayer): Activation {
    return l.hidden && !l.bn ? 'relu' : 'linear';
  }

  /** One input for every member: x [B, in] → [B, N, out]. */
  forwardShared(x: tf.Tensor2D, f: Formulation, run?: RunContext): tf.Tensor3D {
    const B = x.shape[0];
    if (!this.o.sharedInput) {
      const each = this.forwardEach(tf.tile(tf.expandDims(x, 0), [this.n, 1, 1]) as tf.Tensor3D, f, run);
      return tf.transpose(each, [1, 0, 2]);
    }
    const first = this.layers[0];
    const h0 = this.finish(f.dense(x, first.w as tf.Tensor2D, first.b, this.act(first)), first, 0, f, run);
    const stacked = tf.reshape(h0, [B, this.n, this.sizes[0]]) as tf.Tensor3D;
    if (this.layers.length === 1) return stacked;
    // [B, N, h] → [N, B, h] for the per-member layers.
    return tf.transpose(this.forwardFrom(1, tf.transpose(stacked, [1, 0, 2]), f, run), [1, 0, 2]);
  }

  /** Its own input per member: xs [N, B, in] → [N, B, out]. */
  forwardEach(xs: tf.Tensor3D, f: Formulation, run?: RunContext): tf.Tensor3D {
    if (this.o.sharedInput)
      throw new Error('forwardEach on a stack whose first layer reads one shared input');
    return this.forwardFrom(0, xs, f, run);
  }

  private forwardFrom(
    start: number,
    xs: tf.Tensor3D,
    f: Formulation,
    run: RunContext | undefined,
  ): tf.Tensor3D {
    let h = xs;
    for (const l of this.layers.slice(start)) {
      h = this.finish(
        f.stackedDense(h, l.w as tf.Tensor3D, l.b as tf.Tensor3D, this.act(l)),
        l,
        1,
        f,
        run,
      ) as tf.Tensor3D;
    }
    return h;
  }
}
