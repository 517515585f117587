/**
 * MoME (Xu, Sun & Zhao, SIGIR 2024; official code Xjh0327/MoME, layers.py / models.py, incomplete as released).
 * Masks are stochastic gates (STG): z(μ) = clamp(μ + ε, 0, 1), ε ~ N(0, σ²) once per forward in training,
 * z = clamp(μ, 0, 1) in evaluation; L0 penalty λ · mean Φ(μ/σ).
 *   Phase A (before M):  h_l = Dropout(ReLU(BN(h_{l−1} (z(μ_l)[:, None] ⊙ W_l) + b_l)));  logit_t = Tower_t(h_L)
 *                        loss = mean_t BCE_t + λ1 Σ_l mean Φ(μ_l/σ)
 *   Switch at M:         W_l ← z_l[:, None] ⊙ W_l, rows with z_l = 0 dropped (kept at 0); neuron masks frozen;
 *                        per-expert weight masks μ_{l,e} (init 0.5) and a softmax gate per task on x created
 *   Phase B (from M):    expert e, layer l: W_{l,e} = z(μ_{l,e}) ⊙ W_l (shared base weights and bias);
 *                        logit_t = Tower_t(Σ_e softmax(W_t x)_e H_e);  loss = mean_t BCE_t + λ2 Σ_l Σ_e mean Φ(μ_{l,e}/σ)
 * The task loss is the project's Σ_t mean BCE_t; towers are Linear → BN → ReLU → Dropout, then Linear(·, 1).
 */
import * as tf from '@tensorflow/tfjs';
import { gateWeights } from './experts';
import { FeatureInput, Params, batchNormParams, dropout, matMul2d, type BatchNorm } from './layers';
import { SoftmaxGates } from './gates';
import { TaskTowers } from './towers';
import type { BuildContext, Mode, Model, ModelOutput } from './types';
import type { EncodedDataset } from '../data/types';
import type { Rng } from '../util/rng';
import type { EvalReport, Inspection } from '../train/report';
import { evaluate } from '../train/evaluate';

export interface MomeOptions {
  experts: number;
  /** Sizes of the base network's layers (shared by all experts in phase B). */
  expertLayers: number[];
  towerLayers: number[];
  dropout: number;
  /** M: when phase B starts, in `switchUnit`s (0 = from the first step). */
  switchAt: number;
  switchUnit: 'epochs' | 'steps';
  /** λ1: L0 penalty on the neuron masks (phase A). */
  lambdaNeuron: number;
  /** λ2: L0 penalty on the expert weight masks (phase B). */
  lambdaMask: number;
  /** σ of the STG noise (official 0.5 for both mask kinds). */
  sigma: number;
  /** Evaluation uses binary masks: 1 where clamp(μ, 0, 1) ≥ 0.5, else 0 (what a 1-bit export stores). */
  thresholdMasks: boolean;
}

/** A MoME model: the phase, the phase switch (the schedule hook calls it) and the evaluation-time thresholding. */
export interface MomeModel extends Model {
  readonly phase: 0 | 1;
  switchPhase(): void;
  thresholdMasks: boolean;
}

export function isMome(model: Model): model is MomeModel {
  return 'switchPhase' in model && 'thresholdMasks' in model;
}

/** ε ~ N(0, std²), both Box–Muller outputs used (the STG noise covers every mask entry every step). */
function gaussian(shape: number[], std: number, rng: Rng): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = std * Math.sqrt(-2 * Math.log(1 - rng.next()));
    const a = 2 * Math.PI * rng.next();
    out[i] = r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = r * Math.sin(a);
  }
  return tf.tensor(out, shape, 'float32');
}

/** Standard normal CDF, Φ(x) = ½(1 + erf(x/√2)). */
function normalCdf(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1), 0.5);
}

interface BaseLayer {
  inDim: number;
  outDim: number;
  w: tf.Variable;
  b: tf.Variable;
  /** μ_l, [in]: phase A's neuron mask, frozen at the switch. */
  neuron: tf.Variable;
  bn: BatchNorm;
  /** Phase B: rows kept by the neuron mask (1/0, [in]), the expert masks μ_{l,e} [E, in, out] and per-expert BN statistics. */
  keep?: tf.Variable;
  masks?: tf.Variable;
  expertBn?: BatchNorm;
}

export function buildMome(o: MomeOptions, ctx: BuildContext): MomeModel {
  const { shape, formulation: f } = ctx;
  const T = shape.numTasks;
  const E = o.experts;
  const p = new Params(ctx.rng);
  const input = new FeatureInput(p, ctx);
  const F = input.width;
  const layers: BaseLayer[] = [];
  let d = F;
  o.expertLayers.forEach((h, l) => {
    layers.push({
      inDim: d,
      outDim: h,
      w: p.uniform(`base.${l}.w`, [d, h], d),
      b: p.uniform(`base.${l}.b`, [h], d),
      neuron: p.constant(`base.${l}.neuronMask`, [d], 0.5),
      bn: batchNormParams(p, `base.${l}.bn`, [h], [1, h]),
    });
    d = h;
  });
  const H = d;
  // Official MultiLayerPerceptron towers: Linear → BN → ReLU → Dropout per hidden layer, then Linear(·, 1).
  const towers = new TaskTowers(p, 'towers', T, H, o.towerLayers, false, {
    batchNorm: true,
    dropout: o.dropout,
    lastLayerName: 'out',
  });
  let gates: SoftmaxGates | null = null;
  let phase: 0 | 1 = 0;

  /** Mask values: STG sample in training, clamp(μ) in evaluation (or its 0.5 threshold). */
  function gate(mu: tf.Variable, mode: Mode, rng: Rng): tf.Tensor {
    if (mode === 'train') return tf.clipByValue(tf.add(mu, gaussian(mu.shape, o.sigma, rng)), 0, 1);
    const z = tf.clipByValue(mu, 0, 1);
    return model.thresholdMasks ? tf.cast(tf.greaterEqual(z, 0.5), 'float32') : z;
  }

  function forwardA(x: tf.Tensor2D, mode: Mode, rng: Rng): { h: tf.Tensor2D; penalty: tf.Scalar } {
    let h = x;
    let penalty: tf.Scalar = tf.scalar(0);
    for (const l of layers) {
      const mu = l.neuron as tf.Tensor1D;
      const w =
        mode === 'train'
          ? f.stgRows(mu, gaussian(mu.shape, o.sigma, rng) as tf.Tensor1D, l.w as tf.Tensor2D)
          : (tf.mul(tf.expandDims(gate(l.neuron, mode, rng), 1), l.w) as tf.Tensor2D);
      h = dropout(
        f.batchNorm(tf.add(matMul2d(h, w, f), l.b), l.bn, 0, mode, 'relu'),
        o.dropout,
        mode,
        rng,
      ) as tf.Tensor2D;
      penalty = tf.add(penalty, tf.mean(normalCdf(tf.div(l.neuron, o.sigma))));
    }
    return { h, penalty: tf.mul(penalty, o.lambdaNeuron) };
  }

  function forwardB(x: tf.Tensor2D, mode: Mode, rng: Rng): { h: tf.Tensor3D; penalty: tf.Scalar } {
    const B = x.shape[0];
    let h: tf.Tensor3D | null = null;
    let penalty: tf.Scalar = tf.scalar(0);
    for (const [i, l] of layers.entries()) {
      const keep = l.keep as tf.Variable;
      const mu = l.masks as tf.Variable;
      const keepRows = tf.expandDims(keep, 1);
      // W_{l,e} = z(μ_{l,e}) ⊙ W_l, dropped rows held at exactly 0.
      const w = tf.mul(gate(mu, mode, rng), tf.mul(keepRows, l.w)) as tf.Tensor3D; // [E, in, out]
      let y: tf.Tensor3D;
      if (i === 0) {
        // The first layer of every expert reads x: one [in, E·out] matMul.
        const wide = tf.reshape(tf.transpose(w, [1, 0, 2]), [l.inDim, E * l.outDim]) as tf.Tensor2D;
        y = tf.transpose(tf.reshape(matMul2d(x, wide, f), [B, E, l.outDim]), [1, 0, 2]) as tf.Tensor3D;
      } else y = f.stackedDense(h as tf.Tensor3D, w, null, 'linear');
      h = dropout(
        f.batchNorm(tf.add(y, l.b), l.expertBn as BatchNorm, 1, mode, 'relu'),
        o.dropout,
        mode,
        rng,
      ) as tf.Tensor3D;
      // λ2 Σ_e mean over the kept rows' entries of Φ(μ_{l,e}/σ).
      const cdf = tf.sum(tf.mul(normalCdf(tf.div(mu, o.sigma)), keepRows));
      penalty = tf.add(penalty, tf.div(cdf, tf.mul(tf.maximum(tf.sum(keep), 1), l.outDim)));
    }
    return {
      h: tf.transpose(h as tf.Tensor3D, [1, 0, 2]) as tf.Tensor3D,
      penalty: tf.mul(penalty, o.lambdaMask),
    };
  }

  function switchPhase(): void {
    if (phase === 1) return;
    tf.tidy(() => {
      for (const [i, l] of layers.entries()) {
        // Drop rows whose neuron mask is exactly 0; fold the kept rows' mask value into the base weights.
        const z = tf.clipByValue(l.neuron, 0, 1);
        l.w.assign(tf.mul(tf.expandDims(z, 1), l.w));
        l.keep = p.constant(`base.${i}.keep`, [l.inDim], 1, false);
        l.keep.assign(tf.cast(tf.greater(z, 0), 'float32'));
        l.neuron.trainable = false;
        l.masks = p.constant(`base.${i}.expertMasks`, [E, l.inDim, l.outDim], 0.5);
        // One BatchNorm (γ, β) shared by the experts as in the official code; batch statistics per expert.
        const mean = p.constant(`base.${i}.bn.expertMovingMean`, [E, 1, l.outDim], 0, false);
        const variance = p.constant(`base.${i}.bn.expertMovingVar`, [E, 1, l.outDim], 1, false);
        mean.assign(tf.tile(tf.reshape(l.bn.mean, [1, 1, l.outDim]), [E, 1, 1]));
        variance.assign(tf.tile(tf.reshape(l.bn.variance, [1, 1, l.outDim]), [E, 1, 1]));
        l.expertBn = { gamma: l.bn.gamma, beta: l.bn.beta, mean, variance };
      }
    });
    gates = new SoftmaxGates(p, 'gates', F, T, E);
    phase = 1;
  }

  const model: MomeModel = {
    params: p,
    get phase() {
      return phase;
    },
    thresholdMasks: o.thresholdMasks,
    switchPhase,
    forward(batch, mode, rng): ModelOutput {
      const x = input.forward(batch, f);
      if (phase === 0) {
        const { h, penalty } = forwardA(x, mode, rng);
        return {
          logits: towers.forwardShared(h, f, { mode, rng }),
          routing: {},
          aux: { 'L0 neuron': penalty },
        };
      }
      const { h, penalty } = forwardB(x, mode, rng);
      const z = (gates as SoftmaxGates).logits(x, f); // [B, T, E]
      const logits = towers.forwardEach(f.mixture(z, h), f, { mode, rng });
      const routing: Record<string, tf.Tensor2D> = {};
      if (mode === 'eval') {
        const g = gateWeights(z);
        shape.taskNames.forEach((name, t) => {
          routing[`gate · ${name}`] = tf.squeeze(tf.slice(g, [0, t, 0], [-1, 1, -1]), [1]) as tf.Tensor2D;
        });
      }
      return { logits, routing, aux: { 'L0 mask': penalty } };
    },
    hooks: {
      beforeStep(step, epoch) {
        if (phase === 1 || (o.switchUnit === 'steps' ? step : epoch) < o.switchAt)
          return { variablesChanged: false };
        switchPhase();
        // New trainable variables (masks, gates) and frozen neuron masks: a new optimizer; and the best epoch so
        // far is a phase-A model that cannot be restored into this one (the official code resets it too).
        return { variablesChanged: true, resetBest: true };
      },
    },
    inspect: () => inspectMasks(),
  };

  /** Fractions of mask entries at exactly 0 and 1 (of clamp(μ, 0, 1), the evaluation mask), overlaps, storage. */
  async function inspectMasks(): Promise<Inspection> {
    const floatsOutsideBase = p
      .entries()
      .filter(([name, v]) => v.trainable && !name.startsWith('base.'))
      .reduce((n, [, v]) => n + v.size, 0);
    const bnParams = layers.reduce((n, l) => n + 2 * l.outDim, 0);
    const biases = layers.reduce((n, l) => n + l.outDim, 0);
    const fullWeights = layers.reduce((n, l) => n + l.inDim * l.outDim, 0);
    const gateParams = gates ? 0 : T * (F * E + E);
    // An MMoE of the same shape: E independent experts (weights, biases, BN), the same gates, towers and embedding.
    const mmoe = floatsOutsideBase + gateParams + E * (fullWeights + biases + bnParams);
    if (phase === 0) {
      const zs = tf.tidy(() => layers.map((l) => tf.clipByValue(l.neuron, 0, 1)));
      const values = await Promise.all(zs.map((z) => z.data()));
      tf.dispose(zs);
      const frac = (v: ArrayLike<number>, x: number) =>
        Array.from(v).filter((a) => a === x).length / Math.max(1, v.length);
      const stored =
        floatsOutsideBase + fullWeights + biases + bnParams + layers.reduce((n, l) => n + l.inDim, 0) / 32;
      return {
        phase: 0,
        'neuron mask = 0 (fraction) [layer]': values.map((v) => frac(v, 0)),
        'neuron mask = 1 (fraction) [layer]': values.map((v) => frac(v, 1)),
        'params stored': stored,
        'params of an MMoE of the same shape': mmoe,
      };
    }
    const parts = tf.tidy(() =>
      layers.map((l) => ({
        z: tf.clipByValue(l.masks as tf.Variable, 0, 1),
        keep: tf.clone(l.keep as tf.Variable),
      })),
    );
    const read = await Promise.all(
      parts.map(async ({ z, keep }) => ({
        z: (await z.data()) as Float32Array,
        keep: (await keep.data()) as Float32Array,
      })),
    );
    tf.dispose(parts.flatMap(({ z, keep }) => [z, keep]));
    const zero: number[][] = [];
    const one: number[][] = [];
    const kept: number[] = [];
    // Per expert, the set of (layer, entry) positions its binary mask (z ≥ 0.5) keeps, over kept rows only.
    const onCount = new Array<number>(E).fill(0);
    const both: number[][] = Array.from({ length: E }, () => new Array<number>(E).fill(0));
    let maskBits = 0;
    let keptWeights = 0;
    read.forEach(({ z, keep }, li) => {
      const l = layers[li];
      const rows: number[] = [];
      keep.forEach((k, r) => k > 0 && rows.push(r));
      kept.push(rows.length / l.inDim);
      const per = rows.length * l.outDim;
      maskBits += E * per;
      keptWeights += per;
      const zl: number[] = [];
      const ol: number[] = [];
      const on: Uint8Array[] = [];
      for (let e = 0; e < E; e++) {
        let zeros = 0;
        let ones = 0;
        const bits = new Uint8Array(per);
        let k = 0;
        for (const r of rows) {
          const base = (e * l.inDim + r) * l.outDim;
          for (let c = 0; c < l.outDim; c++, k++) {
            const v = z[base + c];
            if (v === 0) zeros++;
            else if (v === 1) ones++;
            bits[k] = v >= 0.5 ? 1 : 0;
          }
        }
        zl.push(zeros / Math.max(1, per));
        ol.push(ones / Math.max(1, per));
        on.push(bits);
      }
      zero.push(zl);
      one.push(ol);
      for (let a = 0; a < E; a++) {
        for (let i = 0; i < per; i++) onCount[a] += on[a][i];
        for (let b = a; b < E; b++) {
          let n = 0;
          for (let i = 0; i < per; i++) n += on[a][i] & on[b][i];
          both[a][b] += n;
        }
      }
    });
    // Jaccard overlap |A ∩ B| / |A ∪ B| of the experts' binary masks.
    const overlap = both.map((row, a) =>
      row.map((_, b) => {
        const [i, j] = a <= b ? [a, b] : [b, a];
        const union = onCount[i] + onCount[j] - both[i][j];
        return union > 0 ? both[i][j] / union : 1;
      }),
    );
    const stored = floatsOutsideBase + keptWeights + biases + bnParams + maskBits / 32;
    return {
      phase: 1,
      'neuron rows kept (fraction) [layer]': kept,
      'mask = 0 (fraction) [layer][expert]': zero,
      'mask = 1 (fraction) [layer][expert]': one,
      'mask overlap, Jaccard of z ≥ 0.5 [expert][expert]': overlap,
      'params stored (floats + 1 bit per mask entry)': stored,
      'params of an MMoE of the same shape': mmoe,
      'storage vs MMoE': stored / mmoe,
    };
  }

  return model;
}

export interface ThresholdCost {
  soft: EvalReport;
  thresholded: EvalReport;
  /** AUC lost by binary masks (soft − thresholded), per task and for the mean over tasks; null where a slice has no AUC. */
  aucCostByTask: (number | null)[];
  meanTaskAucCost: number | null;
}

/** Evaluates `rows` with the evaluation masks as they are and thresholded at 0.5: the AUC cost of a 1-bit export. */
export async function maskThresholdCost(
  model: MomeModel,
  ds: EncodedDataset,
  rows: Int32Array,
  batchSize: number,
  rng: Rng,
  split: EvalReport['split'] = 'test',
): Promise<ThresholdCost> {
  const before = model.thresholdMasks;
  try {
    model.thresholdMasks = false;
    const soft = await evaluate(model, ds, rows, batchSize, rng, split);
    model.thresholdMasks = true;
    const thresholded = await evaluate(model, ds, rows, batchSize, rng, split);
    const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
    return {
      soft,
      thresholded,
      aucCostByTask: soft.byTask.map((s, t) => diff(s.auc, thresholded.byTask[t].auc)),
      meanTaskAucCost: diff(soft.meanTaskAuc, thresholded.meanTaskAuc),
    };
  } finally {
    model.thresholdMasks = before;
  }
}
