import type { ModelInfo } from '../catalog';
import { SizeBuilder } from './size';

export const MOME_INFO: ModelInfo = {
  id: 'mome',
  name: 'MoME',
  description:
    'Mixture of masked experts: a shared-bottom network is first pruned neuron by neuron (phase A), then every expert becomes the same base weights under its own learned binary-ish weight mask, mixed by a softmax gate per task (phase B).',
  paper: {
    title: 'MoME: Mixture-of-Masked-Experts for Efficient Multi-Task Recommendation (Xu, Sun & Zhao)',
    venue: 'SIGIR 2024',
    url: 'https://doi.org/10.1145/3626772.3657922',
  },
  equations: [
    'z(μ) = clamp(μ + ε, 0, 1), ε ~ N(0, σ²) in training;  clamp(μ, 0, 1) in evaluation',
    'A: h_l = Dropout(ReLU(BN(h_{l−1} (z(μ_l)[:, None] ⊙ W_l) + b_l)));  logit_t = Tower_t(h_L)',
    'at M: W_l ← z_l ⊙ W_l, rows with z_l = 0 dropped;  masks μ_{l,e} = 0.5 and gates created',
    'B: W_{l,e} = z(μ_{l,e}) ⊙ W_l;  logit_t = Tower_t(Σ_e softmax(W_t x)_e H_e)',
    'loss = mean_t BCE_t + λ1 Σ_l mean Φ(μ_l/σ)  (A)  |  + λ2 Σ_l Σ_e mean Φ(μ_{l,e}/σ)  (B)',
  ],
  deviations: [
    {
      text: 'The official code does not run as released: main.py declares --embed_dim twice (argparse refuses) and passes args.tower_dims, which it never defines; the trainer calls self.choose_optimizer() at the phase switch, which does not exist, and print_summary with three arguments it does not take; every evaluation calls sample_z with the batch size landing in if_neuron and if_neuron given again by keyword (TypeError); phase-B training draws its noise with std = sigma[expert] from a float (TypeError). We completed it as its code intends: at the switch the optimizer is rebuilt on the new trainable set (masks and gates in, neuron masks frozen) with fresh Adam moments, the best-epoch snapshot is forgotten (the official code resets its best score there too), one scalar σ for all masks, z = clamp(μ, 0, 1) in evaluation.',
    },
    {
      text: 'At the switch the official layer re-creates its base weight with the zero-mask rows removed. We fold the neuron mask into the base weights and hold the dropped rows at exactly 0 with a fixed 0/1 row mask: the same function and the same stored parameters (the storage readout counts kept rows only), but no compute saved.',
    },
    {
      text: "The official model applies one BatchNorm1d to each expert's output in turn, so its running statistics are overwritten once per expert per step and end up mostly the last expert's. We share γ and β as it does but keep running statistics per expert (initialised from phase A's).",
    },
    {
      text: "The official base weights are initialised with kaiming_uniform on an [in, out] tensor, which PyTorch reads as fan_in = out; we use nn.Linear's U(±1/√in).",
    },
    {
      text: 'The switch point M can be counted in training steps for short browser runs; the official code counts epochs.',
      restore: { option: 'switchUnit', value: 'epochs' },
    },
  ],
  options: [
    {
      key: 'experts',
      label: 'Experts',
      kind: 'int',
      min: 1,
      max: 64,
      default: 8,
      help: 'Number of masked experts E in phase B (official 8).',
    },
    {
      key: 'expertLayers',
      label: 'Base layers',
      kind: 'intList',
      min: 1,
      max: 2048,
      minLength: 1,
      default: [128, 64],
      help: 'Layer sizes of the base network every expert masks, each Linear → BN → ReLU → Dropout (official [512, 256]).',
    },
    {
      key: 'towerLayers',
      label: 'Tower layers',
      kind: 'intList',
      min: 1,
      max: 1024,
      minLength: 0,
      default: [32],
      help: 'Hidden sizes of each task tower, each Linear → BN → ReLU → Dropout, before the output logit.',
    },
    {
      key: 'dropout',
      label: 'Dropout',
      kind: 'number',
      min: 0,
      max: 0.9,
      default: 0.2,
      help: 'Dropout after every base and tower layer (official 0.2).',
    },
    {
      key: 'switchAt',
      label: 'Phase switch M',
      kind: 'int',
      min: 0,
      max: 1000000,
      default: 1,
      help: 'When phase B (masked experts) starts, in the unit below; 0 = from the first step (official 10 epochs of 50).',
    },
    {
      key: 'switchUnit',
      label: 'M counted in',
      kind: 'choice',
      choices: [
        { value: 'epochs', label: 'epochs' },
        { value: 'steps', label: 'steps' },
      ],
      default: 'epochs',
      help: 'Whether M counts epochs (official) or training steps.',
    },
    {
      key: 'lambdaNeuron',
      label: 'λ1 neuron L0',
      kind: 'number',
      min: 0,
      max: 100,
      default: 1e-6,
      help: 'Weight of the L0 penalty on the neuron masks in phase A (official 1e-6).',
    },
    {
      key: 'lambdaMask',
      label: 'λ2 mask L0',
      kind: 'number',
      min: 0,
      max: 100,
      default: 1e-6,
      help: 'Weight of the L0 penalty on the expert weight masks in phase B (official 1e-6).',
    },
    {
      key: 'sigma',
      label: 'STG noise σ',
      kind: 'number',
      min: 0.01,
      max: 5,
      default: 0.5,
      help: 'Standard deviation of the stochastic-gate noise ε (official 0.5).',
    },
    {
      key: 'thresholdMasks',
      label: 'Binary masks in evaluation',
      kind: 'bool',
      default: false,
      help: 'Evaluate with masks thresholded at 0.5 (1 bit per entry, what an export stores) instead of clamp(μ, 0, 1).',
    },
  ],
  presets: [
    {
      name: 'census-scaled (8 experts, 128→64, M = 2 epochs, λ = 1e-6)',
      description:
        'Official settings scaled to the census runs (10 epochs): base layers as the Shared-Bottom reference, phase B from epoch 3.',
      options: {
        experts: 8,
        expertLayers: [128, 64],
        towerLayers: [32],
        dropout: 0.2,
        switchAt: 2,
        switchUnit: 'epochs',
        lambdaNeuron: 1e-6,
        lambdaMask: 1e-6,
        sigma: 0.5,
        thresholdMasks: false,
      },
    },
    {
      name: 'official defaults (8 experts, 512→256, M = 10 epochs, λ = 1e-6)',
      description: 'The official main.py settings (meant for 50 epochs at batch 2048): heavy for a browser.',
      options: {
        experts: 8,
        expertLayers: [512, 256],
        towerLayers: [32],
        dropout: 0.2,
        switchAt: 10,
        switchUnit: 'epochs',
        lambdaNeuron: 1e-6,
        lambdaMask: 1e-6,
        sigma: 0.5,
        thresholdMasks: false,
      },
    },
    {
      name: 'strong L0 (8 experts, 128→64, λ1 = λ2 = 1, M = 300 steps)',
      description:
        "A penalty that dominates the masks' loss gradient, so they head for 0 unless the task needs them. Adam moves each μ by about the learning rate per step: from 0.5 an exact zero takes about 0.5/lr steps in a phase (≈ 500 at lr 1e-3, ≈ 50 at 1e-2); raise the run's learning rate to watch pruning in a short run.",
      options: {
        experts: 8,
        expertLayers: [128, 64],
        towerLayers: [32],
        dropout: 0.2,
        switchAt: 300,
        switchUnit: 'steps',
        lambdaNeuron: 1,
        lambdaMask: 1,
        sigma: 0.5,
        thresholdMasks: false,
      },
    },
    {
      name: 'small (4 experts, 32→16, M = 100 steps)',
      description: 'A quick look on a small set.',
      options: {
        experts: 4,
        expertLayers: [32, 16],
        towerLayers: [16],
        dropout: 0.2,
        switchAt: 100,
        switchUnit: 'steps',
        lambdaNeuron: 1e-6,
        lambdaMask: 1e-6,
        sigma: 0.5,
        thresholdMasks: false,
      },
    },
  ],
  size(o, d) {
    const s = new SizeBuilder();
    const T = d.numTasks;
    const E = o.experts as number;
    const F = s.featureInput(d);
    // Phase B, the larger: the base layers with their neuron masks, plus per-expert masks and statistics.
    let width = F;
    for (const h of o.expertLayers as number[]) {
      // Every expert's output, batch-normed, its dropout mask. Once per step the masks: noise drawn, added,
      // clipped, kept rows, times W, reshaped, and the L0 penalty's Φ(μ/σ): about 15 tensors of E·in·out.
      s.params(width * h, h, width).row(E * h, E * h);
      s.batchNorm(h, E * h);
      s.params(width, E * width * h, E * h, E * h).step(15 * E * width * h);
      width = h;
    }
    let towerIn = width;
    for (const h of o.towerLayers as number[]) {
      s.params(T * towerIn * h, T * h).row(T * h, T * h);
      s.batchNorm(T * h, T * h);
      towerIn = h;
    }
    s.params(T * towerIn, T).row(T);
    s.gates(F, T, E);
    s.mix(T, E, width);
    return s.finish();
  },
};
