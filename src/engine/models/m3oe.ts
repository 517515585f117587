/**
 * M3oE (Zhang et al., SIGIR 2024; official code Applied-Machine-Learning-Lab/M3oE, MDMTRec/models/multi_domain/model.py):
 *   skip  = ReLU(LN(W_skip x));   z = x (W_slot[d] ⊙ W_shared) + b_slot[d] + b_shared;   emb = ReLU(LN(W_b z)) + skip
 *   S_k, Dm_j, Tk_j = ReLU(LN(W emb))                        shared (E), domain (D) and task (T) experts
 *   g_dt  = softmax(W_dt · stopGradient(emb));   s_dt = Σ_k g_dt[k] S_k
 *   dom_d = σ(β_D) Dm_d + (1 − σ(β_D))/(D − 1) Σ_{j≠d} Dm_j;   tsk_t likewise with β_T
 *   f_dt  = s_dt + σ(α_D) dom_d + σ(α_T) tsk_t;   logit_{d(b),t} = Tower_dt(f_dt)
 *   loss  = Σ over (d, t) groups of the group's mean BCE (empty groups skipped)
 * α_D, α_T, β_D, β_T are structure weights: first-order DARTS on validation batches every k steps by default,
 * or the official code's schedule (trained with the weights + one extra step per epoch on a train batch).
 */
import * as tf from '@tensorflow/tfjs';
import { ExpertStack, gateWeights } from './experts';
import { FeatureInput, Params, dense, denseParams, matMul2d, selectByDomain, type Dense } from './layers';
import { SoftmaxGates } from './gates';
import type { ArchitectureSearch, BuildContext, Model } from './types';
import type { Inspection } from '../train/report';

export type M3oeSchedule = 'darts' | 'published';

export interface M3oeOptions {
  /** Shared experts E. */
  experts: number;
  /** Width of the STAR-style slot layer (fcn_dims[0]). */
  slotDim: number;
  /** Width of emb, the MLP after the slot layer and the skip connection (fcn_dims[1]). */
  bottomDim: number;
  /** Every expert (shared, domain, task): Linear → LayerNorm → ReLU per entry (fcn_dims[2:] after emb). */
  expertLayers: number[];
  /** Hidden width of each (domain, task) tower: Linear → LayerNorm → ReLU → Linear(·, 1). */
  towerHidden: number;
  /** Gates read stopGradient(emb) (official); off lets the gate loss reach emb (an ablation). */
  gateStopGradient: boolean;
  /** Raw initial value of the four structure weights (σ(1.0) = 0.731). */
  structureInit: number;
  schedule: M3oeSchedule;
  /** darts: an architecture step every k training steps. */
  archEvery: number;
  /** Adam learning rate of the architecture steps (both schedules). */
  archLr: number;
}

/** The gradient stops here: identity forward, zero backward (tfjs has no stopGradient op). */
export const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as <T extends tf.Tensor>(x: T) => T;

interface Norm {
  gamma: tf.Variable;
  beta: tf.Variable;
}

/** nn.LayerNorm defaults: γ = 1, β = 0, eps 1e-5, over the last axis. */
function normParams(p: Params, name: string, shape: number[]): Norm {
  return { gamma: p.constant(`${name}.gamma`, shape, 1), beta: p.constant(`${name}.beta`, shape, 0) };
}

/** nn.init.xavier_uniform_ on a [fanIn, fanOut] matrix (the official init of the slot and shared weights). */
function xavier(ctx: BuildContext, count: number, fanIn: number, fanOut: number): Float32Array {
  const bound = Math.sqrt(6 / (fanIn + fanOut));
  return ctx.rng.fillUniform(new Float32Array(count), -bound, bound);
}

/**
 * Σ over (domain, task) groups of the group's mean BCE over its labelled rows; a group without labelled rows
 * adds 0 (skipped). bce [B, T] is already 0 where the label is missing.
 */
export function groupLoss(bce: tf.Tensor2D, mask: tf.Tensor2D, domainOneHot: tf.Tensor2D): tf.Scalar {
  const oh = tf.expandDims(domainOneHot, 2); // [B, D, 1]
  const sums = tf.sum(tf.mul(oh, tf.expandDims(bce, 1)), 0); // [D, T]
  const counts = tf.sum(tf.mul(oh, tf.expandDims(mask, 1)), 0);
  return tf.sum(tf.div(sums, tf.maximum(counts, 1)));
}

export function buildM3oe(o: M3oeOptions, ctx: BuildContext): Model {
  const { shape, formulation: f } = ctx;
  const D = shape.numDomains;
  const T = shape.numTasks;
  const E = o.experts;
  const N = E + D + T;
  const p = new Params(ctx.rng);
  const input = new FeatureInput(p, ctx);
  const F = input.width;

  const skip: Dense = denseParams(p, 'skip', F, o.bottomDim);
  const skipNorm = normParams(p, 'skip.ln', [o.bottomDim]);
  // STAR-style slot layer: official init xavier_uniform for the weights, zeros for the biases.
  const slotShared = p.add('slot.shared.w', [F, o.slotDim], xavier(ctx, F * o.slotDim, F, o.slotDim));
  const slotSharedBias = p.constant('slot.shared.b', [o.slotDim], 0);
  const slotDomain = p.add('slot.domain.w', [D, F, o.slotDim], xavier(ctx, D * F * o.slotDim, F, o.slotDim));
  const slotDomainBias = p.constant('slot.domain.b', [D, o.slotDim], 0);
  const bottom: Dense = denseParams(p, 'bottom', o.slotDim, o.bottomDim);
  const bottomNorm = normParams(p, 'bottom.ln', [o.bottomDim]);

  // All E + D + T experts as one stack (members: shared 0..E−1, domain E..E+D−1, task E+D..N−1), one layer per entry.
  const expertLayers: { stack: ExpertStack; norm: Norm }[] = [];
  let width = o.bottomDim;
  o.expertLayers.forEach((h, i) => {
    expertLayers.push({
      stack: new ExpertStack(p, `experts.l${i}`, N, width, [h], { sharedInput: i === 0, linearLast: true }),
      norm: normParams(p, `experts.l${i}.ln`, [N, h]),
    });
    width = h;
  });
  const H = width;
  const gates = new SoftmaxGates(p, 'gates', o.bottomDim, D * T, E);
  const towerHidden = new ExpertStack(p, 'towers.hidden', D * T, H, [o.towerHidden], {
    sharedInput: false,
    linearLast: true,
  });
  const towerNorm = normParams(p, 'towers.hidden.ln', [D * T, 1, o.towerHidden]);
  const towerOut = new ExpertStack(p, 'towers.out', D * T, o.towerHidden, [1], {
    sharedInput: false,
    linearLast: true,
  });

  const alphaD = p.constant('structure.alphaD', [], o.structureInit);
  const alphaT = p.constant('structure.alphaT', [], o.structureInit);
  const betaD = p.constant('structure.betaD', [], o.structureInit);
  const betaT = p.constant('structure.betaT', [], o.structureInit);
  const structure = [alphaD, alphaT, betaD, betaT];

  /** All D slots as one [F, D·S] matMul, each sample keeping its own domain's slot. */
  function slot(x: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Tensor2D {
    const S = o.slotDim;
    const w = tf.reshape(tf.transpose(tf.mul(slotDomain, slotShared), [1, 0, 2]), [F, D * S]) as tf.Tensor2D;
    const perDomain = tf.reshape(matMul2d(x, w, f), [x.shape[0], D, S]);
    const bias = tf.add(matMul2d(oneHot, slotDomainBias as tf.Tensor2D, f), slotSharedBias);
    return tf.add(selectByDomain(perDomain, oneHot), bias) as tf.Tensor2D;
  }

  /** emb [B, in] → all experts [B, N, H]. */
  function experts(emb: tf.Tensor2D): tf.Tensor3D {
    let h: tf.Tensor3D | null = null;
    for (const [i, l] of expertLayers.entries()) {
      const y: tf.Tensor3D =
        i === 0
          ? l.stack.forwardShared(emb, f)
          : tf.transpose(l.stack.forwardEach(tf.transpose(h as tf.Tensor3D, [1, 0, 2]), f), [1, 0, 2]);
      h = f.layerNorm(y, l.norm.gamma, l.norm.beta, 'relu');
    }
    return h as tf.Tensor3D;
  }

  const architecture: ArchitectureSearch =
    o.schedule === 'darts'
      ? { params: structure, learningRate: o.archLr, everySteps: o.archEvery, split: 'valid' }
      : // everySteps becomes the epoch length at the first step (beforeStep below).
        {
          params: structure,
          learningRate: o.archLr,
          everySteps: Number.MAX_SAFE_INTEGER,
          split: 'train',
          alsoTrainedWithWeights: true,
        };

  const model: Model = {
    params: p,
    architecture,
    forward(batch, mode) {
      const oneHot = batch.domainOneHot;
      const B = oneHot.shape[0];
      const x = input.forward(batch, f);
      const skipOut = f.layerNorm(dense(x, skip, f), skipNorm.gamma, skipNorm.beta, 'relu');
      const emb = tf.add(
        f.layerNorm(dense(slot(x, oneHot), bottom, f), bottomNorm.gamma, bottomNorm.beta, 'relu'),
        skipOut,
      ) as tf.Tensor2D;
      const all = experts(emb);
      const z = gates.logits(o.gateStopGradient ? stopGradient(emb) : emb, f); // [B, D·T, E], gate d·T + t
      // f_dt for every sample, [D·T, B, H]: one tower per (d, t) on every sample, then each sample keeps its own
      // domain's logits.
      const xs = f.m3oeFusion(all, z, { alphaD, alphaT, betaD, betaT }, { experts: E, domains: D, tasks: T });
      const hidden = f.layerNorm(towerHidden.forwardEach(xs, f), towerNorm.gamma, towerNorm.beta, 'relu');
      const cells = tf.transpose(tf.reshape(towerOut.forwardEach(hidden, f), [D, T, B]), [2, 0, 1]);
      const logits = selectByDomain(cells, oneHot) as tf.Tensor2D;
      const routing: Record<string, tf.Tensor2D> = {};
      if (mode === 'eval') {
        const own = selectByDomain(tf.reshape(gateWeights(z), [B, D, T, E]), oneHot) as tf.Tensor3D;
        shape.taskNames.forEach((name, t) => {
          routing[`gate · ${name}`] = tf.squeeze(tf.slice(own, [0, t, 0], [-1, 1, -1]), [1]) as tf.Tensor2D;
        });
      }
      return { logits, routing, aux: {} };
    },
    taskLoss(bce, mask, batch) {
      return groupLoss(bce, mask, batch.domainOneHot);
    },
    async inspect(): Promise<Inspection> {
      const sig = tf.tidy(() => tf.sigmoid(tf.stack(structure)));
      const v = await sig.data();
      sig.dispose();
      return { 'σ(α_D)': v[0], 'σ(α_T)': v[1], 'σ(β_D)': v[2], 'σ(β_T)': v[3] };
    },
  };
  if (o.schedule === 'published') {
    model.hooks = {
      beforeStep(_step, _epoch, stepsPerEpoch) {
        // The official trainer's extra structure step comes once per epoch, after its last batch.
        architecture.everySteps = stepsPerEpoch;
        return { variablesChanged: false };
      },
    };
  }
  return model;
}
