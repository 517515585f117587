import { describe, expect, it } from 'vitest';
import { bestPerColumn, compareCells, summarize } from './compare';

describe('summarize', () => {
  it('gives the mean and the sample standard deviation (n − 1)', () => {
    // mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, variance 5 / 3.
    const s = summarize([1, 2, 3, 4]);
    expect(s.n).toBe(4);
    expect(s.mean).toBe(2.5);
    expect(s.std).toBeCloseTo(Math.sqrt(5 / 3), 12);
  });

  it('leaves the spread unknown for one value and everything for none', () => {
    expect(summarize([0.7])).toEqual({ mean: 0.7, std: null, n: 1 });
    expect(summarize([])).toEqual({ mean: null, std: null, n: 0 });
  });
});

describe('compareCells', () => {
  it('calls a gap beyond two standard errors of the difference beyond noise', () => {
    // Means 0.82 and 0.72, each std 0.02 over 3 seeds: SE = √(2 · 0.0004 / 3) ≈ 0.01633, 2 SE ≈ 0.0327 < 0.1.
    const c = compareCells([0.8, 0.82, 0.84], [0.7, 0.72, 0.74]);
    expect(c.diff).toBeCloseTo(0.1, 12);
    expect(c.standardError).toBeCloseTo(Math.sqrt(0.0008 / 3), 12);
    expect(c.verdict).toBe('beyond-noise');
  });

  it('puts the threshold at two standard errors', () => {
    // a = [1, 3]: mean 2, variance 2, so SE = √(2 / 2 + 0) = 1 against a constant b: the threshold is a gap of 2.
    expect(compareCells([1, 3], [0.1, 0.1])).toMatchObject({ verdict: 'within-noise', standardError: 1 });
    expect(compareCells([1, 3], [-0.1, -0.1])).toMatchObject({ verdict: 'beyond-noise', standardError: 1 });
    expect(compareCells([1, 3], [0.1, 0.1]).diff).toBeCloseTo(1.9, 12);
  });

  it('calls a gap smaller than the seeds’ spread within noise', () => {
    // Means 0.82 and 0.81, each variance 0.0008: SE = √0.0008 ≈ 0.0283 and the gap is 0.01.
    expect(compareCells([0.8, 0.84], [0.79, 0.83]).verdict).toBe('within-noise');
  });

  it('says the noise is unknown when a side has a single seed, and still gives the gap', () => {
    const c = compareCells([0.8], [0.7, 0.71]);
    expect(c.verdict).toBe('noise-unknown');
    expect(c.standardError).toBeNull();
    expect(c.diff).toBeCloseTo(0.095, 12);
  });

  it('refuses an empty side', () => {
    expect(() => compareCells([], [0.7])).toThrow(/at least one value on each side/);
  });
});

describe('bestPerColumn', () => {
  it('marks the highest mean per column, every row of a tie, and never a missing value', () => {
    const rows = [
      [0.8, null, 0.5],
      [0.7, 0.6, 0.5],
      [0.8, 0.4, null],
    ];
    expect(bestPerColumn(rows)).toEqual([
      [true, false, true],
      [false, true, true],
      [true, false, false],
    ]);
  });

  it('marks the lowest where lower is better (logloss)', () => {
    expect(
      bestPerColumn(
        [
          [0.8, 0.3],
          [0.9, 0.2],
        ],
        [true, false],
      ),
    ).toEqual([
      [false, false],
      [true, true],
    ]);
  });
});
