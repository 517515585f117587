import { describe, expect, it } from 'vitest';
import type { EvalReport, GateStats } from '../../engine/train/report';
import {
  dimLabels,
  fmtCompact,
  gateSelectionSpec,
  gateWeightsSpec,
  hasReadouts,
  inspectionArrays,
  inspectionHeatmapSpec,
  inspectionVectorLabels,
  isSparseGate,
  keyDims,
  lossTermNames,
  rightAxisLines,
  readoutNames,
  readoutScalars,
  type ReadoutPoint,
} from './readouts';

const gate = (name: string, selectedByDomain: number[][], selectionMi = 0): GateStats => ({
  name,
  byDomain: selectedByDomain.map((row) => row.map((v) => v / row.length)),
  overall: selectedByDomain[0].map(() => 0.25),
  selectedByDomain,
  activePerRow: 2,
  selectionMi,
});

const report = (extra: Partial<EvalReport>): EvalReport => ({
  split: 'valid',
  partial: true,
  rows: 10,
  byCell: [],
  byTask: [],
  meanCellAuc: null,
  meanTaskAuc: null,
  aux: {},
  gates: [],
  ...extra,
});

const names = { domains: ['books', 'films'], tasks: ['click', 'buy'] };

describe('sparse-gate detection', () => {
  it('a dense softmax gate selects every expert in every row', () => {
    expect(
      isSparseGate(
        gate('g', [
          [1, 1, 1],
          [1, 1, 1],
        ]),
      ),
    ).toBe(false);
  });
  it('a top-k gate leaves some experts out', () => {
    expect(
      isSparseGate(
        gate('g', [
          [1, 0.5, 0.5],
          [1, 1, 0],
        ]),
      ),
    ).toBe(true);
  });
  it('a dense gate whose weight underflows to 0 in a few rows is not selecting (PLE: all 1.00, MI ±1e-16)', () => {
    expect(
      isSparseGate(
        gate('g', [
          [1, 0.9997, 1, 0.99995],
          [0.9999, 1, 1, 1],
        ]),
      ),
    ).toBe(false);
  });
  it("ignores a domain without rows in the pass (an all-zero row), and experts outside the gate (PLE's other units)", () => {
    expect(
      isSparseGate(
        gate('g', [
          [1, 1],
          [0, 0],
        ]),
      ),
    ).toBe(false);
    expect(
      isSparseGate(
        gate('g', [
          [1, 0.5],
          [0, 0],
        ]),
      ),
    ).toBe(true);
    expect(
      isSparseGate(
        gate('ple', [
          [0.9999, 1, 0, 0],
          [1, 1, 0, 0],
        ]),
      ),
    ).toBe(false);
  });
  it('a gate that gives each domain its own expert selects, though every share is 0 or 1', () => {
    expect(
      isSparseGate(
        gate('g', [
          [1, 0],
          [0, 1],
        ]),
      ),
    ).toBe(true);
  });
});

describe('readout scalars', () => {
  it('takes the inspection numbers and the MI of sparse gates only, by name', () => {
    const r = report({
      inspect: { 'σ(α_D)': 0.73, phase: 1, drift: [0.1, 0.2], 'mask [layer][expert]': [[0, 1]] },
      gates: [
        gate('dense', [[1, 1]], 0),
        gate(
          'top-1',
          [
            [1, 0],
            [0, 1],
          ],
          0.69,
        ),
      ],
    });
    expect(readoutScalars(r)).toEqual({ 'σ(α_D)': 0.73, phase: 1, 'MI · top-1': 0.69 });
    expect(hasReadouts(r)).toBe(true);
  });
  it('has nothing for a dense model without inspection', () => {
    const r = report({ gates: [gate('dense', [[1, 1]])] });
    expect(readoutScalars(r)).toEqual({});
    expect(hasReadouts(r)).toBe(false);
    expect(hasReadouts(undefined)).toBe(false);
  });
  it('has readouts when the inspection holds only arrays', () => {
    expect(hasReadouts(report({ inspect: { m: [[1]] } }))).toBe(true);
    expect(hasReadouts(report({ inspect: { v: [] } }))).toBe(false);
  });
  it('names the lines of a run in first-seen order, a name present in some points only included', () => {
    const points: ReadoutPoint[] = [
      { step: 5, values: { a: 1, b: 2 } },
      { step: 10, values: { b: 2, c: 3 } },
    ];
    expect(readoutNames(points)).toEqual(['a', 'b', 'c']);
  });
});

describe('readout axes', () => {
  const pts = (values: Record<string, number>[]): ReadoutPoint[] =>
    values.map((v, i) => ({ step: i, values: v }));
  it('keeps lines of one scale on one axis', () => {
    expect(
      rightAxisLines(pts([{ a: 0.7, b: 0.3, phase: 1, mi: 0.05 }]), ['a', 'b', 'phase', 'mi']).size,
    ).toBe(0);
  });
  it('moves the lines past the widest gap of magnitudes to the right axis', () => {
    const p = pts([
      { phase: 0, frac: 0.2, params: 120000, mmoe: 300000 },
      { phase: 1, frac: 0.4, params: 80000, mmoe: 300000 },
    ]);
    expect([...rightAxisLines(p, ['phase', 'frac', 'params', 'mmoe'])].sort()).toEqual(['mmoe', 'params']);
  });
  it('leaves all-zero and non-finite lines on the left', () => {
    expect(rightAxisLines(pts([{ z: 0, n: NaN, a: 1 }]), ['z', 'n', 'a']).size).toBe(0);
  });
});

describe('loss term names', () => {
  it('gives every task and auxiliary term its line, however few steps report it', () => {
    const points: { task: Record<string, number>; aux: Record<string, number> }[] = [
      { task: { click: 0.6, buy: 0.4 }, aux: { 'L0 neuron': 0.1 } },
      { task: { click: 0.5, buy: 0.3 }, aux: { 'L0 neuron': 0.1, 'L0 mask': 0.2 } },
      { task: { click: 0.5, buy: 0.3 }, aux: { '−λ·MI': -0.01 } },
    ];
    expect(lossTermNames(points)).toEqual({
      tasks: ['click', 'buy'],
      aux: ['L0 neuron', 'L0 mask', '−λ·MI'],
    });
  });
});

describe('inspection arrays', () => {
  it('splits vectors from matrices and leaves scalars and empty arrays out', () => {
    const { vectors, matrices } = inspectionArrays({
      s: 1,
      v: [1, 2],
      e: [],
      m: [
        [1, 2],
        [3, 4],
      ],
      em: [[]],
    });
    expect(vectors).toEqual([['v', [1, 2]]]);
    expect(matrices).toEqual([
      [
        'm',
        [
          [1, 2],
          [3, 4],
        ],
      ],
    ]);
    expect(inspectionArrays(undefined)).toEqual({ vectors: [], matrices: [] });
  });
});

describe('heatmap specs', () => {
  it('reads trailing dimension names from a key', () => {
    expect(keyDims('mean |W_d − 1| [layer][domain]')).toEqual(['layer', 'domain']);
    expect(keyDims('zero fraction [expert]')).toEqual(['expert']);
    expect(keyDims('σ(α_D)')).toEqual([]);
    expect(keyDims('x[0] of y')).toEqual([]);
  });
  it('labels a dimension by domain or task names when the count matches, else by index', () => {
    expect(dimLabels('domain', 2, names).short).toEqual(['books', 'films']);
    expect(dimLabels('domain', 3, names).long).toEqual(['domain 0', 'domain 1', 'domain 2']);
    expect(dimLabels('task', 2, names).long).toEqual(['click', 'buy']);
    expect(dimLabels('expert', 2, names)).toEqual({ short: ['e0', 'e1'], long: ['expert 0', 'expert 1'] });
    expect(dimLabels(undefined, 2, names)).toEqual({ short: ['0', '1'], long: ['0', '1'] });
  });
  it('builds an inspection heatmap with named rows and columns', () => {
    const spec = inspectionHeatmapSpec(
      'drift [layer][domain]',
      [
        [0.1, 0.2],
        [0.3, 0.4],
      ],
      names,
    );
    expect(spec.rows).toEqual(['layer 0', 'layer 1']);
    expect(spec.cols).toEqual(['books', 'films']);
    expect(spec.values).toEqual([
      [0.1, 0.2],
      [0.3, 0.4],
    ]);
    const plain = inspectionHeatmapSpec('m', [[1, 2, 3]], names);
    expect(plain.rows).toEqual(['row 0']);
    expect(plain.cols).toEqual(['0', '1', '2']);
    expect(inspectionVectorLabels('per [expert]', 2, names).short).toEqual(['e0', 'e1']);
  });
  it('builds gate weight (with the all row) and selection heatmaps', () => {
    const g = gate('g', [
      [1, 0.5],
      [0, 1],
    ]);
    const w = gateWeightsSpec(g, ['books', '']);
    expect(w.rows).toEqual(['books', 'domain 1', 'all']);
    expect(w.cols).toEqual(['e0', 'e1']);
    expect(w.totalRow).toBe(true);
    expect(w.values).toHaveLength(3);
    const s = gateSelectionSpec(g, ['books', 'films']);
    expect(s.rows).toEqual(['books', 'films']);
    expect(s.values).toEqual([
      [1, 0.5],
      [0, 1],
    ]);
    expect(s.totalRow).toBeUndefined();
  });
  it('formats cell numbers compactly', () => {
    expect([0, 0.7311, 12.34, 123.4, 0.0042, 0.00996, 0.00001, 12345, 250000, -0.5].map(fmtCompact)).toEqual([
      '0',
      '0.73',
      '12',
      '123',
      '0.0042',
      '0.01',
      '1e-5',
      '1.2e4',
      '2.5e5',
      '-0.5',
    ]);
  });
});
