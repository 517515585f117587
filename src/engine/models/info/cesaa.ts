import type { ModelInfo } from '../catalog';
import { SizeBuilder } from './size';
import { TOWER_LAYERS } from './towerLayers';

export const CESAA_INFO: ModelInfo = {
  id: 'cesaa',
  name: 'CESAA (reconstruction)',
  description:
    'Shared experts always on, plus a sparse gate on [x ; domain] that picks the top-k of N domain-specific experts per ' +
    'instance; a mutual-information loss ties specific experts to domains. Reconstructed from the abstract (no public code).',
  paper: {
    title: 'Adaptive Conditional Expert Selection Network for Multi-domain Recommendation (Dong et al.)',
    venue: 'arXiv 2411.06826, 2024',
    url: 'https://arxiv.org/abs/2411.06826',
  },
  equations: [
    'shared = Σ_j softmax(G_sh(x))_j Shared_j(x)   (always on)',
    'z = G_sp([x ; e_domain]),  S = top-k(z),  w = softmax over z[S] (0 elsewhere)',
    'specific = Σ_{j∈S} w_j Expert_j(x)',
    'logit_t = Tower_t([shared ; specific])',
    'p(e|d) = mean_{b∈d} softmax(z_b)[e],  MI = Σ_d p(d) Σ_e p(e|d) log(p(e|d)/p(e))',
    'loss = Σ_t BCE_t − λ·MI',
    'load readout: share of rows (per domain) giving each specific expert a non-zero weight (gate "specific")',
  ],
  deviations: [
    {
      text:
        'No public code, and only the abstract was reachable: the architecture is our reconstruction of what the abstract ' +
        'fixes (domain-shared experts always active, a sparse gate selecting domain-specific experts per instance, a ' +
        'mutual-information loss between experts and domains). The gate inputs, the softmax over the selected logits, the ' +
        'batch MI estimator, λ and every size are our choices.',
    },
    {
      text:
        'Compute is dense: all N specific experts run and the N − k unselected ones get an exact 0 weight. The paper runs ' +
        'only the selected ones; in the browser a data-dependent gather per expert costs more dispatches (and, on WebGPU, ' +
        'new buffer sizes) than the dense stack saves at these sizes. The outputs are identical.',
    },
  ],
  options: [
    {
      key: 'sharedExperts',
      label: 'Shared experts (K_sh)',
      kind: 'int',
      min: 1,
      max: 64,
      default: 4,
      help: 'Domain-shared experts, always on, mixed by a softmax gate on x.',
    },
    {
      key: 'specificExperts',
      label: 'Specific experts (N)',
      kind: 'int',
      min: 1,
      max: 64,
      default: 8,
      help: 'Domain-specific experts the sparse gate chooses from.',
    },
    {
      key: 'topK',
      label: 'Selected per instance (k)',
      kind: 'int',
      min: 1,
      max: 64,
      default: 2,
      help: 'Specific experts with non-zero weight per instance.',
    },
    {
      key: 'expertLayers',
      label: 'Expert layers',
      kind: 'intList',
      min: 1,
      max: 2048,
      minLength: 1,
      default: [64],
      help: 'Hidden sizes of every expert MLP, shared and specific (ReLU); the last is the expert output size.',
    },
    {
      key: 'domainEmbeddingDim',
      label: 'Domain embedding size',
      kind: 'int',
      min: 1,
      max: 64,
      default: 8,
      help: 'Size of the learned domain embedding appended to x at the sparse gate.',
    },
    {
      key: 'lambda',
      label: 'λ (MI loss)',
      kind: 'number',
      min: 0,
      max: 10,
      default: 0.01,
      help: 'Weight of the mutual-information term: the loss adds −λ·MI(domain; expert), estimated on each batch.',
    },
    TOWER_LAYERS,
  ],
  presets: [
    {
      name: 'browser default (4 shared + top-2 of 8, 64)',
      description:
        'Our scaled-down reading of the paper: 4 shared experts, 8 specific experts of 64, 2 selected, λ = 0.01.',
      options: {
        sharedExperts: 4,
        specificExperts: 8,
        topK: 2,
        expertLayers: [64],
        domainEmbeddingDim: 8,
        lambda: 0.01,
        towerLayers: [32],
      },
    },
    {
      name: 'no MI loss (λ = 0, ablation)',
      description: 'The browser default without the adaptive-aggregation loss: does MI rise by itself?',
      options: {
        sharedExperts: 4,
        specificExperts: 8,
        topK: 2,
        expertLayers: [64],
        domainEmbeddingDim: 8,
        lambda: 0,
        towerLayers: [32],
      },
    },
    {
      name: 'strong MI (λ = 0.1)',
      description: 'The browser default with ten times the MI weight: sharper expert-domain ties.',
      options: {
        sharedExperts: 4,
        specificExperts: 8,
        topK: 2,
        expertLayers: [64],
        domainEmbeddingDim: 8,
        lambda: 0.1,
        towerLayers: [32],
      },
    },
    {
      name: 'top-1 of 16 (64)',
      description: 'Sparser: one of 16 specific experts per instance, 4 shared.',
      options: {
        sharedExperts: 4,
        specificExperts: 16,
        topK: 1,
        expertLayers: [64],
        domainEmbeddingDim: 8,
        lambda: 0.01,
        towerLayers: [32],
      },
    },
    {
      name: 'small (2 shared + top-1 of 4, 32)',
      description: 'A quick look on a small set.',
      options: {
        sharedExperts: 2,
        specificExperts: 4,
        topK: 1,
        expertLayers: [32],
        domainEmbeddingDim: 4,
        lambda: 0.01,
        towerLayers: [16],
      },
    },
  ],
  size(o, d) {
    const s = new SizeBuilder();
    const N = o.specificExperts as number;
    const shared = o.sharedExperts as number;
    const domainDim = o.domainEmbeddingDim as number;
    const F = s.featureInput(d);
    const H = s.stacked(shared, F, o.expertLayers as number[]);
    s.gates(F, 1, shared);
    s.mix(1, shared, H);
    s.stacked(N, F, o.expertLayers as number[]);
    s.params(d.numDomains * domainDim).row(domainDim);
    s.dense(F + domainDim, N);
    s.mix(1, N, H);
    s.towers(d.numTasks, 2 * H, o.towerLayers as number[]);
    return s.finish();
  },
};
