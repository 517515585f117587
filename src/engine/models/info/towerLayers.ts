import type { OptionSpec } from '../catalog';

/** The task-tower option every model with per-task towers shares. */
export const TOWER_LAYERS: OptionSpec = {
  key: 'towerLayers',
  label: 'Tower layers',
  kind: 'intList',
  min: 1,
  max: 1024,
  minLength: 0,
  default: [32],
  help: 'Hidden sizes of each task tower (ReLU), before its single output logit.',
};
