import type { SynthSpec } from './spec';

/** The datasets shipped in public/datasets (written by `npm run datasets`). */
export const BUNDLED_SPECS: readonly SynthSpec[] = [
  {
    id: 'three-domains-two-tasks',
    name: 'Three domains × two tasks',
    description:
      'Feed, search and mall (50/30/20%) with click (~15%) and convert (~4%) correlated at 0.6. ' +
      'Strong domain-specific signal with little overlap: per-domain routing pays off.',
    rows: 60_000,
    seed: 20240601,
    domains: [
      { name: 'feed', weight: 0.5 },
      { name: 'search', weight: 0.3, rateScale: 1.3 },
      { name: 'mall', weight: 0.2, rateScale: 0.8 },
    ],
    tasks: [
      { name: 'click', rate: 0.15 },
      { name: 'convert', rate: 0.04 },
    ],
    categorical: { count: 8, cardinality: [200, 120, 80, 50, 30, 20, 10, 5], skew: 1.05 },
    numeric: 4,
    structure: {
      shared: 0.8,
      domainSpecific: 1.4,
      taskSpecific: 0.5,
      taskCorrelation: 0.6,
      domainOverlap: 0.2,
      noise: 0.8,
    },
  },
  {
    id: 'five-domains-three-tasks',
    name: 'Five domains × three tasks',
    description:
      'Five scenarios (30/25/20/20/5%) with click, like and share, weakly correlated (0.3). ' +
      'The small "live" domain tests whether a model transfers what the others teach.',
    rows: 60_000,
    seed: 20240602,
    domains: [
      { name: 'home', weight: 0.3 },
      { name: 'video', weight: 0.25, rateScale: 1.2 },
      { name: 'news', weight: 0.2, rateScale: 0.8 },
      { name: 'shop', weight: 0.2 },
      { name: 'live', weight: 0.05, rateScale: 1.5 },
    ],
    tasks: [
      { name: 'click', rate: 0.12 },
      { name: 'like', rate: 0.06 },
      { name: 'share', rate: 0.03 },
    ],
    categorical: { count: 8, cardinality: [200, 100, 60, 40, 20, 12, 8, 4], skew: 1.0 },
    numeric: 3,
    structure: {
      shared: 1.0,
      domainSpecific: 1.0,
      taskSpecific: 0.7,
      taskCorrelation: 0.3,
      domainOverlap: 0.4,
      noise: 0.8,
    },
  },
  {
    id: 'id-heavy-four-domains',
    name: 'Id-heavy: four domains × three tasks',
    description:
      '200,000 rows of users (1,000) and items (1,000) with Zipf popularity, each user in a segment and each ' +
      'item in a category, plus hour, device and two numerics. Click (~20%), like (~10%) and convert (~6%) ' +
      'depend on planted user·item latent factors, weighted most in live and feed and least in search; the ' +
      'domains differ in their item mix. Made for judging embeddings and the domain input on ids.',
    rows: 200_000,
    seed: 20240604,
    domains: [
      { name: 'feed', weight: 0.4, latentScale: 1.2 },
      { name: 'search', weight: 0.3, rateScale: 1.2, latentScale: 0.6 },
      { name: 'mall', weight: 0.2, rateScale: 0.8 },
      { name: 'live', weight: 0.1, rateScale: 1.4, latentScale: 1.4 },
    ],
    tasks: [
      { name: 'click', rate: 0.2 },
      { name: 'like', rate: 0.1 },
      { name: 'convert', rate: 0.06 },
    ],
    categorical: {
      count: 6,
      cardinality: [1000, 1000, 8, 30, 24, 3],
      skew: 1.0,
      fields: [
        // Users are the same people in every domain; each domain has its own head items.
        { name: 'user_id', prefix: 'u', skew: 1.0, domainOverlap: 0.9 },
        { name: 'item_id', prefix: 'i', skew: 1.0, domainOverlap: 0.7 },
        { name: 'user_segment', prefix: 'seg', parent: 'user_id' },
        { name: 'item_category', prefix: 'cat', parent: 'item_id' },
        { name: 'hour', prefix: 'h', skew: 0.3 },
        { name: 'device', prefix: 'dev' },
      ],
    },
    numeric: 2,
    numericNames: ['price_z', 'recency_z'],
    structure: {
      shared: 1.2,
      domainSpecific: 0.6,
      taskSpecific: 0.3,
      taskCorrelation: 0.8,
      domainOverlap: 0.6,
      noise: 0.5,
    },
    latent: { user: 'user_id', item: 'item_id', dim: 3, weight: 0.65, groupShare: 0.3 },
  },
  {
    id: 'tiny-two-domains',
    name: 'Tiny: two domains × two tasks',
    description:
      '3,000 rows, two domains (60/40%) with click (~20%) and convert (~8%): for quick end-to-end runs.',
    rows: 3_000,
    seed: 20240603,
    domains: [
      { name: 'app', weight: 0.6 },
      { name: 'web', weight: 0.4 },
    ],
    tasks: [
      { name: 'click', rate: 0.2 },
      { name: 'convert', rate: 0.08 },
    ],
    categorical: { count: 4, cardinality: [40, 20, 8, 4], skew: 1.0 },
    numeric: 2,
    structure: {
      shared: 1.0,
      domainSpecific: 1.2,
      taskSpecific: 0.5,
      taskCorrelation: 0.5,
      domainOverlap: 0.3,
      noise: 0.5,
    },
  },
];
