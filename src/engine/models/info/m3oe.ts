import type { ModelInfo } from '../catalog';
import { SizeBuilder } from './size';

export const M3OE_INFO: ModelInfo = {
  id: 'm3oe',
  name: 'M3oE',
  description:
    'Shared, domain and task experts over a STAR-style slot layer with a skip connection; a gate per (domain, task) on the detached representation, two-level fusion weighted by four searched structure weights, one tower per (domain, task).',
  paper: {
    title: 'M3oE: Multi-Domain Multi-Task Mixture-of Experts Recommendation Framework (Zhang et al.)',
    venue: 'SIGIR 2024',
    url: 'https://arxiv.org/abs/2404.18465',
  },
  equations: [
    'emb = ReLU(LN(W_b (x (W_slot[d] ⊙ W_shared) + b_slot[d] + b_shared))) + ReLU(LN(W_skip x))',
    'S_k, Dm_j, Tk_j = ReLU(LN(W emb))   (E shared, D domain, T task experts)',
    'g_dt = softmax(W_dt stopGradient(emb));   s_dt = Σ_k g_dt[k] S_k',
    'dom_d = σ(β_D) Dm_d + (1 − σ(β_D))/(D − 1) Σ_{j≠d} Dm_j;   tsk_t likewise with β_T',
    'f_dt = s_dt + σ(α_D) dom_d + σ(α_T) tsk_t;   logit_{d(b),t} = Tower_dt(f_dt)',
    'loss = Σ_(d,t) mean BCE of group (d, t)   (empty groups skipped)',
  ],
  deviations: [
    {
      text: 'Structure search. The official trainer means to keep the four structure weights out of its main optimizer, but builds the split with `~ darts_para_flag(name)`: bitwise not of a Python bool is −1 or −2, always true, so the main Adam (lr 1e-2, weight decay 1e-5) trains them with every other weight; its "darts" Adam (lr 1e-3) then adds one step on them per epoch, on a batch of the training loader (the iterator named valid_data_iter reads train_dataloader). By default we run first-order DARTS instead: the main optimizer never sees them; their own Adam (archLr) steps on a validation batch every archEvery steps. schedule = published restores the official behaviour: they join the main optimizer at the run\'s learning rate and get one extra Adam step (archLr; 0.001 in the official runs) per epoch on a training batch. Still different there: no weight decay, and the extra step uses the group loss where the official one uses plain mean BCE.',
      restore: { option: 'schedule', value: 'published' },
    },
    {
      text: 'The official trainer uses the per-(domain, task) group loss only when D = 3 and T = 2 (its MovieLens setting) and plain mean BCE otherwise; we always use the group loss, as the paper describes.',
    },
  ],
  options: [
    {
      key: 'experts',
      label: 'Shared experts',
      kind: 'int',
      min: 1,
      max: 32,
      default: 4,
      help: 'Number of shared experts E (besides one expert per domain and one per task).',
    },
    {
      key: 'slotDim',
      label: 'Slot layer width',
      kind: 'int',
      min: 1,
      max: 2048,
      default: 512,
      help: 'Output width of the STAR-style slot layer x(W_slot[d] ⊙ W_shared) (official fcn_dims[0] = 512).',
    },
    {
      key: 'bottomDim',
      label: 'Representation width',
      kind: 'int',
      min: 1,
      max: 2048,
      default: 256,
      help: 'Width of emb: the Linear + LayerNorm + ReLU after the slot layer, and of the skip connection (official 256).',
    },
    {
      key: 'expertLayers',
      label: 'Expert layers',
      kind: 'intList',
      min: 1,
      max: 1024,
      minLength: 1,
      default: [64],
      help: 'Hidden sizes of every expert (shared, domain, task), each Linear → LayerNorm → ReLU; the last is the expert output size (official 64).',
    },
    {
      key: 'towerHidden',
      label: 'Tower hidden',
      kind: 'int',
      min: 1,
      max: 1024,
      default: 64,
      help: 'Hidden width of each (domain, task) tower: Linear → LayerNorm → ReLU → Linear(·, 1) (official: the expert output size).',
    },
    {
      key: 'gateStopGradient',
      label: 'Stop gradient into gates',
      kind: 'bool',
      default: true,
      help: "Gates read stopGradient(emb), as in the paper and code; off lets the gates' gradient shape emb (an ablation).",
    },
    {
      key: 'structureInit',
      label: 'Structure weights init',
      kind: 'number',
      min: -10,
      max: 10,
      default: 1,
      help: 'Raw initial value of α_D, α_T, β_D, β_T (σ(1) = 0.731; official 1).',
    },
    {
      key: 'schedule',
      label: 'Structure search',
      kind: 'choice',
      choices: [
        { value: 'darts', label: 'first-order DARTS on validation batches' },
        { value: 'published', label: 'published (with the weights + 1 train-batch step per epoch)' },
      ],
      default: 'darts',
      help: "How the four structure weights learn: their own optimizer on validation batches every k steps, or the official code's schedule.",
    },
    {
      key: 'archEvery',
      label: 'Architecture step every',
      kind: 'int',
      min: 1,
      max: 100000,
      default: 5,
      help: 'DARTS: one architecture step on a validation batch every k training steps (ignored by the published schedule: once per epoch).',
    },
    {
      key: 'archLr',
      label: 'Architecture learning rate',
      kind: 'number',
      min: 0,
      max: 1,
      default: 0.01,
      help: 'Adam learning rate of the architecture steps (official 0.001, once per epoch); 0 freezes the structure weights.',
    },
  ],
  presets: [
    {
      name: 'census reference (512→256, 4 shared experts ×64, DARTS)',
      description:
        'The census README reference row: official MovieLens-1M dimensions, domain id embedded; structure weights by DARTS on validation batches.',
      options: {
        experts: 4,
        slotDim: 512,
        bottomDim: 256,
        expertLayers: [64],
        towerHidden: 64,
        schedule: 'darts',
        archEvery: 5,
        archLr: 0.01,
      },
    },
    {
      name: 'official schedule (512→256, structure weights with the weights + 1 step/epoch)',
      description:
        "The same network with the official trainer's behaviour: structure weights in the main optimizer, one extra step (lr 0.001) per epoch on a training batch.",
      options: {
        experts: 4,
        slotDim: 512,
        bottomDim: 256,
        expertLayers: [64],
        towerHidden: 64,
        schedule: 'published',
        archLr: 0.001,
      },
    },
    {
      name: 'fixed structure (σ = 0.731, no search)',
      description:
        'Official dimensions with the structure weights frozen at their initial value: the baseline the search has to beat.',
      options: {
        experts: 4,
        slotDim: 512,
        bottomDim: 256,
        expertLayers: [64],
        towerHidden: 64,
        schedule: 'darts',
        archLr: 0,
      },
    },
    {
      name: 'browser-scaled (256→128, 4 shared experts ×32)',
      description: 'Half the official widths: about a quarter of the compute per step.',
      options: {
        experts: 4,
        slotDim: 256,
        bottomDim: 128,
        expertLayers: [32],
        towerHidden: 32,
        schedule: 'darts',
        archEvery: 5,
        archLr: 0.01,
      },
    },
    {
      name: 'small (128→64, 2 shared experts ×16)',
      description: 'A quick look on a small set.',
      options: {
        experts: 2,
        slotDim: 128,
        bottomDim: 64,
        expertLayers: [16],
        towerHidden: 16,
        schedule: 'darts',
        archEvery: 5,
        archLr: 0.01,
      },
    },
  ],
  size(o, d) {
    const s = new SizeBuilder();
    const D = d.numDomains;
    const T = d.numTasks;
    const E = o.experts as number;
    const N = E + D + T;
    const slot = o.slotDim as number;
    const bottom = o.bottomDim as number;
    const tower = o.towerHidden as number;
    const F = s.featureInput(d);
    s.dense(F, bottom);
    s.params(bottom, bottom);
    // The slot layer: shared and per-domain weights and biases; W_slot[d] ⊙ W_shared, transposed and reshaped
    // once per step; every domain's output before the one-hot.
    s.params(F * slot, slot, D * F * slot, D * slot)
      .row(D * slot, slot)
      .step(4 * D * F * slot);
    s.dense(slot, bottom);
    s.params(bottom, bottom).row(bottom);
    let H = bottom;
    for (const h of o.expertLayers as number[]) {
      H = s.stacked(N, H, [h]);
      s.params(N * h, N * h).row(N * h);
    }
    s.gates(bottom, D * T, E);
    s.mix(D * T, E, H);
    s.row(D * T * H);
    s.stacked(D * T, H, [tower]);
    s.params(D * T * tower, D * T * tower).row(D * T * tower);
    s.stacked(D * T, tower, [1]);
    s.params(1, 1, 1, 1);
    return s.finish();
  },
};
