/**
 * An append-only chart series capped at a fixed number of points. When full, every other kept point is dropped
 * and from then on only every `stride`-th new point is kept, so the whole run stays evenly sampled however long
 * it is (recharts stays fast up to ~1–2k points). The newest point is always shown, kept or not.
 */
export interface Series<T> {
  readonly kept: readonly T[];
  /** The newest point when it was not kept (shown at the end of the curve until the next one replaces it). */
  readonly tail: T | null;
  readonly stride: number;
  readonly seen: number;
}

export const SERIES_CAP = 1500;

export function emptySeries<T>(): Series<T> {
  return { kept: [], tail: null, stride: 1, seen: 0 };
}

export function pushPoint<T>(s: Series<T>, point: T, cap = SERIES_CAP): Series<T> {
  const index = s.seen;
  if (index % s.stride !== 0) return { ...s, tail: point, seen: index + 1 };
  const kept = [...s.kept, point];
  if (kept.length <= cap) return { kept, tail: null, stride: s.stride, seen: index + 1 };
  // Kept point i is arrival i·stride: dropping odd i leaves arrivals at multiples of 2·stride.
  const halved = kept.filter((_, i) => i % 2 === 0);
  const tail = halved[halved.length - 1] === point ? null : point;
  return { kept: halved, tail, stride: s.stride * 2, seen: index + 1 };
}

/** The points to draw: a fresh array, as the charts take mutable ones. */
export function seriesPoints<T>(s: Series<T>): T[] {
  return s.tail === null ? [...s.kept] : [...s.kept, s.tail];
}
