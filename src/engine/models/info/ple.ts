import type { ModelInfo } from '../catalog';
import { SizeBuilder } from './size';
import { TOWER_LAYERS } from './towerLayers';

export const PLE_INFO: ModelInfo = {
  id: 'ple',
  name: 'PLE',
  description:
    'Stacked extraction levels of specific experts (per task, domain or cell) and shared experts, each unit gated over its own + the shared experts; 1 level is CGC.',
  paper: {
    title:
      'Progressive Layered Extraction (PLE): A Novel Multi-Task Learning (MTL) Model for Personalized Recommendations (Tang et al.)',
    venue: 'RecSys 2020',
    url: 'https://doi.org/10.1145/3383313.3412236',
  },
  equations: [
    'level 1 reads x; level l > 1: unit u reads h_u^(l−1), shared experts read h_s^(l−1)',
    'h_u^l = Σ_k softmax(W_u h_u^(l−1))[k] · [Spec_u,1..Ks ; Shared_1..S]_k   (own + shared experts only)',
    'h_s^l = Σ_k softmax(W_s h_s^(l−1))[k] · [all specific ; shared]_k   (levels < L)',
    'logit_t = Tower_t(h_u(b,t)^L),  u = task | domain | (domain, task)',
  ],
  deviations: [
    {
      text: "Specific experts per domain or per (domain, task) cell extend the paper (per task). The shared gate still mixes every unit's specific experts for every sample, as in the paper; a unit gate never sees another unit's experts.",
      restore: { option: 'specificPer', value: 'task' },
    },
  ],
  options: [
    {
      key: 'levels',
      label: 'Levels',
      kind: 'int',
      min: 1,
      max: 4,
      default: 2,
      help: 'Extraction levels stacked; 1 is CGC (no shared gate).',
    },
    {
      key: 'specificExperts',
      label: 'Specific experts per unit',
      kind: 'int',
      min: 1,
      max: 16,
      default: 2,
      help: 'Experts owned by each unit (task, domain or cell) at every level.',
    },
    {
      key: 'sharedExperts',
      label: 'Shared experts',
      kind: 'int',
      min: 0,
      max: 32,
      default: 4,
      help: 'Experts every unit gate may use, at every level; 0 gives separate networks per unit.',
    },
    {
      key: 'expertLayers',
      label: 'Expert layers',
      kind: 'intList',
      min: 1,
      max: 2048,
      minLength: 1,
      default: [64],
      help: "Hidden sizes of each expert MLP (ReLU) at every level; the last is the expert output size and the next level's input.",
    },
    {
      key: 'specificPer',
      label: 'Specific experts per',
      kind: 'choice',
      choices: [
        { value: 'task', label: 'task (classic PLE)' },
        { value: 'domain', label: 'domain (shared by its tasks)' },
        { value: 'cell', label: 'domain × task cell' },
      ],
      default: 'task',
      help: 'Which unit owns specific experts and a gate: each task, each domain, or each (domain, task) cell. A sample uses its own unit.',
    },
    TOWER_LAYERS,
  ],
  presets: [
    {
      name: 'census reference (2 levels, 2 task + 4 shared × 64)',
      description: 'The census README reference row (323,342 parameters on census).',
      options: {
        levels: 2,
        specificExperts: 2,
        sharedExperts: 4,
        expertLayers: [64],
        specificPer: 'task',
        towerLayers: [32],
      },
    },
    {
      name: 'CGC (1 level, 2 task + 4 shared × 64)',
      description: "A single extraction level: the paper's Customized Gate Control.",
      options: {
        levels: 1,
        specificExperts: 2,
        sharedExperts: 4,
        expertLayers: [64],
        specificPer: 'task',
        towerLayers: [32],
      },
    },
    {
      name: 'DeepCTR defaults, halved (2 levels, 1 task + 1 shared × 128)',
      description:
        "DeepCTR's PLE defaults (2 levels, 1 specific + 1 shared expert of 256, tower 64) at half width.",
      options: {
        levels: 2,
        specificExperts: 1,
        sharedExperts: 1,
        expertLayers: [128],
        specificPer: 'task',
        towerLayers: [32],
      },
    },
    {
      name: 'per domain (2 levels, 2 domain + 4 shared × 64)',
      description: "Specific experts and gates per domain, shared by the domain's tasks.",
      options: {
        levels: 2,
        specificExperts: 2,
        sharedExperts: 4,
        expertLayers: [64],
        specificPer: 'domain',
        towerLayers: [32],
      },
    },
    {
      name: 'per cell (2 levels, 1 cell + 4 shared × 64)',
      description: 'One specific expert and gate per (domain, task) cell.',
      options: {
        levels: 2,
        specificExperts: 1,
        sharedExperts: 4,
        expertLayers: [64],
        specificPer: 'cell',
        towerLayers: [32],
      },
    },
    {
      name: 'small (1 level, 1 task + 2 shared × 32)',
      description: 'A quick look on a small set.',
      options: {
        levels: 1,
        specificExperts: 1,
        sharedExperts: 2,
        expertLayers: [32],
        specificPer: 'task',
        towerLayers: [16],
      },
    },
  ],
  size(o, d) {
    const s = new SizeBuilder();
    const T = d.numTasks;
    const L = o.levels as number;
    const Ks = o.specificExperts as number;
    const S = o.sharedExperts as number;
    const layers = o.expertLayers as number[];
    const U = o.specificPer === 'task' ? T : o.specificPer === 'domain' ? d.numDomains : d.numDomains * T;
    const E = U * Ks + S;
    const H = layers[layers.length - 1];
    const F = s.featureInput(d);
    for (let l = 1; l <= L; l++) {
      const inDim = l === 1 ? F : H;
      if (l === 1) {
        s.stacked(E, F, layers);
        s.gates(F, U, Ks + S);
      } else {
        s.stacked(U * Ks, H, layers);
        if (S > 0) s.stacked(S, H, layers);
        s.stacked(U, H, [Ks + S]);
      }
      s.mix(U, Ks + S, H);
      if (l < L && S > 0) {
        s.gates(inDim, 1, E);
        s.mix(1, E, H);
      }
    }
    s.towers(T, H, o.towerLayers as number[]);
    return s.finish();
  },
};
