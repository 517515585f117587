/**
 * Shared-Bottom (Caruana 1997): one MLP shared by every task and domain, then one tower per task.
 *   h = MLP_bottom(x);   logit_t = Tower_t(h)
 */
import { FeatureInput, Mlp, Params } from './layers';
import { TaskTowers } from './towers';
import type { BuildContext, Model } from './types';

export interface SharedBottomOptions {
  bottomLayers: number[];
  towerLayers: number[];
}

export function buildSharedBottom(o: SharedBottomOptions, ctx: BuildContext): Model {
  const { shape, formulation: f } = ctx;
  const p = new Params(ctx.rng);
  const input = new FeatureInput(p, ctx);
  const bottom = new Mlp(p, 'bottom', input.width, o.bottomLayers);
  const towers = new TaskTowers(p, 'towers', shape.numTasks, bottom.outDim, o.towerLayers, true);
  return {
    params: p,
    forward(batch) {
      const h = bottom.forward(input.forward(batch, f), f);
      return { logits: towers.forwardShared(h, f), routing: {}, aux: {} };
    },
  };
}
