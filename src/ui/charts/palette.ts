/** Colour per series index (Tableau 10: distinct, colour-blind tolerant) and the heatmap ramp. */
const CATEGORICAL = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

export const seriesColor = (i: number): string => CATEGORICAL[i % CATEGORICAL.length];

/** Ink for "all domains" / total series. */
export const TOTAL_COLOR = '#222';

/** White → deep blue: light for weights near 0, dark for the heaviest expert. */
export function rampRgb(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t));
  const lo = [247, 251, 255];
  const hi = [8, 48, 107];
  return [0, 1, 2].map((i) => Math.round(lo[i] + (hi[i] - lo[i]) * x)) as [number, number, number];
}
