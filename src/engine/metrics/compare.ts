/** Statistics for comparing runs across seeds: a metric's mean and spread, and whether a gap exceeds seed noise. */

export interface Summary {
  /** null for no values. */
  mean: number | null;
  /** Sample standard deviation (n − 1); null below two values, where the spread is unknown. */
  std: number | null;
  n: number;
}

export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  if (n === 0) return { mean: null, std: null, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, std: null, n };
  const ss = values.reduce((a, x) => a + (x - mean) ** 2, 0);
  return { mean, std: Math.sqrt(ss / (n - 1)), n };
}

export type NoiseVerdict = 'within-noise' | 'beyond-noise' | 'noise-unknown';

export interface CellComparison {
  /** mean(a) − mean(b). */
  diff: number;
  /** Standard error of that difference, √(s_a²/n_a + s_b²/n_b); null when either side has fewer than two seeds. */
  standardError: number | null;
  verdict: NoiseVerdict;
}

/**
 * Compares one metric of two configurations over their seeds. The rule: the gap is within seed noise when
 * |Δmean| ≤ 2 × the standard error of the difference (unequal variances allowed, so neither side's spread is
 * borrowed by the other), and unknown when either side has a single seed, since one run says nothing about
 * its spread. Two standard errors is about a 95 % interval for a normal difference; with the 2–5 seeds a
 * browser can afford it is a screening rule, not a significance test (a t interval would be wider), which is
 * why a gap beyond it is worth more seeds rather than a conclusion.
 */
export function compareCells(a: readonly number[], b: readonly number[]): CellComparison {
  const sa = summarize(a);
  const sb = summarize(b);
  if (sa.mean === null || sb.mean === null)
    throw new Error('compareCells needs at least one value on each side');
  const diff = sa.mean - sb.mean;
  if (sa.std === null || sb.std === null) return { diff, standardError: null, verdict: 'noise-unknown' };
  const standardError = Math.sqrt(sa.std ** 2 / sa.n + sb.std ** 2 / sb.n);
  return {
    diff,
    standardError,
    verdict: Math.abs(diff) <= 2 * standardError ? 'within-noise' : 'beyond-noise',
  };
}

/**
 * For a table of means (rows = configurations, columns = metrics), marks the best value of each column: the
 * largest, or the smallest where `higherIsBetter[c]` is false (logloss). Ties mark every tied row; a null
 * (a metric a run could not compute) is never best.
 */
export function bestPerColumn(
  rows: readonly (readonly (number | null)[])[],
  higherIsBetter: readonly boolean[] = [],
): boolean[][] {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const best: (number | null)[] = [];
  for (let c = 0; c < columns; c++) {
    const sign = higherIsBetter[c] === false ? -1 : 1;
    const values = rows
      .map((r) => r[c])
      .filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
    best.push(values.length === 0 ? null : sign * Math.max(...values.map((v) => sign * v)));
  }
  return rows.map((r) => r.map((v, c) => v !== null && v === best[c]));
}
