import type { ModelInfo } from '../catalog';
import { SizeBuilder } from './size';
import { TOWER_LAYERS } from './towerLayers';

export const SHARED_BOTTOM_INFO: ModelInfo = {
  id: 'shared-bottom',
  name: 'Shared-Bottom',
  description: 'One MLP shared by every task and domain, then one tower per task.',
  paper: {
    title: 'Multitask Learning (Caruana)',
    venue: 'Machine Learning 28, 1997',
    url: 'https://doi.org/10.1023/A:1007379606734',
  },
  equations: ['h = MLP_bottom(x)', 'logit_t = Tower_t(h)'],
  deviations: [],
  options: [
    {
      key: 'bottomLayers',
      label: 'Bottom layers',
      kind: 'intList',
      min: 1,
      max: 2048,
      minLength: 1,
      default: [128, 64],
      help: 'Hidden sizes of the shared bottom MLP (ReLU).',
    },
    TOWER_LAYERS,
  ],
  presets: [
    {
      name: 'census reference (128→64)',
      description: 'The census README reference row.',
      options: { bottomLayers: [128, 64], towerLayers: [32] },
    },
    {
      name: 'small (64→32)',
      description: 'A quick look on a small set.',
      options: { bottomLayers: [64, 32], towerLayers: [16] },
    },
  ],
  size(o, d) {
    const s = new SizeBuilder();
    const F = s.featureInput(d);
    s.towers(d.numTasks, s.mlp(F, o.bottomLayers as number[]), o.towerLayers as number[]);
    return s.finish();
  },
};
