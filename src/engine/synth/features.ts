import type { Rng } from '../util/rng';
import { resolveFields, type SynthSpec } from './spec';

/** Sampled feature rows, columnar. */
export interface SynthRows {
  n: number;
  numCat: number;
  numNum: number;
  /** n domain ids. */
  domain: Int32Array;
  /** n × numCat value ids (value v of field k is written `{prefix}{v}`, by default `c{k+1}_{v}`), row-major. */
  cat: Int32Array;
  /** n × numNum values, already rounded to the 4 decimals the CSV holds, so the truth sees what a model sees. */
  num: Float64Array;
}

/** Cumulative distribution of `p`, for sampling by binary search. */
function cdf(p: Float64Array): Float64Array {
  const out = new Float64Array(p.length);
  let acc = 0;
  for (let i = 0; i < p.length; i++) out[i] = acc += p[i];
  for (let i = 0; i < p.length; i++) out[i] /= acc;
  return out;
}

function sample(c: Float64Array, u: number): number {
  let lo = 0;
  let hi = c.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function permutation(rng: Rng, n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return rng.shuffle(p);
}

/**
 * Per-domain feature distributions. A field's value frequencies are Zipf over a ranking that mixes one global
 * ranking with a per-domain one (weight 1 − the field's domainOverlap), so domains have their own head values,
 * as real scenarios do; numerics get a per-domain mean shift of the same kind. A field with a parent gets
 * instead a map from the parent's values to its own (`parentMap`), Zipf over its values: groups of unequal size.
 */
function featureDistributions(
  spec: SynthSpec,
  rng: Rng,
): { catCdf: Float64Array[][]; parentMap: (Int32Array | null)[]; numMean: Float64Array[] } {
  const D = spec.domains.length;
  const fields = resolveFields(spec);
  const zipfOf = (V: number, skew: number): Float64Array => {
    const zipf = new Float64Array(V);
    for (let r = 0; r < V; r++) zipf[r] = 1 / Math.pow(r + 1, skew);
    return zipf;
  };
  const parentMap = fields.map((f) => {
    if (f.parent < 0) return null;
    const zipf = zipfOf(f.cardinality, f.skew);
    const order = permutation(rng, f.cardinality);
    const c = cdf(Float64Array.from(order, (r) => zipf[r]));
    return Int32Array.from({ length: fields[f.parent].cardinality }, () => sample(c, rng.next()));
  });
  const catCdf = fields.map((f) => {
    if (f.parent >= 0) return [];
    const V = f.cardinality;
    const o = f.domainOverlap;
    const zipf = zipfOf(V, f.skew);
    const global = permutation(rng, V);
    return Array.from({ length: D }, () => {
      const own = permutation(rng, V);
      const p = new Float64Array(V);
      for (let v = 0; v < V; v++) p[v] = o * zipf[global[v]] + (1 - o) * zipf[own[v]];
      return cdf(p);
    });
  });
  const o = spec.structure.domainOverlap;
  const numMean = Array.from({ length: D }, () => {
    const m = new Float64Array(spec.numeric);
    for (let j = 0; j < m.length; j++) m[j] = 0.5 * Math.sqrt(1 - o) * rng.normal();
    return m;
  });
  return { catCdf, parentMap, numMean };
}

/** Draws the feature distributions from `paramRng` and `spec.rows` rows from `rowRng`. */
export function sampleRows(spec: SynthSpec, paramRng: Rng, rowRng: Rng): SynthRows {
  const { catCdf, parentMap, numMean } = featureDistributions(spec, paramRng);
  const parents = resolveFields(spec).map((f) => f.parent);
  const n = spec.rows;
  const K = spec.categorical.count;
  const M = spec.numeric;
  const domainCdf = cdf(Float64Array.from(spec.domains, (d) => d.weight));
  const rows: SynthRows = {
    n,
    numCat: K,
    numNum: M,
    domain: new Int32Array(n),
    cat: new Int32Array(n * K),
    num: new Float64Array(n * M),
  };
  for (let i = 0; i < n; i++) {
    const d = sample(domainCdf, rowRng.next());
    rows.domain[i] = d;
    for (let k = 0; k < K; k++) {
      const map = parentMap[k];
      // A derived value costs no draw: parents come earlier, so theirs is already in the row.
      rows.cat[i * K + k] = map ? map[rows.cat[i * K + parents[k]]] : sample(catCdf[k][d], rowRng.next());
    }
    for (let j = 0; j < M; j++)
      rows.num[i * M + j] = Math.round((numMean[d][j] + rowRng.normal()) * 1e4) / 1e4;
  }
  return rows;
}
