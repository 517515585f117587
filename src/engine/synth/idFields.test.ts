import { describe, expect, it } from 'vitest';
import type { SynthRows } from './features';
import { generate, sampleTruth } from './generate';
import { validateSpec, type SynthSpec } from './spec';
import { trueProbs } from './structure';

/** A small id-heavy spec: user and item ids, a segment and a category derived from them, one context field. */
function idSpec(
  over: Partial<SynthSpec> = {},
  latent: Partial<NonNullable<SynthSpec['latent']>> = {},
): SynthSpec {
  return {
    id: 'test-ids',
    name: 'ids',
    description: 'test',
    rows: 4000,
    seed: 11,
    domains: [
      { name: 'a', weight: 0.5 },
      { name: 'b', weight: 0.5, rateScale: 1.2 },
    ],
    tasks: [
      { name: 'click', rate: 0.2 },
      { name: 'like', rate: 0.08 },
    ],
    categorical: {
      count: 5,
      cardinality: [300, 200, 6, 12, 4],
      skew: 1,
      fields: [
        { name: 'user_id', prefix: 'u', skew: 1.1, domainOverlap: 1 },
        { name: 'item_id', prefix: 'i', domainOverlap: 0 },
        { name: 'user_segment', prefix: 'seg', parent: 'user_id' },
        { name: 'item_category', prefix: 'cat', parent: 'item_id' },
        { name: 'device', prefix: 'dev' },
      ],
    },
    numeric: 2,
    numericNames: ['price_z', 'recency_z'],
    structure: {
      shared: 1,
      domainSpecific: 0.8,
      taskSpecific: 0.4,
      taskCorrelation: 0.5,
      domainOverlap: 0.5,
      noise: 0.5,
    },
    latent: { user: 'user_id', item: 'item_id', dim: 3, weight: 0.6, groupShare: 0.3, ...latent },
    ...over,
  };
}

const USER = 0;
const ITEM = 1;
const SEGMENT = 2;

/** Rows i of `rows`, once per entry of `edits`, each copy changed by its edit (field k → value). */
function variants(rows: SynthRows, i: number, edits: Record<number, number>[]): SynthRows {
  const K = rows.numCat;
  const M = rows.numNum;
  const n = edits.length;
  const out: SynthRows = {
    n,
    numCat: K,
    numNum: M,
    domain: new Int32Array(n).fill(rows.domain[i]),
    cat: new Int32Array(n * K),
    num: new Float64Array(n * M),
  };
  edits.forEach((edit, r) => {
    for (let k = 0; k < K; k++) out.cat[r * K + k] = edit[k] ?? rows.cat[i * K + k];
    for (let j = 0; j < M; j++) out.num[r * M + j] = rows.num[i * M + j];
  });
  return out;
}

const logit = (p: number): number => Math.log(p / (1 - p));

/** logit(u,i) − logit(u,i') − logit(u',i) + logit(u',i'): zero for any additive effect of user and item. */
function interaction(spec: SynthSpec, row: number): number {
  const { rows, structure } = sampleTruth(spec);
  const u = rows.cat[row * rows.numCat + USER];
  const it = rows.cat[row * rows.numCat + ITEM];
  const v = variants(rows, row, [
    {},
    { [ITEM]: (it + 1) % 200 },
    { [USER]: (u + 1) % 300 },
    { [USER]: (u + 1) % 300, [ITEM]: (it + 1) % 200 },
  ]);
  const p = trueProbs(structure, v)[0];
  return logit(p[0]) - logit(p[1]) - logit(p[2]) + logit(p[3]);
}

describe('synth: named, derived and id fields with latent factors', () => {
  const spec = idSpec();
  const res = generate(spec);
  const { rows } = res.truth;
  const K = rows.numCat;

  it('writes the fields under their names, values with their prefixes, and maps them', () => {
    const lines = res.csv.split('\n');
    expect(lines[0]).toBe(
      'domain,user_id,item_id,user_segment,item_category,device,price_z,recency_z,click,like,split',
    );
    expect(lines[1]).toMatch(
      /^[ab],u\d+,i\d+,seg\d+,cat\d+,dev\d+,-?\d+\.\d{4},-?\d+\.\d{4},[01],[01],(train|valid|test)$/,
    );
    expect(res.mapping.categorical).toEqual([
      'user_id',
      'item_id',
      'user_segment',
      'item_category',
      'device',
    ]);
    expect(res.mapping.numeric).toEqual(['price_z', 'recency_z']);
  });

  it('derives a field from its parent: one value per parent value, in groups of unequal size', () => {
    const segmentOf = new Map<number, number>();
    for (let i = 0; i < rows.n; i++) {
      const user = rows.cat[i * K + USER];
      const seg = rows.cat[i * K + SEGMENT];
      if (!segmentOf.has(user)) segmentOf.set(user, seg);
      expect(seg).toBe(segmentOf.get(user));
    }
    const sizes = new Array<number>(6).fill(0);
    for (const seg of segmentOf.values()) sizes[seg]++;
    expect(Math.max(...sizes)).toBeGreaterThan(2 * Math.min(...sizes));
  });

  it('gives each field its own domain overlap: users alike in both domains, items not', () => {
    // Total variation distance between the two domains' value frequencies of field k.
    const distance = (k: number, V: number): number => {
      const f = [new Float64Array(V), new Float64Array(V)];
      const n = [0, 0];
      for (let i = 0; i < rows.n; i++) {
        f[rows.domain[i]][rows.cat[i * K + k]]++;
        n[rows.domain[i]]++;
      }
      let tv = 0;
      for (let v = 0; v < V; v++) tv += Math.abs(f[0][v] / n[0] - f[1][v] / n[1]) / 2;
      return tv;
    };
    expect(distance(USER, 300)).toBeLessThan(0.25);
    expect(distance(ITEM, 200)).toBeGreaterThan(0.5);
  });

  it('lets user and item act only through the latent piece, as an interaction', () => {
    const row = 5;
    expect(Math.abs(interaction(spec, row))).toBeGreaterThan(0.01);
    // Weight 0: the ids carry no signal at all, so swapping them changes no probability.
    const still = idSpec({}, { weight: 0 });
    const t = sampleTruth(still);
    const v = variants(t.rows, row, [{}, { [USER]: 7, [ITEM]: 9 }, { [USER]: 123, [ITEM]: 45 }]);
    for (const p of trueProbs(t.structure, v)) {
      expect(p[1]).toBe(p[0]);
      expect(p[2]).toBe(p[0]);
    }
  });

  it('scales the latent piece per domain: with latentScale 0 the ids do not matter there', () => {
    const quiet = idSpec({
      domains: [
        { name: 'a', weight: 0.5, latentScale: 0 },
        { name: 'b', weight: 0.5, rateScale: 1.2 },
      ],
    });
    const t = sampleTruth(quiet);
    const inDomain = (d: number): number => Array.from(t.rows.domain).indexOf(d);
    const change = (row: number): number => {
      const p = trueProbs(t.structure, variants(t.rows, row, [{}, { [USER]: 3, [ITEM]: 4 }]))[0];
      return Math.abs(p[1] - p[0]);
    };
    expect(change(inDomain(0))).toBe(0);
    expect(change(inDomain(1))).toBeGreaterThan(1e-4);
  });

  it('gives users of one segment the same factors when groupShare is 1', () => {
    const grouped = idSpec({}, { groupShare: 1 });
    const t = sampleTruth(grouped);
    const row = 0;
    const seg = t.rows.cat[row * K + SEGMENT];
    let peer = -1;
    for (let i = 0; i < t.rows.n && peer < 0; i++) {
      const u = t.rows.cat[i * K + USER];
      if (t.rows.cat[i * K + SEGMENT] === seg && u !== t.rows.cat[row * K + USER]) peer = u;
    }
    expect(peer).toBeGreaterThanOrEqual(0);
    // The segment field is kept as it is: only the user id changes, within its segment.
    const v = variants(t.rows, row, [{}, { [USER]: peer }]);
    for (const p of trueProbs(t.structure, v)) expect(p[1]).toBeCloseTo(p[0], 12);
    const own = trueProbs(sampleTruth(idSpec({}, { groupShare: 0 })).structure, v);
    expect(Math.abs(own[0][1] - own[0][0])).toBeGreaterThan(1e-4);
  });

  it('rejects id specs it cannot honour, naming the setting', () => {
    const fields = spec.categorical.fields!;
    const withFields = (f: typeof fields): SynthSpec =>
      idSpec({ categorical: { ...spec.categorical, fields: f } });
    expect(() =>
      validateSpec(
        withFields([fields[0], fields[1], { ...fields[2], parent: 'item_category' }, fields[3], fields[4]]),
      ),
    ).toThrow(/fields\[2\] \(user_segment\): parent "item_category" must name an earlier field/);
    expect(() => validateSpec(withFields([{ ...fields[0], prefix: '7' }, ...fields.slice(1)]))).toThrow(
      /prefix/,
    );
    expect(() => validateSpec(withFields(fields.slice(1)))).toThrow(/describe every field/);
    expect(() =>
      validateSpec(withFields([fields[0], { ...fields[1], name: 'user_id' }, ...fields.slice(2)])),
    ).toThrow(/distinct/);
    expect(() => validateSpec(idSpec({}, { item: 'item' }))).toThrow(
      /latent.item "item" must name a categorical field/,
    );
    expect(() => validateSpec(idSpec({}, { weight: 1 }))).toThrow(/latent.weight/);
    expect(() => validateSpec(idSpec({ tasks: [{ name: 'device', rate: 0.1 }] }))).toThrow(/clashes/);
    expect(() => validateSpec(idSpec({ numericNames: ['price_z'] }))).toThrow(/numericNames/);
    expect(() =>
      validateSpec(idSpec({ latent: undefined, domains: [{ name: 'a', weight: 1, latentScale: 2 }] })),
    ).toThrow(/latentScale needs a latent block/);
  });
});
