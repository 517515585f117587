/**
 * STAR (Sheng et al., CIKM 2021): a star-topology FCN whose weights for domain d are the shared ones times
 * the domain's own, with partitioned normalisation and an auxiliary domain network.
 *   PN (training):  z = (γ·γ_d) ⊙ (h − μ_d) / √(σ²_d + ε) + (β + β_d)     μ_d, σ²_d: moments of domain d's rows
 *   PN (inference): μ_d, σ²_d replaced by the domain's moving averages
 *   star layer:     h' = ReLU(h · (W ⊙ W_d) + b + b_d),  W_d = 1, b_d = 0 at init (training starts from the shared net)
 *   aux network:    s_a = MLP_aux([e_domain(d) ; x]) ∈ R^T            (input x optional)
 *   logit_t = Tower_t(h_last) + s_a[t]
 * One head per task: the star layers are shared by the tasks and each task has its own plain tower (the census
 * reference structure); the auxiliary network has one output per task. Per-domain parameters are picked with the
 * domain one-hot, so a batch without domain d leaves every parameter of d with an exactly zero gradient.
 */
import * as tf from '@tensorflow/tfjs';
import type { Formulation } from './experts';
import { FeatureInput, Mlp, Params, matMul2d, selectByDomain } from './layers';
import { TaskTowers } from './towers';
import type { Inspection } from '../train/report';
import type { BuildContext, Mode, Model } from './types';

export type PartitionedNormPlacement = 'off' | 'input' | 'all';
export type AuxInput = 'off' | 'domain' | 'domain+features';

export interface StarOptions {
  starLayers: number[];
  partitionedNorm: PartitionedNormPlacement;
  pnMomentum: number;
  auxNet: AuxInput;
  auxLayers: number[];
  towerLayers: number[];
}

const PN_EPS = 1e-5;

/** A fully connected layer whose weight for domain d is W ⊙ W_d and whose bias is b + b_d. */
export class StarDense {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
  readonly wDomain: tf.Variable;
  readonly bDomain: tf.Variable;

  constructor(
    p: Params,
    name: string,
    private readonly domains: number,
    private readonly inDim: number,
    private readonly outDim: number,
  ) {
    this.w = p.uniform(`${name}.w`, [inDim, outDim], inDim);
    this.b = p.uniform(`${name}.b`, [outDim], inDim);
    this.wDomain = p.constant(`${name}.wDomain`, [domains, inDim, outDim], 1);
    this.bDomain = p.constant(`${name}.bDomain`, [domains, outDim], 0);
  }

  /** Every domain's effective weight W ⊙ W_d, [D, in, out]. */
  effectiveWeights(): tf.Tensor3D {
    return tf.mul(this.w, this.wDomain) as tf.Tensor3D;
  }

  /**
   * x [B, in] → [B, out] with each row's own domain weights. All D domains' outputs come from one plain
   * 2-D matMul against [in, D·out] (D is small; one dispatch on every backend), then the one-hot picks.
   */
  forward(x: tf.Tensor2D, oneHot: tf.Tensor2D, f: Formulation): tf.Tensor2D {
    const B = x.shape[0];
    const D = this.domains;
    const wAll = tf.reshape(tf.transpose(this.effectiveWeights(), [1, 0, 2]), [
      this.inDim,
      D * this.outDim,
    ]) as tf.Tensor2D;
    const y = tf.add(tf.reshape(matMul2d(x, wAll, f), [B, D, this.outDim]), this.bDomain);
    return tf.add(selectByDomain(y, oneHot), this.b) as tf.Tensor2D;
  }
}

/**
 * Partitioned normalisation: batch moments per domain in training (masked by the one-hot, so one domain's
 * rows never move another's statistics), per-domain moving averages at inference (PyTorch's momentum
 * convention; a domain absent from the batch keeps its averages), scale γ·γ_d and shift β + β_d.
 */
export class PartitionedNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly gammaDomain: tf.Variable;
  readonly betaDomain: tf.Variable;
  readonly movingMean: tf.Variable;
  readonly movingVar: tf.Variable;

  constructor(
    p: Params,
    name: string,
    domains: number,
    dim: number,
    private readonly momentum: number,
  ) {
    this.gamma = p.constant(`${name}.gamma`, [dim], 1);
    this.beta = p.constant(`${name}.beta`, [dim], 0);
    this.gammaDomain = p.constant(`${name}.gammaDomain`, [domains, dim], 1);
    this.betaDomain = p.constant(`${name}.betaDomain`, [domains, dim], 0);
    this.movingMean = p.constant(`${name}.movingMean`, [domains, dim], 0, false);
    this.movingVar = p.constant(`${name}.movingVar`, [domains, dim], 1, false);
  }

  forward(x: tf.Tensor2D, oneHot: tf.Tensor2D, mode: Mode, f: Formulation): tf.Tensor2D {
    let centred: tf.Tensor2D;
    let varPerRow: tf.Tensor2D;
    if (mode === 'train') {
      const byDomain = tf.transpose(oneHot) as tf.Tensor2D; // [D, B]
      const counts = tf.reshape(tf.sum(oneHot, 0), [-1, 1]); // [D, 1]
      const n = tf.maximum(counts, 1);
      const mean = tf.div(matMul2d(byDomain, x, f), n) as tf.Tensor2D; // [D, dim]
      centred = tf.sub(x, matMul2d(oneHot, mean, f));
      const variance = tf.div(matMul2d(byDomain, tf.mul(centred, centred), f), n) as tf.Tensor2D; // biased, as BN normalises
      varPerRow = matMul2d(oneHot, variance, f);
      this.updateMovingAverages(mean, variance, counts, n);
    } else {
      centred = tf.sub(x, matMul2d(oneHot, this.movingMean as tf.Tensor2D, f));
      varPerRow = matMul2d(oneHot, this.movingVar as tf.Tensor2D, f);
    }
    const normalised = tf.div(centred, tf.sqrt(tf.add(varPerRow, PN_EPS)));
    const scale = tf.mul(this.gamma, matMul2d(oneHot, this.gammaDomain as tf.Tensor2D, f));
    const shift = tf.add(this.beta, matMul2d(oneHot, this.betaDomain as tf.Tensor2D, f));
    return tf.add(tf.mul(normalised, scale), shift) as tf.Tensor2D;
  }

  /** m ← m + momentum · present_d · (batch − m); the variance average takes the unbiased batch variance. */
  private updateMovingAverages(
    mean: tf.Tensor2D,
    variance: tf.Tensor2D,
    counts: tf.Tensor,
    n: tf.Tensor,
  ): void {
    // present_d = 1 when the domain has rows in the batch, else 0 (no comparison op: counts are whole numbers).
    const rate = tf.mul(tf.div(counts, n), this.momentum);
    const unbiased = tf.mul(variance, tf.div(n, tf.maximum(tf.sub(n, 1), 1)));
    this.movingMean.assign(tf.add(this.movingMean, tf.mul(rate, tf.sub(mean, this.movingMean))));
    this.movingVar.assign(tf.add(this.movingVar, tf.mul(rate, tf.sub(unbiased, this.movingVar))));
  }
}

export function buildStar(o: StarOptions, ctx: BuildContext): Model {
  const { shape, formulation: f } = ctx;
  const D = shape.numDomains;
  const T = shape.numTasks;
  if (o.starLayers.length === 0) throw new Error('STAR needs at least one star layer');
  const p = new Params(ctx.rng);
  const input = new FeatureInput(p, ctx);
  const layers: { fc: StarDense; norm: PartitionedNorm | null }[] = [];
  let d = input.width;
  o.starLayers.forEach((size, i) => {
    const normed = o.partitionedNorm === 'all' || (o.partitionedNorm === 'input' && i === 0);
    layers.push({
      norm: normed ? new PartitionedNorm(p, `pn.${i}`, D, d, o.pnMomentum) : null,
      fc: new StarDense(p, `star.${i}`, D, d, size),
    });
    d = size;
  });
  const towers = new TaskTowers(p, 'towers', T, d, o.towerLayers, true);
  const auxWithFeatures = o.auxNet === 'domain+features';
  // An embedding table, initialised like the feature embeddings.
  const domainEmbedding =
    o.auxNet === 'off' ? null : p.embedding('aux.domainEmbedding', [D, ctx.embeddingDim], ctx);
  const aux =
    o.auxNet === 'off'
      ? null
      : new Mlp(p, 'aux', ctx.embeddingDim + (auxWithFeatures ? input.width : 0), [...o.auxLayers, T], true);

  return {
    params: p,
    forward(batch, mode) {
      const oneHot = batch.domainOneHot;
      const x = input.forward(batch, f);
      let h = x;
      for (const { fc, norm } of layers) {
        if (norm) h = norm.forward(h, oneHot, mode, f);
        h = tf.relu(fc.forward(h, oneHot, f));
      }
      let logits = towers.forwardShared(h, f);
      if (aux && domainEmbedding) {
        const e = matMul2d(oneHot, domainEmbedding as tf.Tensor2D, f);
        logits = tf.add(logits, aux.forward(auxWithFeatures ? tf.concat([e, x], 1) : e, f));
      }
      return { logits, routing: {}, aux: {} };
    },
    async inspect(): Promise<Inspection> {
      // How far each domain's multiplicative weights moved from the shared network: mean |W_d − 1| per layer.
      const drift = tf.tidy(() =>
        tf.stack(layers.map(({ fc }) => tf.mean(tf.abs(tf.sub(fc.wDomain, 1)), [1, 2]))),
      );
      const values = (await drift.array()) as number[][];
      drift.dispose();
      return { 'mean |W_d − 1| [layer][domain]': values };
    },
  };
}
