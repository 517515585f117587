/**
 * PLE / CGC (Tang et al., RecSys 2020): per level, specific experts for each unit plus shared experts.
 *   level 1 reads x everywhere; level l > 1 reads, per unit u, h_u^{l−1} and, for the shared experts, h_s^{l−1}
 *   A_u^l = [Spec_{u,1..Ks}^l(h_u^{l−1}) ; Shared_{1..S}^l(h_s^{l−1})]          candidates of unit u only
 *   h_u^l = Σ_k softmax(W_u^l h_u^{l−1} + b_u^l)[k] · A_u^l[k]                  unit gate: own + shared experts
 *   h_s^l = Σ_k softmax(W_s^l h_s^{l−1} + b_s^l)[k] · [all specific ; shared]   shared gate, levels l < L only
 *   logit_t = Tower_t(h_{u(b,t)}^L)
 * The specific unit u is configurable: per task (the paper), per domain d(b), or per (domain, task) cell; a
 * sample takes its unit's output with the domain one-hot. levels = 1 is CGC. A unit gate's softmax runs over
 * its own Ks + S candidates only, so other units' specific experts get exactly zero weight by construction.
 * Every unit's path runs for every sample (the one-hot picks), so a sample's gradient reaches only its unit.
 */
import * as tf from '@tensorflow/tfjs';
import { ExpertStack, gateWeights } from './experts';
import { FeatureInput, Params, selectByDomain } from './layers';
import { SoftmaxGates } from './gates';
import { TaskTowers } from './towers';
import type { BuildContext, Model } from './types';

export type SpecificUnit = 'task' | 'domain' | 'cell';

export interface PleOptions {
  levels: number;
  specificExperts: number;
  sharedExperts: number;
  expertLayers: number[];
  specificPer: SpecificUnit;
  towerLayers: number[];
}

/**
 * One extraction level. Level 1 runs every expert (U·Ks specific, unit-major, then S shared) as one stack on x
 * and its U gates as one matMul on x; later levels run the specific experts on their unit's input, the shared
 * ones on the shared input, and each unit gate (a linear layer, softmax after) on its unit's input.
 * `sharedGate` (levels < L, S > 0) mixes all U·Ks + S experts into the next level's shared input.
 */
type Level =
  | { kind: 'first'; experts: ExpertStack; gates: SoftmaxGates; sharedGate: SoftmaxGates | null }
  | {
      kind: 'later';
      specific: ExpertStack;
      shared: ExpertStack | null;
      gates: ExpertStack;
      sharedGate: SoftmaxGates | null;
    };

export function buildPle(o: PleOptions, ctx: BuildContext): Model {
  const { shape, formulation: f } = ctx;
  const D = shape.numDomains;
  const T = shape.numTasks;
  const L = o.levels;
  const Ks = o.specificExperts;
  const S = o.sharedExperts;
  const U = o.specificPer === 'task' ? T : o.specificPer === 'domain' ? D : D * T;
  const K = Ks + S;
  const E = U * Ks + S;
  if (L < 1) throw new Error('PLE needs at least one level');
  if (Ks < 1) throw new Error('PLE needs at least one specific expert per unit');
  const p = new Params(ctx.rng);
  const input = new FeatureInput(p, ctx);
  const H = o.expertLayers[o.expertLayers.length - 1];

  const levels: Level[] = [];
  // The last level has no shared gate: nothing reads its shared output (as in the reference implementations).
  const sharedGate = (name: string, inDim: number, l: number) =>
    l < L && S > 0 ? new SoftmaxGates(p, `${name}.sharedGate`, inDim, 1, E) : null;
  for (let l = 1; l <= L; l++) {
    const name = `l${l}`;
    const inDim = l === 1 ? input.width : H;
    if (l === 1) {
      const experts = new ExpertStack(p, `${name}.experts`, E, inDim, o.expertLayers, { sharedInput: true });
      const gates = new SoftmaxGates(p, `${name}.gates`, inDim, U, K);
      levels.push({ kind: 'first', experts, gates, sharedGate: sharedGate(name, inDim, l) });
    } else {
      const specific = new ExpertStack(p, `${name}.specific`, U * Ks, inDim, o.expertLayers, {
        sharedInput: false,
      });
      const shared =
        S > 0 ? new ExpertStack(p, `${name}.shared`, S, inDim, o.expertLayers, { sharedInput: true }) : null;
      const gates = new ExpertStack(p, `${name}.gates`, U, inDim, [K], {
        sharedInput: false,
        linearLast: true,
      });
      levels.push({ kind: 'later', specific, shared, gates, sharedGate: sharedGate(name, inDim, l) });
    }
  }
  // A domain unit gives every task of a sample the same input: one read of it by all towers.
  const towers = new TaskTowers(p, 'towers', T, H, o.towerLayers, o.specificPer === 'domain');

  /** Σ_k softmax(z[b,u])[k] · [own[b,u] ; shared[b]][k] → [B, U, H]: each unit gate over its own + the shared experts. */
  function mixUnits(z: tf.Tensor3D, own: tf.Tensor4D, shared: tf.Tensor3D | null): tf.Tensor3D {
    const candidates = shared ? tf.concat([own, tf.tile(tf.expandDims(shared, 1), [1, U, 1, 1])], 2) : own;
    return f.mixture(z, candidates as tf.Tensor4D);
  }

  /** Unit gate weights [B, U, Ks+S] laid out over all E experts of the level: zeros on other units' experts. */
  function spread(w: tf.Tensor3D): tf.Tensor3D {
    const B = w.shape[0];
    const rows: tf.Tensor2D[] = [];
    for (let u = 0; u < U; u++) {
      const wu = tf.squeeze(tf.slice(w, [0, u, 0], [-1, 1, -1]), [1]) as tf.Tensor2D;
      const parts: tf.Tensor2D[] = [];
      if (u > 0) parts.push(tf.zeros([B, u * Ks]));
      parts.push(tf.slice(wu, [0, 0], [-1, Ks]));
      if (u < U - 1) parts.push(tf.zeros([B, (U - 1 - u) * Ks]));
      if (S > 0) parts.push(tf.slice(wu, [0, Ks], [-1, S]));
      rows.push(tf.concat(parts, 1));
    }
    return tf.stack(rows, 1) as tf.Tensor3D;
  }

  /** Per unit [B, U, ...] → per (sample, task) [B, T, ...] (the sample's own unit for each task), or [B, ...] for domain units. */
  function pickUnit(v: tf.Tensor3D, oneHot: tf.Tensor2D): tf.Tensor {
    const [B, , W] = v.shape;
    switch (o.specificPer) {
      case 'task':
        return v;
      case 'domain':
        return selectByDomain(v, oneHot);
      case 'cell':
        return selectByDomain(tf.reshape(v, [B, D, T, W]), oneHot);
    }
  }

  return {
    params: p,
    forward(batch, mode) {
      const x = input.forward(batch, f);
      const B = x.shape[0];
      let units: tf.Tensor3D | null = null; // [B, U, H]: the unit outputs, the next level's unit inputs
      let sharedIn: tf.Tensor2D = x;
      let lastLogits: tf.Tensor3D | null = null;
      const sharedRouting: Record<string, tf.Tensor2D> = {};
      for (let i = 0; i < levels.length; i++) {
        const level = levels[i];
        let own: tf.Tensor4D; // [B, U, Ks, H]
        let shared: tf.Tensor3D | null = null; // [B, S, H]
        let z: tf.Tensor3D; // [B, U, Ks + S] unit gate logits
        let every: () => tf.Tensor3D; // [B, E, H], for the shared gate
        if (level.kind === 'first') {
          const all = level.experts.forwardShared(x, f);
          own = tf.reshape(tf.slice(all, [0, 0, 0], [-1, U * Ks, -1]), [B, U, Ks, H]);
          if (S > 0) shared = tf.slice(all, [0, U * Ks, 0], [-1, S, -1]);
          z = level.gates.logits(x, f);
          every = () => all;
        } else {
          if (units === null) throw new Error('PLE: a later level without unit inputs');
          const perUnit = tf.transpose(units, [1, 0, 2]) as tf.Tensor3D; // [U, B, H]
          // Each unit's input repeated for its Ks experts: [U·Ks, B, H], unit-major like the experts.
          const perExpert = tf.reshape(tf.tile(tf.expandDims(perUnit, 1), [1, Ks, 1, 1]), [
            U * Ks,
            B,
            H,
          ]) as tf.Tensor3D;
          const spec = tf.transpose(level.specific.forwardEach(perExpert, f), [1, 0, 2]) as tf.Tensor3D; // [B, U·Ks, H]
          own = tf.reshape(spec, [B, U, Ks, H]);
          if (level.shared) shared = level.shared.forwardShared(sharedIn, f);
          z = tf.transpose(level.gates.forwardEach(perUnit, f), [1, 0, 2]) as tf.Tensor3D;
          const sh = shared;
          every = () => (sh ? tf.concat([spec, sh], 1) : spec);
        }
        const next = mixUnits(z, own, shared);
        if (level.sharedGate) {
          const g = level.sharedGate.logits(sharedIn, f); // [B, 1, E]
          sharedIn = tf.squeeze(f.mixture(g, every()), [1]) as tf.Tensor2D;
          if (mode === 'eval')
            sharedRouting[`shared gate · level ${i + 1}`] = tf.squeeze(gateWeights(g), [1]) as tf.Tensor2D;
        }
        units = next;
        lastLogits = z;
      }
      if (units === null || lastLogits === null) throw new Error('PLE: no levels');
      const picked = pickUnit(units, batch.domainOneHot);
      const logits =
        o.specificPer === 'domain'
          ? towers.forwardShared(picked as tf.Tensor2D, f)
          : towers.forwardEach(picked as tf.Tensor3D, f);
      const routing: Record<string, tf.Tensor2D> = {};
      if (mode === 'eval') {
        // Per task, the last-level gate each sample used, over all E experts of that level.
        const spreadW = pickUnit(spread(gateWeights(lastLogits)), batch.domainOneHot);
        shape.taskNames.forEach((name, t) => {
          routing[`gate · ${name}`] =
            o.specificPer === 'domain'
              ? (spreadW as tf.Tensor2D)
              : (tf.squeeze(tf.slice(spreadW, [0, t, 0], [-1, 1, -1]), [1]) as tf.Tensor2D);
        });
        Object.assign(routing, sharedRouting);
      }
      return { logits, routing, aux: {} };
    },
  };
}
