/**
 * AESM² (Zou et al., SIGIR 2022, "Automatic Expert Selection for Multi-Scenario and Multi-Task Search"):
 * L_s scenario layers under L_t task layers, each N experts with per-instance expert selection.
 *   X = stack_n Expert_n(h)                       [B, N, H]   Linear → BatchNorm → ReLU → dropout per layer
 *   A = stack_g Gate_g([h ; e_scenario])          [B, G, N]   G = D gates (scenario layers); task layers: G = T, input also e_task
 *   P = softmax_G(A + noise·N·ε)                  per expert a distribution over the G gates (ε in training only)
 *   KL_sp[n] = KL(onehot(own) ‖ P[:, n]),  KL_sh[n] = KL(uniform(1/G) ‖ P[:, n])
 *   SP = k_sp smallest KL_sp,  SH = k_sh smallest KL_sh              (a constant mask: no gradient through the choice)
 *   W = softmax_N(A_own + M),  M = 0 on SP ∪ SH, −1e9 elsewhere;  h' = Σ_n W_n X_n     (additive masking)
 *   loss = Σ_t BCE_t + α Σ_layers mean_SP KL_sp + β Σ_layers mean_SH KL_sh
 * "own" is the sample's scenario in scenario layers and the task of the path in task layers. The released code
 * multiplies A by −1e9 on unselected experts (an unselected expert with a negative logit then takes all the
 * weight): `masking: 'multiplicative'` restores it. k_sp, k_sh, noise, α, β and sizes are open (our defaults).
 */
import * as tf from '@tensorflow/tfjs';
import { ExpertStack, type Formulation } from './experts';
import { FeatureInput, Params, denseParams, dense, matMul2d, selectByDomain, type Dense } from './layers';
import { maskedGateInput, maskedGateWeights, smallestKMask, type Masking } from './selection';
import { TaskTowers } from './towers';
import type { BuildContext, Mode, Model } from './types';
import type { Rng } from '../util/rng';

export interface Aesm2Options {
  scenarioLayers: number;
  taskLayers: number;
  experts: number;
  kSp: number;
  kSh: number;
  scenarioExpertLayers: number[];
  taskExpertLayers: number[];
  indicatorDim: number;
  noiseScale: number;
  alpha: number;
  beta: number;
  batchNorm: boolean;
  dropout: number;
  shareTaskLayers: boolean;
  masking: Masking;
  towerLayers: number[];
}

/** ε ~ N(0, std²) of `shape`, drawn from the project PRNG on the CPU. */
function gaussian(shape: number[], std: number, rng: Rng): tf.Tensor {
  return tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)), std), shape, 'float32');
}

/** What one expert-selection layer computed, for the model and for tests. */
export interface SelectionOutput {
  /** [B, H] Σ_n W_n X_n. */
  out: tf.Tensor2D;
  /** [B, N] the routing weights W (exactly 0 outside SP ∪ SH under additive masking). */
  weights: tf.Tensor2D;
  /** Gate logits A [B, G, N] (noise-free). */
  logits: tf.Tensor3D;
  /** What the layer's softmax gate reads: logits [B, N] and, under additive masking, the selection SP ∪ SH. */
  gateInput: { logits: tf.Tensor2D; mask: tf.Tensor2D | null };
  /** Constant 0/1 selection masks [B, N]. */
  sp: tf.Tensor2D;
  sh: tf.Tensor2D;
  /** Per-sample KL to the own one-hot and to uniform, [B, N] (noisy in training). */
  klSp: tf.Tensor2D;
  klSh: tf.Tensor2D;
  /** mean KL_sp over the selected SP, mean KL_sh over the selected SH (unweighted). */
  lossSp: tf.Scalar;
  lossSh: tf.Scalar;
}

export interface SelectionConfig {
  kSp: number;
  kSh: number;
  noiseScale: number;
  masking: Masking;
}

/** Per-instance selection of specific and shared experts from G gate logits (official `select_experts`). */
export function selectExperts(
  A: tf.Tensor3D,
  own: tf.Tensor2D,
  c: SelectionConfig,
  mode: Mode,
  rng: Rng,
): Omit<SelectionOutput, 'out' | 'logits'> {
  const [B, G, N] = A.shape;
  const noisy =
    mode === 'train' && c.noiseScale > 0 ? tf.add(A, gaussian([B, G, N], c.noiseScale * N, rng)) : A;
  // log P over the gates, per expert: KL(onehot ‖ P) = −log P_own, KL(uniform ‖ P) = −log G − mean_g log P_g.
  const logP = tf.logSoftmax(tf.transpose(noisy, [0, 2, 1]), -1); // [B, N, G]
  const klSp = tf.neg(tf.sum(tf.mul(logP, tf.expandDims(own, 1)), 2)) as tf.Tensor2D;
  const klSh = tf.sub(tf.neg(tf.mean(logP, 2)), Math.log(G)) as tf.Tensor2D;
  const sp = smallestKMask(klSp, c.kSp);
  const sh = smallestKMask(klSh, c.kSh);
  const lossSp = c.kSp > 0 ? (tf.div(tf.sum(tf.mul(klSp, sp)), B * c.kSp) as tf.Scalar) : tf.scalar(0);
  const lossSh = c.kSh > 0 ? (tf.div(tf.sum(tf.mul(klSh, sh)), B * c.kSh) as tf.Scalar) : tf.scalar(0);
  const aOwn = selectByDomain(A, own) as tf.Tensor2D;
  const weights = maskedGateWeights(aOwn, sp, sh, c.masking);
  return { weights, gateInput: maskedGateInput(aOwn, sp, sh, c.masking), sp, sh, klSp, klSh, lossSp, lossSh };
}

/** One AESM² layer: N experts and G gates over them, read from [h ; context]. */
export class SelectionLayer {
  readonly experts: ExpertStack;
  private readonly gates: Dense;

  constructor(
    p: Params,
    name: string,
    inDim: number,
    contextDim: number,
    readonly numGates: number,
    numExperts: number,
    sizes: number[],
    batchNorm: boolean,
    dropoutRate: number,
  ) {
    this.experts = new ExpertStack(p, `${name}.experts`, numExperts, inDim, sizes, {
      sharedInput: true,
      batchNorm,
      dropout: dropoutRate,
    });
    this.gates = denseParams(p, `${name}.gates`, inDim + contextDim, numGates * numExperts);
  }

  get outDim(): number {
    return this.experts.outDim;
  }

  /** Gate logits A [B, G, N] from [h ; context]. */
  logits(h: tf.Tensor2D, context: tf.Tensor2D, f: Formulation): tf.Tensor3D {
    const a = dense(tf.concat([h, context], 1), this.gates, f);
    return tf.reshape(a, [h.shape[0], this.numGates, this.experts.n]);
  }

  /**
   * h [B, in], context [B, c], own [B, G] one-hot of the gate each sample uses; `X` reuses expert outputs
   * already computed for the same input.
   */
  forward(
    h: tf.Tensor2D,
    context: tf.Tensor2D,
    own: tf.Tensor2D,
    c: SelectionConfig,
    mode: Mode,
    rng: Rng,
    f: Formulation,
    X?: tf.Tensor3D,
  ): SelectionOutput {
    const experts = X ?? this.experts.forwardShared(h, f, { mode, rng });
    const A = this.logits(h, context, f);
    const s = selectExperts(A, own, c, mode, rng);
    const { logits, mask } = s.gateInput;
    const selection = mask ? { mask: tf.expandDims(mask, 1) as tf.Tensor3D } : undefined;
    const out = tf.squeeze(
      f.mixture(tf.expandDims(logits, 1) as tf.Tensor3D, experts, selection),
      [1],
    ) as tf.Tensor2D;
    return { ...s, out, logits: A };
  }
}

export function buildAesm2(o: Aesm2Options, ctx: BuildContext): Model {
  const { shape, formulation: f } = ctx;
  const D = shape.numDomains;
  const T = shape.numTasks;
  const N = o.experts;
  const problems: string[] = [];
  if (o.kSp > N) problems.push(`option "kSp" (${o.kSp}) must not exceed "experts" (${N})`);
  if (o.kSh > N) problems.push(`option "kSh" (${o.kSh}) must not exceed "experts" (${N})`);
  if (o.kSp + o.kSh < 1) problems.push('options "kSp" and "kSh" select no expert: at least one must be ≥ 1');
  if (o.scenarioLayers + o.taskLayers < 1)
    problems.push('options "scenarioLayers" and "taskLayers" are both 0: at least one layer is needed');
  if (problems.length > 0) throw new Error(`AESM²: ${problems.join('; ')}`);

  const p = new Params(ctx.rng);
  const input = new FeatureInput(p, ctx);
  // Scenario and task indicators (the paper's e_scenario, e_task): embedding tables, initialised like the features'.
  const scenarioEmb = p.embedding('scenarioEmbedding', [D, o.indicatorDim], ctx);
  const taskEmb = o.taskLayers > 0 ? p.embedding('taskEmbedding', [T, o.indicatorDim], ctx) : null;
  const sel: SelectionConfig = { kSp: o.kSp, kSh: o.kSh, noiseScale: o.noiseScale, masking: o.masking };

  const scenario: SelectionLayer[] = [];
  let width = input.width;
  for (let i = 0; i < o.scenarioLayers; i++) {
    const layer = new SelectionLayer(
      p,
      `scenario${i + 1}`,
      width,
      o.indicatorDim,
      D,
      N,
      o.scenarioExpertLayers,
      o.batchNorm,
      o.dropout,
    );
    scenario.push(layer);
    width = layer.outDim;
  }
  // Task layers: one bank of T gates (and N experts) per layer shared by every task path (the released code's
  // single scope), or one bank per task path.
  const task: SelectionLayer[][] = [];
  for (let i = 0; i < o.taskLayers; i++) {
    const make = (name: string) =>
      new SelectionLayer(
        p,
        name,
        width,
        2 * o.indicatorDim,
        T,
        N,
        o.taskExpertLayers,
        o.batchNorm,
        o.dropout,
      );
    if (o.shareTaskLayers) {
      const shared = make(`task${i + 1}`);
      task.push(Array.from({ length: T }, () => shared));
    } else task.push(Array.from({ length: T }, (_, t) => make(`task${i + 1}.${shape.taskNames[t]}`)));
    width = task[i][0].outDim;
  }
  const towers = new TaskTowers(p, 'towers', T, width, o.towerLayers, o.taskLayers === 0);

  return {
    params: p,
    forward(batch, mode, rng) {
      const B = batch.domain.shape[0];
      const routing: Record<string, tf.Tensor2D> = {};
      const sp: tf.Scalar[] = [];
      const sh: tf.Scalar[] = [];
      const eScenario = matMul2d(batch.domainOneHot, scenarioEmb as tf.Tensor2D, f);
      let h = input.forward(batch, f);
      scenario.forEach((layer, i) => {
        const s = layer.forward(h, eScenario, batch.domainOneHot, sel, mode, rng, f);
        h = s.out;
        sp.push(s.lossSp);
        sh.push(s.lossSh);
        if (mode === 'eval') routing[`scenario L${i + 1}`] = s.weights;
      });

      let logits: tf.Tensor2D;
      if (task.length === 0 || !taskEmb) logits = towers.forwardShared(h, f);
      else {
        const owns = shape.taskNames.map(
          (_, t) => tf.oneHot(tf.fill([B], t, 'int32') as tf.Tensor1D, T).toFloat() as tf.Tensor2D,
        );
        // e_task by a one-hot matMul, like e_scenario (tf.tile's gradient is one slice and add per repeated row).
        const contexts = owns.map(
          (own) => tf.concat([eScenario, matMul2d(own, taskEmb as tf.Tensor2D, f)], 1) as tf.Tensor2D,
        );
        let outs: tf.Tensor2D[] = shape.taskNames.map(() => h);
        task.forEach((layers, i) => {
          // Every path reads the same h in the first task layer: shared experts then run once for all tasks.
          const sharedX =
            o.shareTaskLayers && i === 0 ? layers[0].experts.forwardShared(h, f, { mode, rng }) : undefined;
          outs = layers.map((layer, t) => {
            const s = layer.forward(outs[t], contexts[t], owns[t], sel, mode, rng, f, sharedX);
            sp.push(s.lossSp);
            sh.push(s.lossSh);
            if (mode === 'eval') routing[`task L${i + 1} · ${shape.taskNames[t]}`] = s.weights;
            return s.out;
          });
        });
        logits = towers.forwardEach(tf.stack(outs, 1) as tf.Tensor3D, f);
      }
      const aux = {
        L_sp: tf.mul(tf.addN(sp), o.alpha) as tf.Scalar,
        L_sh: tf.mul(tf.addN(sh), o.beta) as tf.Scalar,
      };
      return { logits, routing, aux };
    },
  };
}
