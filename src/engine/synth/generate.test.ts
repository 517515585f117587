import { describe, expect, it } from 'vitest';
import { auc } from '../metrics/auc';
import { SPLITS } from '../data/types';
import { generate } from './generate';
import { cellRate, validateSpec, type SynthSpec, type SynthStructure } from './spec';
import { trueProbs } from './structure';

function smallSpec(structure: Partial<SynthStructure> = {}, over: Partial<SynthSpec> = {}): SynthSpec {
  return {
    id: 'test-small',
    name: 'small',
    description: 'test',
    rows: 6000,
    seed: 7,
    domains: [
      { name: 'a', weight: 0.6 },
      { name: 'b', weight: 0.4, rateScale: 1.5 },
    ],
    tasks: [
      { name: 'click', rate: 0.2 },
      { name: 'convert', rate: 0.06 },
    ],
    categorical: { count: 4, cardinality: [30, 12, 6, 3], skew: 1 },
    numeric: 2,
    structure: {
      shared: 1,
      domainSpecific: 1.2,
      taskSpecific: 0.5,
      taskCorrelation: 0.5,
      domainOverlap: 0.3,
      noise: 0.5,
      ...structure,
    },
    ...over,
  };
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let c = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    c += (a[i] - ma) * (b[i] - mb);
    va += (a[i] - ma) ** 2;
    vb += (b[i] - mb) ** 2;
  }
  return c / Math.sqrt(va * vb);
}

const rowsWhere = (n: number, keep: (i: number) => boolean): number[] =>
  Array.from({ length: n }, (_, i) => i).filter(keep);

describe('synth generate', () => {
  const spec = smallSpec();
  const res = generate(spec);
  const { rows, probs, labels, split } = res.truth;

  it('is deterministic in the seed', () => {
    expect(generate(spec).csv).toBe(res.csv);
    const other = generate({ ...spec, seed: spec.seed + 1 }).csv;
    expect(other).not.toBe(res.csv);
    expect(other.split('\n')[0]).toBe(res.csv.split('\n')[0]);
  });

  it('writes a header the mapping refers to, and one line per row', () => {
    const lines = res.csv.trimEnd().split('\n');
    const header = lines[0].split(',');
    expect(lines).toHaveLength(spec.rows + 1);
    const m = res.mapping;
    const named = [
      m.domain,
      ...m.tasks.map((t) => t.column),
      ...(m.numeric ?? []),
      ...(m.categorical ?? []),
      m.split ?? '',
    ];
    expect(new Set(named)).toEqual(new Set(header));
    expect(named).toHaveLength(header.length);
    expect(m.dataset).toBe(spec.id);
    expect(m.tasks.every((t) => t.rule === '== 1')).toBe(true);
    const first = lines[1].split(',');
    expect(first).toHaveLength(header.length);
    expect(first[header.indexOf('c2')]).toMatch(/^c2_\d+$/);
    expect(first[header.indexOf('n1')]).toMatch(/^-?\d+\.\d{4}$/);
    expect(['train', 'valid', 'test']).toContain(first[header.indexOf('split')]);
  });

  it('reports per-cell stats that match the CSV', () => {
    const lines = res.csv
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const header = res.csv.split('\n')[0].split(',');
    for (const s of SPLITS) {
      for (const d of spec.domains) {
        const mine = lines.filter((l) => l[0] === d.name && l[header.length - 1] === s);
        for (const t of spec.tasks) {
          const col = header.indexOf(t.name);
          expect(res.stats[s][d.name][t.name]).toEqual({
            rows: mine.length,
            positives: mine.filter((l) => l[col] === '1').length,
          });
        }
      }
    }
    const train = rowsWhere(rows.n, (i) => split[i] === 0).length;
    expect(train).toBe(Math.round(0.8 * spec.rows));
  });

  it('hits each cell’s positive rate: exactly in mean probability, within sampling noise in labels', () => {
    spec.domains.forEach((_, d) => {
      const idx = rowsWhere(rows.n, (i) => rows.domain[i] === d);
      spec.tasks.forEach((_, t) => {
        const target = cellRate(spec, d, t);
        const meanP = idx.reduce((s, i) => s + probs[t][i], 0) / idx.length;
        expect(meanP).toBeCloseTo(target, 6);
        const rate = idx.reduce((s, i) => s + labels[t][i], 0) / idx.length;
        expect(Math.abs(rate - target)).toBeLessThan(4 * Math.sqrt((target * (1 - target)) / idx.length));
      });
    });
  });

  it('publishes oracle AUCs equal to auc(true probabilities, labels) on the split rows', () => {
    (['valid', 'test'] as const).forEach((s) => {
      const si = SPLITS.indexOf(s);
      spec.tasks.forEach((task, t) => {
        const all = rowsWhere(rows.n, (i) => split[i] === si);
        expect(res.oracle[s].byTask[task.name]).toBe(auc(probs[t], labels[t], all));
        spec.domains.forEach((dom, d) => {
          const cell = all.filter((i) => rows.domain[i] === d);
          const a = res.oracle[s].byCell[dom.name][task.name];
          expect(a).toBe(auc(probs[t], labels[t], cell));
          // A visible ceiling: informative, but clearly short of perfect.
          expect(a).toBeGreaterThan(0.6);
          expect(a).toBeLessThan(0.97);
        });
      });
    });
  });

  it('makes the tasks’ true probabilities more correlated as taskCorrelation grows', () => {
    const corr = (c: number): number => {
      const p = generate(smallSpec({ taskCorrelation: c })).truth.probs;
      return pearson(p[0], p[1]);
    };
    const low = corr(0);
    const high = corr(0.9);
    expect(high).toBeGreaterThan(0.5);
    expect(high - low).toBeGreaterThan(0.3);
  });

  it('plants domain-specific signal: another domain’s parameters score a domain worse, unless domains overlap fully', () => {
    const wrongGap = (overlap: number): number[] => {
      const r = generate(smallSpec({ domainOverlap: overlap, domainSpecific: 1.5 }));
      const { rows: x, structure, probs: p, labels: y } = r.truth;
      const swapped = trueProbs(structure, x, (i) => 1 - x.domain[i]);
      return [0, 1].flatMap((d) =>
        [0, 1].map((t) => {
          const cell = rowsWhere(x.n, (i) => x.domain[i] === d);
          return (auc(p[t], y[t], cell) ?? 0) - (auc(swapped[t], y[t], cell) ?? 0);
        }),
      );
    };
    for (const gap of wrongGap(0)) expect(gap).toBeGreaterThan(0.05);
    // Fully overlapping domains differ only in their bias: a constant shift leaves the ranking within a domain.
    for (const gap of wrongGap(1)) expect(Math.abs(gap)).toBeLessThan(1e-6);
  });

  it('lowers the oracle AUC as noise grows', () => {
    const quiet = generate(smallSpec({ noise: 0 })).oracle.test.byTask;
    const noisy = generate(smallSpec({ noise: 2.5 })).oracle.test.byTask;
    for (const t of spec.tasks) expect(noisy[t.name]!).toBeLessThan(quiet[t.name]! - 0.03);
  });

  it('rejects specs it cannot honour', () => {
    expect(() => validateSpec(smallSpec({ taskCorrelation: 1.5 }))).toThrow(/taskCorrelation/);
    expect(() =>
      validateSpec(smallSpec({}, { categorical: { count: 3, cardinality: [4, 4], skew: 1 } })),
    ).toThrow(/one value per field/);
    expect(() => validateSpec(smallSpec({}, { tasks: [{ name: 'split', rate: 0.1 }] }))).toThrow(/clashes/);
    expect(() => validateSpec(smallSpec({}, { tasks: [{ name: 'click', rate: 0.8 }] }))).toThrow(
      /positive rate/,
    );
  });
});
