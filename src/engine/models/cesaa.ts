/**
 * CESAA (Dong et al., arXiv 2411.06826, "Adaptive Conditional Expert Selection Network for Multi-domain
 * Recommendation"). No public code and only the abstract is reachable: this is OUR RECONSTRUCTION of what the
 * abstract fixes (shared experts always on, a sparse gate choosing domain-specific experts per instance, a
 * mutual-information loss tying experts to domains):
 *   shared   = Σ_j softmax(G_sh(x))_j Shared_j(x)                 K_sh shared experts, always on
 *   z        = G_sp([x ; e_domain]) ∈ R^{B×N};  S = top-k(z);  w = softmax(z + M), M = 0 on S, −∞ elsewhere
 *   specific = Σ_{j∈S} w_j Expert_j(x)                              exactly k non-zero weights per instance
 *   logit_t  = Tower_t([shared ; specific])
 *   p(e|d) = mean_{b: d(b)=d} softmax(z_b)[e],  p(d) batch frequency,  p(e) = Σ_d p(d) p(e|d)
 *   MI = Σ_d p(d) Σ_e p(e|d) log(p(e|d)/p(e));   loss = Σ_t BCE_t − λ·MI
 * Compute is dense: all N specific experts run and the n − k unselected ones are multiplied by an exact 0.
 * A sparse dispatch (gather the rows of each expert) needs data-dependent shapes, which grow the WebGPU buffer
 * pool without bound (TFJS-NOTES) and cost more dispatches than the dense stack saves at browser sizes.
 */
import * as tf from '@tensorflow/tfjs';
import { ExpertStack, gateWeights } from './experts';
import { FeatureInput, Params, dense, denseParams, matMul2d } from './layers';
import { SoftmaxGates } from './gates';
import { TaskTowers } from './towers';
import type { BuildContext, Model } from './types';

export interface CesaaOptions {
  sharedExperts: number;
  specificExperts: number;
  topK: number;
  expertLayers: number[];
  domainEmbeddingDim: number;
  lambda: number;
  towerLayers: number[];
}

/** Guards log(0) for experts with no mass in a domain; their term is weighted by that zero mass. */
const LOG_EPS = 1e-10;

/**
 * The batch estimate of I(domain; expert) from gate probabilities [B, N] and domain one-hots [B, D]:
 * p(d, e) = (1/B) Σ_{b∈d} probs[b, e],  MI = Σ_{d,e} p(d, e) log(p(e|d) / p(e)). Domains absent from the
 * batch contribute 0. Differentiable in `probs`.
 */
export function batchMutualInformation(probs: tf.Tensor2D, domainOneHot: tf.Tensor2D): tf.Scalar {
  const B = probs.shape[0];
  const joint = tf.div(tf.matMul(domainOneHot, probs, true, false), B); // [D, N] p(d, e)
  const pd = tf.div(tf.sum(domainOneHot, 0), B); // [D]
  const pe = tf.sum(joint, 0); // [N]
  const cond = tf.div(joint, tf.expandDims(tf.maximum(pd, 1 / (2 * B)), 1)); // [D, N] p(e|d)
  return tf.sum(
    tf.mul(joint, tf.sub(tf.log(tf.add(cond, LOG_EPS)), tf.log(tf.add(pe, LOG_EPS)))),
  ) as tf.Scalar;
}

/** w = softmax over the k largest logits of each row, exactly 0 elsewhere (the choice is a constant mask). */
export function topKSoftmax(z: tf.Tensor2D, k: number): tf.Tensor2D {
  return tf.squeeze(gateWeights(tf.expandDims(z, 1) as tf.Tensor3D, { topK: k }), [1]) as tf.Tensor2D;
}

export function buildCesaa(o: CesaaOptions, ctx: BuildContext): Model {
  const { shape, formulation: f } = ctx;
  const N = o.specificExperts;
  if (o.topK > N)
    throw new Error(`CESAA: option "topK" (${o.topK}) must not exceed "specificExperts" (${N})`);
  const p = new Params(ctx.rng);
  const input = new FeatureInput(p, ctx);
  const shared = new ExpertStack(p, 'shared', o.sharedExperts, input.width, o.expertLayers, {
    sharedInput: true,
  });
  const sharedGate = new SoftmaxGates(p, 'sharedGate', input.width, 1, o.sharedExperts);
  const specific = new ExpertStack(p, 'specific', N, input.width, o.expertLayers, { sharedInput: true });
  // The domain indicator the sparse gate reads: an embedding table, initialised like the features'.
  const domainEmb = p.embedding('sparseGate.domainEmbedding', [shape.numDomains, o.domainEmbeddingDim], ctx);
  const sparseGate = denseParams(p, 'sparseGate', input.width + o.domainEmbeddingDim, N);
  const towers = new TaskTowers(
    p,
    'towers',
    shape.numTasks,
    shared.outDim + specific.outDim,
    o.towerLayers,
    true,
  );

  return {
    params: p,
    forward(batch, mode) {
      const B = batch.domain.shape[0];
      const x = input.forward(batch, f);
      const zSh = sharedGate.logits(x, f); // [B, 1, K_sh]
      const hShared = tf.reshape(f.mixture(zSh, shared.forwardShared(x, f)), [
        B,
        shared.outDim,
      ]) as tf.Tensor2D;
      const eDomain = matMul2d(batch.domainOneHot, domainEmb as tf.Tensor2D, f);
      const z = dense(tf.concat([x, eDomain], 1), sparseGate, f); // [B, N]
      const hSpecific = tf.reshape(
        f.mixture(tf.expandDims(z, 1) as tf.Tensor3D, specific.forwardShared(x, f), { topK: o.topK }),
        [B, specific.outDim],
      ) as tf.Tensor2D;
      const logits = towers.forwardShared(tf.concat([hShared, hSpecific], 1), f);
      const mi = batchMutualInformation(tf.softmax(z), batch.domainOneHot);
      const routing: Record<string, tf.Tensor2D> = {};
      if (mode === 'eval') {
        routing.specific = topKSoftmax(z, o.topK);
        routing.shared = tf.reshape(gateWeights(zSh), [B, o.sharedExperts]);
      }
      return { logits, routing, aux: { '−λ·MI': tf.mul(mi, -o.lambda) as tf.Scalar } };
    },
  };
}
