import type { Rng } from '../util/rng';
import type { SynthRows } from './features';
import { cardinalities, cellRate, resolveFields, type SynthSpec } from './spec';

/**
 * The planted truth. A row of domain d has, for task t, the logit
 *
 *   z = b[d,t] + shared·S_t(x) + domainSpecific·D_{d,t}(x) + taskSpecific·T_t(x)
 *   S_t     = √c·S_0 + √(1−c)·S_t'                      (c = taskCorrelation)
 *   D_{d,t} = √c·Dom_d(0) + √(1−c)·Dom_d(t),   Dom_d(k) = √o·G_k + √(1−o)·O_{d,k}   (o = domainOverlap)
 *
 * where every S, G, O, T is an independent random function of the features with unit variance (a component).
 * With a `latent` block every component also holds a user·item piece over factor vectors all components share.
 * The unobserved logit noise of std σ is integrated out with the probit approximation: p = sigmoid(z / √(1 + πσ²/8)).
 * The bias b[d,t] is set by bisection so the cell's mean p hits its target rate.
 */
export interface PlantedStructure {
  numDomains: number;
  numTasks: number;
  scales: { shared: number; domain: number; task: number };
  /** √c and √(1−c), √o and √(1−o). */
  mix: { common: number; own: number; overlap: number; apart: number };
  /** [common, task 0, task 1, ...] for S, G and each domain's O. */
  shared: Component[];
  domainCommon: Component[];
  domainOwn: Component[][];
  task: Component[];
  /** numDomains × numTasks. */
  bias: Float64Array;
  /** 1 / √(1 + πσ²/8). */
  temperature: number;
  /** Weight of each piece of a component: PIECE_WEIGHTS, then the latent piece's where there is one. */
  pieceWeights: number[];
  latent: LatentFactors | null;
}

/** The users' tastes and the items' traits, [values × dim] row-major, and per domain the latent piece's scale. */
interface LatentFactors {
  userField: number;
  itemField: number;
  dim: number;
  user: Float64Array;
  item: Float64Array;
  domainScale: Float64Array;
}

/** Embedding width of the pairwise interaction. */
const CROSS_DIM = 4;
/** Weights of the four standardised pieces of a component; their squares sum to ≈ 1 so it has unit variance. */
const PIECE_WEIGHTS = [0.6, 0.35, 0.55, 0.45];

/**
 * A random function of the features: a sparse linear part over categorical values (a few "active" fields weigh
 * most, so different components care about different fields), a linear part over numerics, and two nonlinear
 * parts a logistic regression on one-hot inputs cannot express: a dot product of two fields' value embeddings
 * (a pairwise interaction) and a ReLU of a numeric combination shifted by a categorical value; with a latent
 * block, a fifth: the user·item latent piece (drawLatentM).
 * Each piece is standardised on reference rows, then mixed by the structure's pieceWeights.
 */
interface Component {
  catW: Float64Array[];
  numW: Float64Array;
  crossA: number;
  crossB: number;
  embA: Float64Array;
  embB: Float64Array;
  reluW: Float64Array;
  reluField: number;
  reluShift: Float64Array;
  /** (dim+1)², see drawLatentM: how this component values tastes against traits (empty without a latent block). */
  latentM: Float64Array;
  /** [mean, 1/std] per piece; 1/std = 0 for a piece that does not vary. */
  norm: Float64Array;
}

function normals(rng: Rng, n: number, std = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = std * rng.normal();
  return out;
}

/**
 * `pool`: the fields this component's own per-value weights use (all but the latent user and item fields).
 * Those two act only through the latent piece: a user's effect on every component is then a function of a few
 * factors, as in real data, not a free table per component that no realistic number of rows could teach.
 */
function drawComponent(
  rng: Rng,
  cards: number[],
  numNum: number,
  latentDim: number,
  pool: number[],
): Component {
  const P = pool.length;
  const active = new Set(
    Array.from(rng.shuffle(Int32Array.from(pool))).slice(0, Math.max(1, Math.round(0.4 * P))),
  );
  const catW = cards.map((V, k) =>
    pool.includes(k) ? normals(rng, V, active.has(k) ? 1 : 0.15) : new Float64Array(V),
  );
  const numW = normals(rng, numNum);
  const a = P >= 2 ? rng.int(P) : -1;
  const crossA = a >= 0 ? pool[a] : -1;
  const crossB = a >= 0 ? pool[(a + 1 + rng.int(P - 1)) % P] : -1;
  const embA = crossA >= 0 ? normals(rng, cards[crossA] * CROSS_DIM) : new Float64Array(0);
  const embB = crossB >= 0 ? normals(rng, cards[crossB] * CROSS_DIM) : new Float64Array(0);
  const reluW = normals(rng, numNum, 1 / Math.sqrt(Math.max(1, numNum)));
  const reluField = P >= 1 ? pool[rng.int(P)] : -1;
  const reluShift = reluField >= 0 ? normals(rng, cards[reluField], 0.7) : new Float64Array(0);
  const latentM = drawLatentM(rng, latentDim);
  const norm = new Float64Array(latentDim > 0 ? 10 : 8);
  return { catW, numW, crossA, crossB, embA, embB, reluW, reluField, reluShift, latentM, norm };
}

/**
 * (k+1)×(k+1), read against [P_u, 1] and [Q_i, 1]: the k×k block values tastes against traits, the last column
 * and row give a user and an item bias along the factors. Stds 1/k and 1/√k make the three parts' variances equal.
 */
function drawLatentM(rng: Rng, k: number): Float64Array {
  if (k === 0) return new Float64Array(0);
  const m = new Float64Array((k + 1) * (k + 1));
  for (let a = 0; a <= k; a++)
    for (let b = 0; b <= k; b++)
      m[a * (k + 1) + b] =
        a < k && b < k ? rng.normal() / k : a < k || b < k ? rng.normal() / Math.sqrt(k) : 0;
  return m;
}

/**
 * Factor vectors N(0, I); with groupShare g, a value's vector is √g·(its group's) + √(1−g)·(its own), the group
 * being its value in the first field derived from it (an item's category), read off the rows.
 */
function drawFactors(
  rng: Rng,
  rows: SynthRows,
  field: number,
  cardinality: number,
  dim: number,
  groupShare: number,
  groupField: number,
  groupCardinality: number,
): Float64Array {
  const own = normals(rng, cardinality * dim);
  if (groupField < 0 || groupShare === 0) return own;
  const groupVec = normals(rng, groupCardinality * dim);
  const group = new Int32Array(cardinality);
  const K = rows.numCat;
  for (let i = 0; i < rows.n; i++) group[rows.cat[i * K + field]] = rows.cat[i * K + groupField];
  const a = Math.sqrt(groupShare);
  const b = Math.sqrt(1 - groupShare);
  for (let v = 0; v < cardinality; v++)
    for (let h = 0; h < dim; h++) own[v * dim + h] = a * groupVec[group[v] * dim + h] + b * own[v * dim + h];
  return own;
}

function drawLatent(spec: SynthSpec, rows: SynthRows, rng: Rng): LatentFactors | null {
  const l = spec.latent;
  if (!l) return null;
  const fields = resolveFields(spec);
  const factorsOf = (name: string): { field: number; vectors: Float64Array } => {
    const field = fields.findIndex((f) => f.name === name);
    const groupField = fields.findIndex((f) => f.parent === field);
    const vectors = drawFactors(
      rng,
      rows,
      field,
      fields[field].cardinality,
      l.dim,
      l.groupShare ?? 0,
      groupField,
      groupField >= 0 ? fields[groupField].cardinality : 0,
    );
    return { field, vectors };
  };
  const user = factorsOf(l.user);
  const item = factorsOf(l.item);
  return {
    userField: user.field,
    itemField: item.field,
    dim: l.dim,
    user: user.vectors,
    item: item.vectors,
    domainScale: Float64Array.from(spec.domains, (d) => d.latentScale ?? 1),
  };
}

function pieces(
  c: Component,
  rows: SynthRows,
  i: number,
  out: Float64Array,
  latent: LatentFactors | null,
): void {
  const K = rows.numCat;
  const M = rows.numNum;
  let lin = 0;
  for (let k = 0; k < K; k++) lin += c.catW[k][rows.cat[i * K + k]];
  let num = 0;
  let pre = c.reluField >= 0 ? c.reluShift[rows.cat[i * K + c.reluField]] : 0;
  for (let j = 0; j < M; j++) {
    const x = rows.num[i * M + j];
    num += c.numW[j] * x;
    pre += c.reluW[j] * x;
  }
  let cross = 0;
  if (c.crossA >= 0) {
    const a = rows.cat[i * K + c.crossA] * CROSS_DIM;
    const b = rows.cat[i * K + c.crossB] * CROSS_DIM;
    for (let h = 0; h < CROSS_DIM; h++) cross += c.embA[a + h] * c.embB[b + h];
  }
  out[0] = lin;
  out[1] = num;
  out[2] = cross;
  out[3] = Math.max(0, pre);
  if (latent) {
    // [P_u, 1]ᵀ M [Q_i, 1]
    const k = latent.dim;
    const u = rows.cat[i * K + latent.userField] * k;
    const v = rows.cat[i * K + latent.itemField] * k;
    let uMv = 0;
    for (let a = 0; a <= k; a++) {
      let mv = c.latentM[a * (k + 1) + k];
      for (let b = 0; b < k; b++) mv += c.latentM[a * (k + 1) + b] * latent.item[v + b];
      uMv += (a < k ? latent.user[u + a] : 1) * mv;
    }
    out[4] = uMv;
  }
}

function fitNorm(c: Component, rows: SynthRows, ref: ArrayLike<number>, latent: LatentFactors | null): void {
  const np = c.norm.length / 2;
  const p = new Float64Array(np);
  const sum = new Float64Array(np);
  const sq = new Float64Array(np);
  for (let r = 0; r < ref.length; r++) {
    pieces(c, rows, ref[r], p, latent);
    for (let q = 0; q < np; q++) {
      sum[q] += p[q];
      sq[q] += p[q] * p[q];
    }
  }
  for (let q = 0; q < np; q++) {
    const mean = sum[q] / ref.length;
    const std = Math.sqrt(Math.max(0, sq[q] / ref.length - mean * mean));
    c.norm[2 * q] = mean;
    c.norm[2 * q + 1] = std > 1e-9 ? 1 / std : 0;
  }
}

/** The component's value on row i, scored as domain d (which scales the latent piece). */
function evaluate(
  s: PlantedStructure,
  c: Component,
  rows: SynthRows,
  i: number,
  d: number,
  scratch: Float64Array,
): number {
  pieces(c, rows, i, scratch, s.latent);
  const w = s.pieceWeights;
  let v = 0;
  for (let q = 0; q < 4; q++) v += w[q] * (scratch[q] - c.norm[2 * q]) * c.norm[2 * q + 1];
  if (s.latent) v += w[4] * s.latent.domainScale[d] * (scratch[4] - c.norm[8]) * c.norm[9];
  return v;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Logits without bias or temperature, per task; `domainOf(i)` picks whose domain part row i gets. */
function latents(s: PlantedStructure, rows: SynthRows, domainOf: (i: number) => number): Float64Array[] {
  const T = s.numTasks;
  const out = Array.from({ length: T }, () => new Float64Array(rows.n));
  const scratch = new Float64Array(5);
  const { common, own, overlap, apart } = s.mix;
  const dom = (d: number, k: number, i: number): number =>
    overlap * evaluate(s, s.domainCommon[k], rows, i, d, scratch) +
    apart * evaluate(s, s.domainOwn[d][k], rows, i, d, scratch);
  for (let i = 0; i < rows.n; i++) {
    const d = domainOf(i);
    const shared0 = evaluate(s, s.shared[0], rows, i, d, scratch);
    const dom0 = dom(d, 0, i);
    for (let t = 0; t < T; t++) {
      const st = common * shared0 + own * evaluate(s, s.shared[t + 1], rows, i, d, scratch);
      const dt = common * dom0 + own * dom(d, t + 1, i);
      out[t][i] =
        s.scales.shared * st +
        s.scales.domain * dt +
        s.scales.task * evaluate(s, s.task[t], rows, i, d, scratch);
    }
  }
  return out;
}

/** Bias b with mean over `z` of sigmoid(temp·(b + z)) = rate; the mean is increasing in b, so bisection converges. */
function calibrate(z: Float64Array, temp: number, rate: number): number {
  if (z.length === 0) return Math.log(rate / (1 - rate)) / temp;
  let lo = -40;
  let hi = 40;
  for (let it = 0; it < 60; it++) {
    const b = (lo + hi) / 2;
    let m = 0;
    for (let i = 0; i < z.length; i++) m += sigmoid(temp * (b + z[i]));
    if (m / z.length < rate) lo = b;
    else hi = b;
  }
  return (lo + hi) / 2;
}

/** Draws the components from `rng`, standardises them on `rows` and calibrates the biases on them. */
export function plantStructure(spec: SynthSpec, rows: SynthRows, rng: Rng): PlantedStructure {
  const cards = cardinalities(spec);
  const D = spec.domains.length;
  const T = spec.tasks.length;
  const st = spec.structure;
  const latent = drawLatent(spec, rows, rng);
  const latentDim = latent?.dim ?? 0;
  const pool = cards
    .map((_, k) => k)
    .filter((k) => !latent || (k !== latent.userField && k !== latent.itemField));
  const component = (): Component => drawComponent(rng, cards, spec.numeric, latentDim, pool);
  const draw = (): Component[] => Array.from({ length: T + 1 }, component);
  const lw = spec.latent?.weight ?? 0;
  const s: PlantedStructure = {
    numDomains: D,
    numTasks: T,
    scales: { shared: st.shared, domain: st.domainSpecific, task: st.taskSpecific },
    mix: {
      common: Math.sqrt(st.taskCorrelation),
      own: Math.sqrt(1 - st.taskCorrelation),
      overlap: Math.sqrt(st.domainOverlap),
      apart: Math.sqrt(1 - st.domainOverlap),
    },
    shared: draw(),
    domainCommon: draw(),
    domainOwn: Array.from({ length: D }, draw),
    task: Array.from({ length: T }, component),
    bias: new Float64Array(D * T),
    temperature: 1 / Math.sqrt(1 + (Math.PI * st.noise * st.noise) / 8),
    pieceWeights: latent ? [...PIECE_WEIGHTS.map((w) => w * Math.sqrt(1 - lw * lw)), lw] : PIECE_WEIGHTS,
    latent,
  };

  const all = Int32Array.from({ length: rows.n }, (_, i) => i);
  const byDomain = Array.from({ length: D }, (_, d) => all.filter((i) => rows.domain[i] === d));
  for (const c of [...s.shared, ...s.domainCommon, ...s.task]) fitNorm(c, rows, all, latent);
  // A domain's own components are standardised on its own rows: that is where they act.
  s.domainOwn.forEach((cs, d) =>
    cs.forEach((c) => fitNorm(c, rows, byDomain[d].length > 1 ? byDomain[d] : all, latent)),
  );

  const z = latents(s, rows, (i) => rows.domain[i]);
  for (let d = 0; d < D; d++) {
    for (let t = 0; t < T; t++) {
      s.bias[d * T + t] = calibrate(
        Float64Array.from(byDomain[d], (i) => z[t][i]),
        s.temperature,
        cellRate(spec, d, t),
      );
    }
  }
  return s;
}

/**
 * True probability of a positive per task and row. `domainOf` defaults to each row's own domain; passing another
 * scores rows with a different domain's bias and specific part (what a model that ignores the domain would face).
 */
export function trueProbs(
  s: PlantedStructure,
  rows: SynthRows,
  domainOf: (i: number) => number = (i) => rows.domain[i],
): Float64Array[] {
  const z = latents(s, rows, domainOf);
  return z.map((zt, t) => {
    for (let i = 0; i < rows.n; i++)
      zt[i] = sigmoid(s.temperature * (s.bias[domainOf(i) * s.numTasks + t] + zt[i]));
    return zt;
  });
}
