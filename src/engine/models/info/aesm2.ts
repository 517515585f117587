import type { ModelInfo, OptionSpec } from '../catalog';
import { SizeBuilder, type ModelSize } from './size';
import { TOWER_LAYERS } from './towerLayers';

const expertLayers = (key: string, label: string, help: string): OptionSpec => ({
  key,
  label,
  kind: 'intList',
  min: 1,
  max: 2048,
  minLength: 1,
  default: [64],
  help,
});

export const AESM2_INFO: ModelInfo = {
  id: 'aesm2',
  name: 'AESM²',
  description:
    'Scenario layers under task layers of N experts each; per instance, every layer keeps the k_sp experts whose gate ' +
    'distribution is closest to the own scenario (task) and the k_sh closest to uniform, and mixes only those.',
  paper: {
    title: 'Automatic Expert Selection for Multi-Scenario and Multi-Task Search (Zou et al.)',
    venue: 'SIGIR 2022',
    url: 'https://arxiv.org/abs/2205.14321',
  },
  equations: [
    'X = stack_n Expert_n(h)   (Linear → BatchNorm → ReLU → dropout)',
    'A = stack_g Gate_g([h ; e_scenario (; e_task)])   G = domains (scenario layers) or tasks (task layers)',
    'P = softmax_G(A + noise·N·ε)   (ε in training only)',
    'KL_sp[n] = KL(onehot(own) ‖ P[:,n]),  KL_sh[n] = KL(uniform ‖ P[:,n])',
    'SP = k_sp smallest KL_sp,  SH = k_sh smallest KL_sh   (no gradient through the choice)',
    "W = softmax_N(A_own + M),  M = 0 on SP ∪ SH, −1e9 (≈ −∞, weight exactly 0) elsewhere;  h' = Σ_n W_n X_n",
    'loss = Σ_t BCE_t + α Σ mean_SP KL_sp + β Σ mean_SH KL_sh',
  ],
  deviations: [
    {
      text:
        'The released code masks by multiplying the gate logits by −1e9 on unselected experts (and by 2 on experts in ' +
        'both SP and SH): an unselected expert with a negative logit then gets all the weight. We add 0 / −1e9 instead ' +
        '(exp underflows to exactly 0), so unselected experts get exactly zero weight. The published behaviour is available as an option.',
      restore: { option: 'masking', value: 'multiplicative' },
    },
    {
      text:
        'The config of the released code is not public: k_sp, k_sh, the selection noise, α, β, the expert sizes, the ' +
        'indicator size and the dropout rate are our choices (defaults N = 8, k_sp = k_sh = 2, noise 0.1, α = β = 0.01).',
    },
    {
      text:
        'KL(onehot ‖ P) and KL(uniform ‖ P) are computed exactly from a log-softmax (the released code adds 1e-9 inside ' +
        'the specific KL); the gates are plain linear layers (the released gates also batch-normalise their logits); ' +
        'BatchNorm, when on, follows PyTorch (momentum 0.1, ε 1e-5). One scenario level (the domain): the released code also ' +
        'supports a tree of scenario levels.',
    },
  ],
  options: [
    {
      key: 'scenarioLayers',
      label: 'Scenario layers (L_s)',
      kind: 'int',
      min: 0,
      max: 4,
      default: 1,
      help: 'Stacked multi-scenario layers; their gates are one per domain.',
    },
    {
      key: 'taskLayers',
      label: 'Task layers (L_t)',
      kind: 'int',
      min: 0,
      max: 4,
      default: 1,
      help: 'Stacked multi-task layers on top; their gates are one per task. 0 = towers read the scenario output.',
    },
    {
      key: 'experts',
      label: 'Experts per layer (N)',
      kind: 'int',
      min: 1,
      max: 64,
      default: 8,
      help: 'Experts in every layer.',
    },
    {
      key: 'kSp',
      label: 'Specific experts (k_sp)',
      kind: 'int',
      min: 0,
      max: 64,
      default: 2,
      help: 'Experts per instance and layer chosen as specific to its scenario (task): smallest KL to the one-hot. Our choice (not public).',
    },
    {
      key: 'kSh',
      label: 'Shared experts (k_sh)',
      kind: 'int',
      min: 0,
      max: 64,
      default: 2,
      help: 'Experts per instance and layer chosen as shared: smallest KL to uniform over the gates. Our choice (not public).',
    },
    expertLayers(
      'scenarioExpertLayers',
      'Scenario expert layers',
      'Hidden sizes of each scenario-layer expert (the last is its output size).',
    ),
    expertLayers(
      'taskExpertLayers',
      'Task expert layers',
      'Hidden sizes of each task-layer expert (the last is its output size).',
    ),
    {
      key: 'indicatorDim',
      label: 'Indicator size',
      kind: 'int',
      min: 1,
      max: 64,
      default: 8,
      help: 'Size of the learned scenario and task embeddings the gates read.',
    },
    {
      key: 'noiseScale',
      label: 'Selection noise',
      kind: 'number',
      min: 0,
      max: 2,
      default: 0.1,
      help: 'Gaussian noise of std noiseScale·N added to the gate logits for the selection and the KL terms, in training only.',
    },
    {
      key: 'alpha',
      label: 'α (specific KL)',
      kind: 'number',
      min: 0,
      max: 10,
      default: 0.01,
      help: 'Weight of the mean KL_sp of the selected specific experts, summed over layers (aux term L_sp).',
    },
    {
      key: 'beta',
      label: 'β (shared KL)',
      kind: 'number',
      min: 0,
      max: 10,
      default: 0.01,
      help: 'Weight of the mean KL_sh of the selected shared experts, summed over layers (aux term L_sh).',
    },
    {
      key: 'batchNorm',
      label: 'BatchNorm in experts',
      kind: 'bool',
      default: true,
      help:
        'Linear → BatchNorm → ReLU in every expert layer, as in the released code (PyTorch-style moving averages at ' +
        'evaluation). On by default: after one census epoch it lifts test AUC from 0.928 to 0.944 (income); off saves ' +
        'about 17% of the kernels per step.',
    },
    {
      key: 'dropout',
      label: 'Expert dropout',
      kind: 'number',
      min: 0,
      max: 0.9,
      default: 0,
      help: 'Dropout after every expert layer in training. Our choice (not public).',
    },
    {
      key: 'shareTaskLayers',
      label: 'Share task layers',
      kind: 'bool',
      default: true,
      help: 'One set of task-layer experts and gates used by every task path (the released code, where the task-level specific/shared choice is among a common pool); off = a separate set per task.',
    },
    {
      key: 'masking',
      label: 'Masking',
      kind: 'choice',
      choices: [
        { value: 'additive', label: 'additive 0 / −∞ (unselected experts get exactly 0)' },
        { value: 'multiplicative', label: 'multiplicative ×−1e9 (released code, buggy)' },
      ],
      default: 'additive',
      help: 'How unselected experts are removed from the softmax. The released multiplicative form hands an unselected expert with a negative logit all the weight.',
    },
    TOWER_LAYERS,
  ],
  presets: [
    {
      name: 'browser default (1+1 layers, 8×64, k 2+2)',
      description: 'One scenario and one task layer of 8 experts of 64, k_sp = k_sh = 2, additive masking.',
      options: {
        scenarioLayers: 1,
        taskLayers: 1,
        experts: 8,
        kSp: 2,
        kSh: 2,
        scenarioExpertLayers: [64],
        taskExpertLayers: [64],
        towerLayers: [32],
      },
    },
    {
      name: 'no BatchNorm (fewer kernels)',
      description:
        'The browser default with plain Linear → ReLU experts: about 17% fewer kernels per step, slower to learn.',
      options: {
        scenarioLayers: 1,
        taskLayers: 1,
        experts: 8,
        kSp: 2,
        kSh: 2,
        batchNorm: false,
        towerLayers: [32],
      },
    },
    {
      name: 'released masking (×−1e9 bug)',
      description: 'The browser default with the released multiplicative masking, to see the bug at work.',
      options: {
        scenarioLayers: 1,
        taskLayers: 1,
        experts: 8,
        kSp: 2,
        kSh: 2,
        masking: 'multiplicative',
        towerLayers: [32],
      },
    },
    {
      name: 'deep (2+2 layers, 8×64)',
      description: 'Two scenario and two task layers, as stacked in the paper.',
      options: {
        scenarioLayers: 2,
        taskLayers: 2,
        experts: 8,
        kSp: 2,
        kSh: 2,
        scenarioExpertLayers: [64],
        taskExpertLayers: [64],
        towerLayers: [32],
      },
    },
    {
      name: 'per-task task layers (8×64)',
      description: 'The browser default with a separate task-layer expert pool per task.',
      options: {
        scenarioLayers: 1,
        taskLayers: 1,
        experts: 8,
        kSp: 2,
        kSh: 2,
        shareTaskLayers: false,
        towerLayers: [32],
      },
    },
    {
      name: 'small (4×32, k 1+1)',
      description: 'A quick look on a small set.',
      options: {
        scenarioLayers: 1,
        taskLayers: 1,
        experts: 4,
        kSp: 1,
        kSh: 1,
        scenarioExpertLayers: [32],
        taskExpertLayers: [32],
        indicatorDim: 4,
        towerLayers: [16],
      },
    },
  ],
  size(o, d) {
    const s = new SizeBuilder();
    const D = d.numDomains;
    const T = d.numTasks;
    const N = o.experts as number;
    const indicator = o.indicatorDim as number;
    /** One selection layer: N experts (Linear, [BatchNorm]) and G gates over them, read from [h ; context]. */
    const layer = (inDim: number, contextDim: number, gates: number, sizes: number[]): ModelSize => {
      const part = new SizeBuilder();
      let width = inDim;
      for (const h of sizes) {
        part.params(width * N * h, N * h).row(N * h);
        if (o.batchNorm) part.batchNorm(N * h, N * h);
        width = h;
      }
      part.dense(inDim + contextDim, gates * N);
      // Noisy logits, log P over the gates and the KL terms: a few [G, N] per row; then the mixture.
      part.row(3 * gates * N, 4 * N);
      part.mix(1, N, width);
      return part.finish();
    };
    const outOf = (sizes: number[]) => sizes[sizes.length - 1];
    let width = s.featureInput(d);
    s.params(D * indicator).row(indicator);
    if ((o.taskLayers as number) > 0) s.params(T * indicator).row(T * 2 * indicator);
    for (let i = 0; i < (o.scenarioLayers as number); i++) {
      s.include(layer(width, indicator, D, o.scenarioExpertLayers as number[]), { params: 1, runs: 1 });
      width = outOf(o.scenarioExpertLayers as number[]);
    }
    for (let i = 0; i < (o.taskLayers as number); i++) {
      const part = layer(width, 2 * indicator, T, o.taskExpertLayers as number[]);
      s.include(part, { params: o.shareTaskLayers ? 1 : T, runs: T });
      width = outOf(o.taskExpertLayers as number[]);
    }
    s.towers(T, width, o.towerLayers as number[]);
    return s.finish();
  },
};
