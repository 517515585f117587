/** Number formats shared by the panels: fixed widths so live numbers do not jitter. */

export const fmtAuc = (v: number | null | undefined): string =>
  v === null || v === undefined ? 'n/a' : v.toFixed(4);

export const fmtLoss = (v: number | null | undefined): string =>
  v === null || v === undefined ? 'n/a' : v.toFixed(4);

/** A signed gap: "+0.012", "−0.126" (a real minus sign). */
export const fmtGap = (gap: number): string => `${gap >= 0 ? '+' : '−'}${Math.abs(gap).toFixed(3)}`;

export const fmtInt = (v: number): string => v.toLocaleString('en-US');

export const fmtRate = (positives: number, rows: number): string =>
  rows === 0 ? 'n/a' : `${((100 * positives) / rows).toFixed(1)}%`;

export function fmtRateValue(v: number): string {
  if (v >= 1000) return `${(v / 1000).toFixed(1)}k`;
  return v.toFixed(v >= 100 ? 0 : 1);
}

export function fmtBytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)} KB`;
  return `${n} B`;
}

/** "1 epoch", "2 epochs". */
export const plural = (n: number, noun: string): string => `${fmtInt(n)} ${noun}${n === 1 ? '' : 's'}`;
