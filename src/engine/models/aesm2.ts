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
import { FeatureInput, Params, denseParams, dense, matMul2d, type Dense } from './layers';
import type { Masking, SelectionRule } from './selection';
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
  /** Gate logits A [B, G, N] (noise-free). */
  logits: tf.Tensor3D;
  /** [B, N] the own gate's logits with the selection applied: W = softmax(gate), exactly 0 outside SP ∪ SH (additive). */
  gate: tf.Tensor2D;
  /** [mean KL_sp over SP, mean KL_sh over SH] (unweighted; from the noisy logits in training). */
  losses: tf.Tensor1D;
}

export interface SelectionConfig extends SelectionRule {
  noiseScale: number;
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

  /** Gate logits A [B, G, N] from [h ; context…] (one concat: each nested one costs a kernel and two slices back). */
  logits(h: tf.Tensor2D, context: tf.Tensor2D[], f: Formulation): tf.Tensor3D {
    const a = dense(tf.concat([h, ...context], 1), this.gates, f);
    return tf.reshape(a, [h.shape[0], this.numGates, this.experts.n]);
  }

  /**
   * h [B, in], context [B, c] in parts, own [B, G] one-hot of the gate each sample uses; `X` reuses expert outputs
   * already computed for the same input.
   */
  forward(
    h: tf.Tensor2D,
    context: tf.Tensor2D[],
    own: tf.Tensor2D,
    c: SelectionConfig,
    mode: Mode,
    rng: Rng,
    f: Formulation,
    X?: tf.Tensor3D,
  ): SelectionOutput {
    const experts = X ?? this.experts.forwardShared(h, f, { mode, rng });
    const A = this.logits(h, context, f);
    const [B, G, N] = A.shape;
    const noise =
      mode === 'train' && c.noiseScale > 0
        ? (gaussian([B, G, N], c.noiseScale * N, rng) as tf.Tensor3D)
        : null;
    const { gate, losses } = f.expertSelection(A, own, noise, c);
    const out = tf.squeeze(f.mixture(tf.expandDims(gate, 1) as tf.Tensor3D, experts), [1]) as tf.Tensor2D;
    return { out, logits: A, gate, losses };
  }
}

/** [B, T] whose every row is the one-hot of t, made on the CPU (an upload, where oneHot of a fill is 3 kernels). */
function oneHotRows(B: number, t: number, T: number): tf.Tensor2D {
  const values = new Float32Array(B * T);
  for (let b = 0; b < B; b++) values[b * T + t] = 1;
  return tf.tensor2d(values, [B, T]);
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
      const losses: tf.Tensor1D[] = [];
      const eScenario = matMul2d(batch.domainOneHot, scenarioEmb as tf.Tensor2D, f);
      let h = input.forward(batch, f);
      scenario.forEach((layer, i) => {
        const s = layer.forward(h, [eScenario], batch.domainOneHot, sel, mode, rng, f);
        h = s.out;
        losses.push(s.losses);
        if (mode === 'eval') routing[`scenario L${i + 1}`] = tf.softmax(s.gate);
      });

      let logits: tf.Tensor2D;
      if (task.length === 0 || !taskEmb) logits = towers.forwardShared(h, f);
      else {
        const owns = shape.taskNames.map((_, t) => oneHotRows(B, t, T));
        // e_task by a one-hot matMul, like e_scenario (tf.tile's gradient is one slice and add per repeated row).
        const contexts = owns.map((own) => [eScenario, matMul2d(own, taskEmb as tf.Tensor2D, f)]);
        let outs: tf.Tensor2D[] = shape.taskNames.map(() => h);
        task.forEach((layers, i) => {
          // Every path reads the same h in the first task layer: shared experts then run once for all tasks.
          const sharedX =
            o.shareTaskLayers && i === 0 ? layers[0].experts.forwardShared(h, f, { mode, rng }) : undefined;
          outs = layers.map((layer, t) => {
            const s = layer.forward(outs[t], contexts[t], owns[t], sel, mode, rng, f, sharedX);
            losses.push(s.losses);
            if (mode === 'eval') routing[`task L${i + 1} · ${shape.taskNames[t]}`] = tf.softmax(s.gate);
            return s.out;
          });
        });
        logits = towers.forwardEach(tf.stack(outs, 1) as tf.Tensor3D, f);
      }
      // Σ over the layers of [KL_sp, KL_sh], weighted by [α, β]: one vector until the two named terms.
      const weighted = tf.mul(
        losses.length > 1 ? tf.addN(losses) : losses[0],
        tf.tensor1d([o.alpha, o.beta]),
      );
      const aux = {
        L_sp: tf.reshape(tf.slice(weighted, [0], [1]), []) as tf.Scalar,
        L_sh: tf.reshape(tf.slice(weighted, [1], [1]), []) as tf.Scalar,
      };
      return { logits, routing, aux };
    },
  };
}
