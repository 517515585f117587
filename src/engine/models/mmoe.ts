/**
 * MMoE (Ma et al., KDD 2018): E experts shared by all tasks, each task's tower fed a softmax mixture.
 *   e_k = Expert_k(x);   g_u = softmax(W_u x + b_u);   logit_t = Tower_t(Σ_k g_{u(b,t)}[k] e_k)
 * The gate unit u is configurable: per task (the paper), per domain d(b), or per (domain, task) cell.
 */
import * as tf from '@tensorflow/tfjs';
import { ExpertStack, gateWeights } from './experts';
import { FeatureInput, Params, selectByDomain } from './layers';
import { SoftmaxGates } from './gates';
import { TaskTowers } from './towers';
import type { BuildContext, Model } from './types';

export type GateUnit = 'task' | 'domain' | 'cell';

export interface MmoeOptions {
  experts: number;
  expertLayers: number[];
  gate: GateUnit;
  towerLayers: number[];
}

export function buildMmoe(o: MmoeOptions, ctx: BuildContext): Model {
  const { shape, formulation: f } = ctx;
  const D = shape.numDomains;
  const T = shape.numTasks;
  const E = o.experts;
  const p = new Params(ctx.rng);
  const input = new FeatureInput(p, ctx);
  const experts = new ExpertStack(p, 'experts', E, input.width, o.expertLayers, { sharedInput: true });
  const numGates = o.gate === 'task' ? T : o.gate === 'domain' ? D : D * T;
  const gates = new SoftmaxGates(p, 'gates', input.width, numGates, E);
  const towers = new TaskTowers(p, 'towers', T, experts.outDim, o.towerLayers, false);

  /** Each sample's gate logits for each task, [B, T, E] (the one-hot picks a whole row, so softmax commutes with it). */
  function taskLogits(g: tf.Tensor3D, oneHot: tf.Tensor2D): tf.Tensor3D {
    const B = g.shape[0];
    switch (o.gate) {
      case 'task':
        return g;
      case 'domain': {
        const w = selectByDomain(g, oneHot) as tf.Tensor2D;
        return tf.tile(tf.expandDims(w, 1), [1, T, 1]) as tf.Tensor3D;
      }
      case 'cell':
        return selectByDomain(tf.reshape(g, [B, D, T, E]), oneHot) as tf.Tensor3D;
    }
  }

  return {
    params: p,
    forward(batch, mode) {
      const x = input.forward(batch, f);
      const e = experts.forwardShared(x, f);
      const z = taskLogits(gates.logits(x, f), batch.domainOneHot);
      const logits = towers.forwardEach(f.mixture(z, e), f);
      const routing: Record<string, tf.Tensor2D> = {};
      if (mode === 'eval') {
        const w = gateWeights(z);
        shape.taskNames.forEach((name, t) => {
          routing[`gate · ${name}`] = tf.squeeze(tf.slice(w, [0, t, 0], [-1, 1, -1]), [1]) as tf.Tensor2D;
        });
      }
      return { logits, routing, aux: {} };
    },
  };
}
