import type { ModelInfo } from '../catalog';
import { SizeBuilder } from './size';
import { TOWER_LAYERS } from './towerLayers';

export const STAR_INFO: ModelInfo = {
  id: 'star',
  name: 'STAR',
  description:
    "Star-topology FCN: each layer's weight for a domain is the shared weight times the domain's own, with partitioned normalisation and an auxiliary domain network.",
  paper: {
    title:
      'One Model to Serve All: Star Topology Adaptive Recommender for Multi-Domain CTR Prediction (Sheng et al.)',
    venue: 'CIKM 2021',
    url: 'https://doi.org/10.1145/3459637.3481941',
  },
  equations: [
    'PN: z = (γ·γ_d) ⊙ (h − μ_d) / √(σ²_d + ε) + (β + β_d)   (batch moments of domain d; moving averages at inference)',
    "h' = ReLU(h (W ⊙ W_d) + b + b_d),   W_d = 1, b_d = 0 at init",
    's_a = MLP_aux([e_domain(d) ; x])   (auxiliary network, one output per task)',
    'logit_t = Tower_t(h_last) + s_a[t]',
  ],
  deviations: [
    {
      text: 'Multi-task: the star layers are shared by the tasks and each task gets its own plain tower (the paper predicts one CTR logit from the last star layer).',
    },
    {
      text: 'The paper feeds the auxiliary network the domain indicator plus features describing the domain; we cannot tell those apart, so it takes the domain embedding alone or with every input feature.',
    },
    {
      text: 'PN starts as plain batch norm per domain (γ = γ_d = 1, β = β_d = 0); some reimplementations start γ and γ_d at 0.5.',
    },
  ],
  options: [
    {
      key: 'starLayers',
      label: 'Star layers',
      kind: 'intList',
      min: 1,
      max: 2048,
      minLength: 1,
      default: [128, 64],
      help: 'Hidden sizes of the star FCN (ReLU), shared by the tasks; every layer stores W, b plus W_d, b_d per domain.',
    },
    {
      key: 'partitionedNorm',
      label: 'Partitioned norm',
      kind: 'choice',
      choices: [
        { value: 'off', label: 'off' },
        { value: 'input', label: 'on the star FCN input (paper)' },
        { value: 'all', label: 'before every star layer' },
      ],
      default: 'input',
      help: 'Per-domain batch normalisation: batch moments per domain in training, per-domain moving averages at inference, scale γ·γ_d, shift β + β_d.',
    },
    {
      key: 'pnMomentum',
      label: 'PN momentum',
      kind: 'number',
      min: 0.001,
      max: 1,
      default: 0.1,
      help: 'Weight of a batch in the per-domain moving averages (PyTorch convention: 0.1).',
    },
    {
      key: 'auxNet',
      label: 'Auxiliary network',
      kind: 'choice',
      choices: [
        { value: 'off', label: 'off' },
        { value: 'domain', label: 'domain embedding' },
        { value: 'domain+features', label: 'domain embedding + input features' },
      ],
      default: 'domain+features',
      help: 'A small MLP whose per-task logit is added to the main logit, fed the domain embedding (and the input features).',
    },
    {
      key: 'auxLayers',
      label: 'Auxiliary layers',
      kind: 'intList',
      min: 1,
      max: 512,
      minLength: 0,
      default: [32],
      help: 'Hidden sizes of the auxiliary network (ReLU), before its one output per task.',
    },
    TOWER_LAYERS,
  ],
  presets: [
    {
      name: 'census reference (128→64, no PN, no aux)',
      description:
        'The census README reference row (237,090 parameters on census): star layers and per-task towers only.',
      options: {
        starLayers: [128, 64],
        partitionedNorm: 'off',
        pnMomentum: 0.1,
        auxNet: 'off',
        auxLayers: [32],
        towerLayers: [32],
      },
    },
    {
      name: 'paper (128→64, PN on input, aux net)',
      description:
        'All three STAR components: star FCN, partitioned norm on its input, auxiliary network on domain + features.',
      options: {
        starLayers: [128, 64],
        partitionedNorm: 'input',
        pnMomentum: 0.1,
        auxNet: 'domain+features',
        auxLayers: [32],
        towerLayers: [32],
      },
    },
    {
      name: 'PN before every layer (128→64, aux net)',
      description: 'Partitioned norm on the input and before each later star layer.',
      options: {
        starLayers: [128, 64],
        partitionedNorm: 'all',
        pnMomentum: 0.1,
        auxNet: 'domain+features',
        auxLayers: [32],
        towerLayers: [32],
      },
    },
    {
      name: 'deeper (256→128→64, PN on input, aux net)',
      description: 'A deeper star FCN, closer to production sizes.',
      options: {
        starLayers: [256, 128, 64],
        partitionedNorm: 'input',
        pnMomentum: 0.1,
        auxNet: 'domain+features',
        auxLayers: [32],
        towerLayers: [32],
      },
    },
    {
      name: 'small (64→32, PN on input, aux on domain)',
      description: 'A quick look on a small set.',
      options: {
        starLayers: [64, 32],
        partitionedNorm: 'input',
        pnMomentum: 0.1,
        auxNet: 'domain',
        auxLayers: [16],
        towerLayers: [16],
      },
    },
  ],
  size(o, d) {
    const s = new SizeBuilder();
    const D = d.numDomains;
    const F = s.featureInput(d);
    let width = F;
    (o.starLayers as number[]).forEach((size, i) => {
      if (o.partitionedNorm === 'all' || (o.partitionedNorm === 'input' && i === 0)) {
        // γ, β, γ_d, β_d and the moving averages; per row the centred, scaled and shifted copies.
        s.params(width, width, D * width, D * width, D * width, D * width);
        s.row(...new Array<number>(8).fill(width));
      }
      // W, b, W_d, b_d; W ⊙ W_d, transposed, reshaped once per step; every domain's output before the one-hot
      // picks the row's own.
      s.params(width * size, size, D * width * size, D * size)
        .row(D * size, size)
        .step(3 * D * width * size);
      width = size;
    });
    s.towers(d.numTasks, width, o.towerLayers as number[]);
    if (o.auxNet !== 'off') {
      s.params(D * d.embeddingDim).row(d.embeddingDim);
      s.mlp(d.embeddingDim + (o.auxNet === 'domain+features' ? F : 0), [
        ...(o.auxLayers as number[]),
        d.numTasks,
      ]);
    }
    return s.finish();
  },
};
