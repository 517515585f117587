/**
 * Axis ranges and ticks a reader can use: ticks on round values (1, 2, 2.5 or 5 times a power of ten), labels
 * with exactly the decimals the tick step needs (so no two read the same), whole steps on a step axis, and
 * decades on a log axis. Recharts' own "nice" ticks repeat labels once formatted to a fixed width ("0.70,
 * 0.70, 0.69") and put fractional ticks on step counts.
 */

export interface Axis {
  domain: [number, number];
  ticks: number[];
  /** Tick label. */
  format: (v: number) => string;
}

const MULTIPLIERS = [1, 2, 2.5, 5, 10];

/** The smallest round step that covers `span` in at most `maxTicks - 1` intervals. */
export function niceStep(span: number, maxTicks: number, integer = false): number {
  const raw = span / Math.max(1, maxTicks - 1);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = MULTIPLIERS.find((k) => k * power >= raw * (1 - 1e-9)) ?? 10;
  const step = m * power;
  // A step count has no quarter steps: 2.5 of them becomes 5, and nothing is below 1.
  if (integer) return step < 1 ? 1 : Number.isInteger(step) ? step : Math.ceil(step / power / 5) * 5 * power;
  return step;
}

/** Decimals a step's multiples need to be told apart: 0.25 → 2, 0.5 → 1, 20 → 0. */
export function stepDecimals(step: number): number {
  for (let d = 0; d <= 15; d++) {
    const x = step * 10 ** d;
    if (Math.round(x) !== 0 && Math.abs(Math.round(x) - x) < 1e-6 * x) return d;
  }
  return 15;
}

/**
 * Labels with the decimals of the step: 0.725 and 0.75 never both read "0.73". Steps below 0.001 or from a
 * million up share one power of ten on the axis ("2e-7, 4e-7, 6e-7"), so labels stay short.
 */
export function formatForStep(step: number): (v: number) => string {
  if (step > 0 && (step < 1e-3 || step >= 1e6)) {
    const k = Math.floor(Math.log10(step) + 1e-9);
    const d = stepDecimals(step / 10 ** k);
    return (v) => (v === 0 ? '0' : `${(v / 10 ** k).toFixed(d)}e${k}`);
  }
  const d = stepDecimals(step);
  return (v) => {
    const s = v.toFixed(d);
    // -0.00 reads as a negative zero.
    return Number(s) === 0 ? (0).toFixed(d) : s;
  };
}

/**
 * A linear axis from `lo` to `hi` (widened to round ends), with at most `maxTicks` round ticks. `integer`: a
 * count (steps), whose ticks are whole numbers.
 */
export function linearAxis(lo: number, hi: number, maxTicks = 6, integer = false): Axis {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { domain: [0, 1], ticks: [0, 1], format: String };
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.05;
    [lo, hi] = [lo - pad, hi + pad];
  }
  const step = niceStep(hi - lo, maxTicks, integer);
  const start = Math.floor(lo / step + 1e-9) * step;
  const end = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  const d = stepDecimals(step);
  for (let k = 0; start + k * step <= end + step * 1e-9; k++)
    ticks.push(Number((start + k * step).toFixed(d)));
  return { domain: [ticks[0], ticks[ticks.length - 1]], ticks, format: formatForStep(step) };
}

/**
 * A log axis over positive values: decades, with 2 and 5 between them when it spans few decades, or round
 * linear ticks when it spans less than one (the loss late in a run).
 */
export function logAxis(lo: number, hi: number, maxTicks = 6): Axis {
  if (!(lo > 0) || !(hi > 0)) return linearAxis(Math.max(lo, 1e-6), Math.max(hi, 1e-6), maxTicks);
  if (hi / lo < 10) {
    const step = niceStep(hi - lo, maxTicks);
    const ticks: number[] = [];
    const d = stepDecimals(step);
    for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
      if (v > 0) ticks.push(Number(v.toFixed(d)));
    return { domain: [lo, hi], ticks, format: formatForStep(step) };
  }
  const from = Math.floor(Math.log10(lo));
  const to = Math.ceil(Math.log10(hi));
  const mantissas = Math.log10(hi / lo) <= 2.5 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = from; e <= to; e++)
    for (const m of mantissas) {
      const v = m * 10 ** e;
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(Number(v.toPrecision(3)));
    }
  const format = (v: number) =>
    v >= 0.001 && v < 1e5 ? String(Number(v.toPrecision(3))) : v.toExponential(0).replace('e+', 'e');
  return { domain: [lo, hi], ticks, format };
}

/**
 * An AUC axis over `values` (and the ceilings drawn with them) spanning at least `minSpan`, inside [0, 1]:
 * charts that share it can be read against each other, and noise of ±0.005 is not blown up to fill the chart.
 */
export function aucAxis(values: readonly number[], minSpan = 0.05, maxTicks = 5): Axis {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return linearAxis(0.5, 1, maxTicks);
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (hi - lo < minSpan) {
    const mid = (lo + hi) / 2;
    [lo, hi] = [mid - minSpan / 2, mid + minSpan / 2];
  }
  if (lo < 0) [lo, hi] = [0, Math.max(hi - lo, minSpan)];
  if (hi > 1) [lo, hi] = [Math.min(lo - (hi - 1), 1 - minSpan), 1];
  const axis = linearAxis(lo, hi, maxTicks);
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const ticks = axis.ticks.filter((t) => t >= 0 && t <= 1);
  return { ...axis, domain: [clamp(axis.domain[0]), clamp(axis.domain[1])], ticks };
}

/**
 * Exponential moving average with TensorBoard's debiasing (early points are not pulled towards 0); `weight` 0
 * returns the values. Missing values (null) stay missing and do not reset the average.
 */
export function emaSmooth(values: readonly (number | null | undefined)[], weight: number): (number | null)[] {
  if (weight <= 0) return values.map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null));
  let acc = 0;
  let n = 0;
  return values.map((v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return null;
    acc = weight * acc + (1 - weight) * v;
    n++;
    return acc / (1 - weight ** n);
  });
}
