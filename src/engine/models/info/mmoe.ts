import type { ModelInfo } from '../catalog';
import { SizeBuilder } from './size';
import { TOWER_LAYERS } from './towerLayers';

export const MMOE_INFO: ModelInfo = {
  id: 'mmoe',
  name: 'MMoE',
  description:
    'Experts shared by all tasks, mixed by a softmax gate per task, per domain or per (domain, task) cell.',
  paper: {
    title:
      'Modeling Task Relationships in Multi-task Learning with Multi-gate Mixture-of-Experts (Ma et al.)',
    venue: 'KDD 2018',
    url: 'https://doi.org/10.1145/3219819.3220007',
  },
  equations: [
    'e_k = Expert_k(x),  k = 1..E',
    'g_u = softmax(W_u x + b_u),  u = task | domain | (domain, task)',
    'logit_t = Tower_t(Σ_k g_u[k] e_k)',
  ],
  deviations: [],
  options: [
    {
      key: 'experts',
      label: 'Experts',
      kind: 'int',
      min: 1,
      max: 64,
      default: 8,
      help: 'Number of expert MLPs.',
    },
    {
      key: 'expertLayers',
      label: 'Expert layers',
      kind: 'intList',
      min: 1,
      max: 2048,
      minLength: 1,
      default: [64],
      help: 'Hidden sizes of each expert MLP (ReLU); the last is the expert output size.',
    },
    {
      key: 'gate',
      label: 'Gate per',
      kind: 'choice',
      choices: [
        { value: 'task', label: 'task (classic MMoE)' },
        { value: 'domain', label: 'domain (one gate per domain, shared by its tasks)' },
        { value: 'cell', label: 'domain × task cell' },
      ],
      default: 'task',
      help: 'Which gate a sample uses: one per task, one per domain, or one per (domain, task) cell.',
    },
    TOWER_LAYERS,
  ],
  presets: [
    {
      name: 'census reference (8×64, gate per task)',
      description: 'The census README reference row.',
      options: { experts: 8, expertLayers: [64], gate: 'task', towerLayers: [32] },
    },
    {
      name: 'gate per cell (8×64)',
      description: 'One gate per (domain, task) cell.',
      options: { experts: 8, expertLayers: [64], gate: 'cell', towerLayers: [32] },
    },
    {
      name: 'gate per domain (8×64)',
      description: 'One gate per domain, shared by its tasks.',
      options: { experts: 8, expertLayers: [64], gate: 'domain', towerLayers: [32] },
    },
    {
      name: 'small (4×32)',
      description: 'A quick look on a small set.',
      options: { experts: 4, expertLayers: [32], gate: 'task', towerLayers: [16] },
    },
  ],
  size(o, d) {
    const s = new SizeBuilder();
    const E = o.experts as number;
    const T = d.numTasks;
    const F = s.featureInput(d);
    const H = s.stacked(E, F, o.expertLayers as number[]);
    s.gates(F, o.gate === 'task' ? T : o.gate === 'domain' ? d.numDomains : d.numDomains * T, E);
    s.mix(T, E, H);
    s.towers(T, H, o.towerLayers as number[]);
    return s.finish();
  },
};
